import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { boundedMemo } from './memo.js';

describe('boundedMemo', () => {
  test('computes a key once, and again only after the map was emptied at its limit', () => {
    const calls: string[] = [];
    const upper = boundedMemo(2, (s: string) => {
      calls.push(s);
      return s.toUpperCase();
    });
    assert.equal(upper('a'), 'A');
    assert.equal(upper('a'), 'A');
    assert.equal(upper('b'), 'B');
    assert.deepEqual(calls, ['a', 'b']);
    assert.equal(upper('c'), 'C'); // the limit is reached: emptied, then 'c' kept
    assert.equal(upper('c'), 'C');
    assert.equal(upper('a'), 'A');
    assert.deepEqual(calls, ['a', 'b', 'c', 'a']);
  });
});
