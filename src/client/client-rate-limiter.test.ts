import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.js';
import { ClientRateLimiter } from './client-rate-limiter.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** Starts `n` waits at once and records, per wait, the fake time at which it resolved. */
function startWaits(limiter: ClientRateLimiter, clock: FakeClock, n: number): (number | undefined)[] {
  const released: (number | undefined)[] = Array.from({ length: n }, () => undefined);
  for (let i = 0; i < n; i++) {
    void limiter.wait().then(() => {
      released[i] = clock.now();
    });
  }
  return released;
}

describe('ClientRateLimiter', () => {
  test('a burst goes at once, then requests are spaced 1/qps apart, in call order', async () => {
    const clock = new FakeClock(0);
    const limiter = new ClientRateLimiter({ clock, qps: 5, burst: 2 });
    const released = startWaits(limiter, clock, 6);
    await settle();
    assert.deepEqual(released, [0, 0, undefined, undefined, undefined, undefined]);
    for (let t = 0; t < 1000; t += 50) {
      clock.advance(50);
      await settle();
    }
    assert.deepEqual(released, [0, 0, 200, 400, 600, 800]);
    assert.deepEqual(limiter.stats(), { throttledRequests: 4, throttledMs: 200 + 400 + 600 + 800 });
  });

  test('the bucket refills at qps up to burst after a quiet period', async () => {
    const clock = new FakeClock(0);
    const limiter = new ClientRateLimiter({ clock, qps: 10, burst: 3 });
    startWaits(limiter, clock, 3);
    clock.advance(10_000);
    const released = startWaits(limiter, clock, 4);
    await settle();
    assert.deepEqual(released.slice(0, 3), [10_000, 10_000, 10_000], 'refilled to burst, not beyond');
    assert.equal(released[3], undefined);
    clock.advance(100);
    await settle();
    assert.equal(released[3], 10_100);
  });

  test('steady traffic at the limit is never throttled', async () => {
    const clock = new FakeClock(0);
    const limiter = new ClientRateLimiter({ clock, qps: 5, burst: 1 });
    for (let i = 0; i < 10; i++) {
      assert.equal(await limiter.wait(), 0);
      clock.advance(200);
    }
    assert.equal(limiter.stats().throttledRequests, 0);
  });

  test('qps <= 0 disables throttling', async () => {
    const clock = new FakeClock(0);
    const limiter = new ClientRateLimiter({ clock, qps: 0, burst: 0 });
    assert.equal(limiter.enabled, false);
    const released = startWaits(limiter, clock, 1000);
    await settle();
    assert.ok(released.every((t) => t === 0));
    assert.equal(clock.pending(), 0);
  });

  test('invalid settings are refused', () => {
    const clock = new FakeClock(0);
    assert.throws(() => new ClientRateLimiter({ clock, qps: 5, burst: 0 }), /burst/);
    assert.throws(() => new ClientRateLimiter({ clock, qps: 5, burst: 1.5 }), /burst/);
    assert.throws(() => new ClientRateLimiter({ clock, qps: Number.NaN, burst: 1 }), /qps/);
  });
});
