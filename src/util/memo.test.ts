import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { boundedMemo, weakMemo } from './memo.js';

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

describe('weakMemo', () => {
  test('computes once per key object, an undefined result included', () => {
    const calls: object[] = [];
    const nameOf = weakMemo((o: { name?: string }) => {
      calls.push(o);
      return o.name;
    });
    const a = { name: 'a' };
    const none = {};
    assert.equal(nameOf(a), 'a');
    assert.equal(nameOf(a), 'a');
    assert.equal(nameOf(none), undefined);
    assert.equal(nameOf(none), undefined);
    assert.equal(nameOf({ name: 'a' }), 'a', 'an equal object is another key');
    assert.equal(calls.length, 3);
  });
});
