/**
 * A deduplicating, rate-limited work queue with client-go semantics:
 * - an item added while queued is queued once;
 * - an item added while being processed is re-queued when `done` is called, never handed to two
 *   workers at once;
 * - `addRateLimited` waits as the rate limiter says; `forget` clears the item's failure history;
 * - `addAfter` waits on the injected clock.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import type { RateLimiter } from './rate-limiter.js';
import { defaultControllerRateLimiter } from './rate-limiter.js';

export interface WorkQueueOptions<K> {
  readonly name: string;
  readonly clock: Clock;
  /** Default: client-go's default controller rate limiter. */
  readonly rateLimiter?: RateLimiter<K>;
  /** Observes queue activity (metrics). */
  readonly metrics?: WorkQueueMetrics;
}

export interface WorkQueueMetrics {
  add(name: string): void;
  depth(name: string, depth: number): void;
  retry(name: string): void;
  /** Seconds an item waited in the queue before a worker took it. */
  queueDuration(name: string, seconds: number): void;
  /** Seconds a worker spent on an item. */
  workDuration(name: string, seconds: number): void;
  /**
   * Called once by each queue built with these metrics, so a provider can read the queue's
   * in-flight work when scraped (client-go's unfinished work and longest-running processor).
   * A later queue of the same name replaces an earlier one.
   */
  trackQueue?(queue: InFlightWork): void;
}

/** What a metrics provider reads from a queue at scrape time: the items its workers hold now. */
export interface InFlightWork {
  readonly name: string;
  readonly clock: Clock;
  /** When each in-flight item was handed to a worker, in ms on `clock`. */
  inFlightSince(): Iterable<number>;
}

export class WorkQueue<K = string> implements InFlightWork {
  readonly name: string;
  readonly clock: Clock;
  private readonly limiter: RateLimiter<K>;
  private readonly metrics: WorkQueueMetrics | undefined;
  private queue: K[] = [];
  private head = 0;
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly addedAt = new Map<K, number>();
  private readonly startedAt = new Map<K, number>();
  private readonly waiting = new Map<K, { at: number; timer: TimerHandle }>();
  private readonly getters: Array<(item: K | undefined) => void> = [];
  private shuttingDown = false;
  private drainWaiters: Array<() => void> = [];

  constructor(options: WorkQueueOptions<K>) {
    this.name = options.name;
    this.clock = options.clock;
    this.limiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(options.clock);
    this.metrics = options.metrics;
    this.metrics?.trackQueue?.(this);
  }

  /** Number of items waiting to be handed out (not counting delayed or in-flight ones). */
  len(): number {
    return this.queue.length - this.head;
  }

  /** When each item being processed was handed to a worker, in ms on the queue's clock. */
  inFlightSince(): Iterable<number> {
    return this.startedAt.values();
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(item: K): void {
    if (this.shuttingDown || this.dirty.has(item)) return;
    this.metrics?.add(this.name);
    this.dirty.add(item);
    // Only the queue-duration metric reads it: a queue without metrics skips the clock and map.
    if (this.metrics) this.addedAt.set(item, this.clock.now());
    if (this.processing.has(item)) return;
    this.push(item);
  }

  /** Adds the item after `ms` on the queue's clock; an earlier pending delay wins. */
  addAfter(item: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(item);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.waiting.get(item);
    if (existing && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(item);
      this.add(item);
    }, ms);
    this.waiting.set(item, { at, timer });
  }

  /**
   * Queues an item waiting for its `addAfter` time now. An item not waiting is left alone, and so
   * is one whose last processing failed: its back-off is never shortened.
   */
  expedite(item: K): void {
    const waiting = this.waiting.get(item);
    if (!waiting || this.limiter.numRequeues(item) > 0) return;
    waiting.timer.cancel();
    this.waiting.delete(item);
    this.add(item);
  }

  addRateLimited(item: K): void {
    this.metrics?.retry(this.name);
    this.addAfter(item, this.limiter.when(item));
  }

  forget(item: K): void {
    this.limiter.forget(item);
  }

  numRequeues(item: K): number {
    return this.limiter.numRequeues(item);
  }

  /** Resolves with the next item, or undefined once the queue is shut down. */
  get(): Promise<K | undefined> {
    const item = this.take();
    if (item !== undefined || this.shuttingDown) return Promise.resolve(item);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks an item processed; if it was added meanwhile it goes back in the queue. */
  done(item: K): void {
    this.processing.delete(item);
    const started = this.startedAt.get(item);
    if (started !== undefined) {
      this.metrics?.workDuration(this.name, (this.clock.now() - started) / 1000);
      this.startedAt.delete(item);
    }
    if (this.dirty.has(item)) this.push(item);
    else if (this.processing.size === 0 && this.shuttingDown) this.notifyDrained();
  }

  /** Stops handing out items; waiting `get` calls resolve with undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.waiting.values()) timer.cancel();
    this.waiting.clear();
    for (const g of this.getters.splice(0)) g(undefined);
    if (this.processing.size === 0) this.notifyDrained();
  }

  /** Resolves when no item is being processed (after shutDown). */
  drained(): Promise<void> {
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private notifyDrained(): void {
    for (const w of this.drainWaiters.splice(0)) w();
  }

  private push(item: K): void {
    const getter = this.getters.shift();
    if (getter) {
      this.begin(item);
      getter(item);
      return;
    }
    this.queue.push(item);
    this.metrics?.depth(this.name, this.len());
  }

  private take(): K | undefined {
    if (this.shuttingDown || this.head >= this.queue.length) return undefined;
    const item = this.queue[this.head] as K;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.begin(item);
    this.metrics?.depth(this.name, this.len());
    return item;
  }

  private begin(item: K): void {
    this.processing.add(item);
    this.dirty.delete(item);
    const now = this.clock.now();
    if (this.metrics) {
      const added = this.addedAt.get(item);
      if (added !== undefined) this.metrics.queueDuration(this.name, (now - added) / 1000);
      this.addedAt.delete(item);
    }
    this.startedAt.set(item, now);
  }
}
