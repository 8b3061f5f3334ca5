import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.js';
import { WorkQueue } from './workqueue.js';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  defaultControllerRateLimiter,
} from './rate-limiter.js';

describe('WorkQueue', () => {
  test('an item added while queued is queued once', async () => {
    const q = new WorkQueue<string>({ name: 't', clock: new FakeClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
  });

  test('an item added while processing is handed out again only after done, never to two workers', async () => {
    const q = new WorkQueue<string>({ name: 't', clock: new FakeClock() });
    q.add('a');
    const first = await q.get();
    assert.equal(first, 'a');
    q.add('a');
    assert.equal(q.len(), 0, 'not queued while in flight');
    let second: string | undefined;
    const waiting = q.get().then((v) => (second = v));
    await new Promise((r) => setImmediate(r));
    assert.equal(second, undefined);
    q.done('a');
    await waiting;
    assert.equal(second, 'a');
  });

  test('addAfter waits on the injected clock; the earliest pending delay wins', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ name: 't', clock });
    q.addAfter('a', 1000);
    q.addAfter('a', 5000);
    clock.advance(999);
    assert.equal(q.len(), 0);
    clock.advance(1);
    assert.equal(q.len(), 1);
    assert.equal(await q.get(), 'a');
  });

  test('expedite queues a delayed item now, but never cuts short a failure back-off', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ name: 't', clock });
    q.addAfter('paused', 250);
    q.expedite('paused');
    assert.equal(q.len(), 1, 'queued at once');
    assert.equal(await q.get(), 'paused');
    q.done('paused');
    clock.advance(250);
    assert.equal(q.len(), 0, 'its delayed add was cancelled');
    q.expedite('absent');
    assert.equal(q.len(), 0, 'an item not waiting is left alone');
    q.addRateLimited('failed'); // its first back-off: 5 ms
    q.expedite('failed');
    assert.equal(q.len(), 0, 'still backing off');
    clock.advance(4);
    assert.equal(q.len(), 0);
    clock.advance(1);
    assert.equal(q.len(), 1, 'queued when its back-off ends');
  });

  test('shutDown releases waiting getters with undefined and drained() waits for in-flight work', async () => {
    const q = new WorkQueue<string>({ name: 't', clock: new FakeClock() });
    q.add('a');
    await q.get();
    const pending = q.get();
    q.shutDown();
    assert.equal(await pending, undefined);
    let drained = false;
    const d = q.drained().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(drained, false);
    q.done('a');
    await d;
    assert.equal(drained, true);
  });

  test('rate-limited re-adds back off exponentially from 5 ms and forget resets', () => {
    const l = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    assert.deepEqual([l.when('x'), l.when('x'), l.when('x'), l.when('x')], [5, 10, 20, 40]);
    assert.equal(l.numRequeues('x'), 4);
    l.forget('x');
    assert.equal(l.when('x'), 5);
    for (let i = 0; i < 40; i++) l.when('y');
    assert.equal(l.when('y'), 1_000_000, 'capped at 1000 s');
  });

  test('the default controller limiter adds a 10 qps / burst 100 bucket', () => {
    const clock = new FakeClock();
    const bucket = new BucketRateLimiter<string>(clock, 10, 100);
    for (let i = 0; i < 100; i++) assert.equal(bucket.when(`k${i}`), 0);
    assert.equal(bucket.when('over'), 100, 'the 101st waits a tenth of a second');
    const def = defaultControllerRateLimiter<string>(clock);
    assert.equal(def.when('a'), 5);
  });

  test('inFlightSince lists when each in-flight item was handed out; metrics providers see the queue', async () => {
    const clock = new FakeClock();
    const tracked: string[] = [];
    const metrics = {
      add: () => {},
      depth: () => {},
      retry: () => {},
      queueDuration: () => {},
      workDuration: () => {},
      trackQueue: (q: { readonly name: string }) => tracked.push(q.name),
    };
    const q = new WorkQueue<string>({ name: 'w', clock, metrics });
    assert.deepEqual(tracked, ['w']);
    const t0 = clock.now();
    q.add('a');
    q.add('b');
    await q.get();
    clock.advance(100);
    await q.get();
    assert.deepEqual([...q.inFlightSince()], [t0, t0 + 100]);
    q.done('a');
    assert.deepEqual([...q.inFlightSince()], [t0 + 100]);
  });
});
