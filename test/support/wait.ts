/**
 * Test helpers for asynchronous clusters: poll a condition in real time (briefly) while,
 * optionally, moving a fake clock forward, and fail with a description when it never holds.
 */
import type { FakeClock } from '../../src/util/clock.js';

export interface EventuallyOptions {
  /** Real milliseconds to wait in total. Default 5,000. */
  readonly timeoutMs?: number;
  /** Advance this fake clock by `stepMs` between polls. */
  readonly clock?: FakeClock;
  readonly stepMs?: number;
  readonly what?: string;
  /**
   * Before each advance of the fake clock, wait until this revision stops moving: time only moves
   * once the cluster has done everything it can at the current instant (as a real cluster would,
   * long before the next heartbeat).
   */
  readonly quiesce?: () => number;
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with the first truthy value of `fn`. */
export async function eventually<T>(
  fn: () => T | undefined | null | false,
  options: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'condition'}`);
    if (options.quiesce) await quiesce(options.quiesce);
    if (options.clock) options.clock.advance(options.stepMs ?? 1_000);
    await tick(options.clock ? 1 : 5);
  }
}

/** Waits until `revision()` is unchanged across a few event-loop turns (bounded). */
export async function quiesce(revision: () => number, maxMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = revision();
  let stable = 0;
  while (stable < 3 && Date.now() < deadline) {
    await new Promise((r) => setImmediate(r));
    const now = revision();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
}

/** Lets queued asynchronous work (watch delivery, workers) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** A deterministic random source (Park–Miller). */
export function seededRandom(seed = 1): () => number {
  let s = seed % 2147483647;
  if (s <= 0) s += 2147483646;
  return () => {
    s = (s * 16807) % 2147483647;
    return (s - 1) / 2147483646;
  };
}

/** Resolves with the first truthy result of an asynchronous check, polling in real time. */
export async function eventuallyAsync<T>(
  fn: () => Promise<T | undefined | null | false>,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'condition'}`);
    await tick(100);
  }
}
