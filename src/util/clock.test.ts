import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, rfc3339, rfc3339Micro } from './clock.js';

test('FakeClock fires due timers in time order, ties in the order set, including ones set while advancing', () => {
  const c = new FakeClock(0);
  const fired: string[] = [];
  c.setTimeout(() => fired.push('b@20'), 20);
  c.setTimeout(() => fired.push('a@10'), 10);
  c.setTimeout(() => fired.push('a2@10'), 10);
  const cancelled = c.setTimeout(() => fired.push('never'), 5);
  cancelled.cancel();
  c.setTimeout(() => {
    fired.push('c@15');
    c.setTimeout(() => fired.push('d@17'), 2);
  }, 15);
  c.setTimeout(() => fired.push('late@100'), 100);
  assert.equal(c.pending(), 5);
  c.advance(50);
  assert.deepEqual(fired, ['a@10', 'a2@10', 'c@15', 'd@17', 'b@20']);
  assert.equal(c.now(), 50);
  assert.equal(c.pending(), 1);
  c.set(100);
  assert.equal(fired.at(-1), 'late@100');
});

test('timestamps render as Kubernetes writes them', () => {
  assert.equal(rfc3339(Date.parse('2026-01-02T03:04:05.678Z')), '2026-01-02T03:04:05Z');
  assert.equal(rfc3339Micro(Date.parse('2026-01-02T03:04:05.678Z')), '2026-01-02T03:04:05.678000Z');
});
