/**
 * Client-side request throttling, as client-go's `flowcontrol.NewTokenBucketRateLimiter` behind
 * `rest.Config{QPS, Burst}`: a bucket of `burst` tokens refilled at `qps` per second; every request
 * takes one token and waits until it is due. Reservation happens when `wait()` is called, so
 * concurrent callers are served in call order and a burst of N calls is spread evenly.
 *
 * The bucket math is {@link BucketRateLimiter}'s (the workqueue's overall limiter): `when()` reserves
 * a token and answers how long until it is due; this class only adds the waiting, on the injected
 * clock, and counts how long callers were held back so a metrics layer can report it. It logs
 * nothing.
 */
import type { Clock } from '../util/clock.js';
import { BucketRateLimiter } from './rate-limiter.js';

export interface ClientRateLimiterOptions {
  readonly clock: Clock;
  /** Tokens per second. `<= 0` disables throttling (every wait resolves at once). */
  readonly qps: number;
  /** Bucket size: how many requests may go at once after a quiet period. An integer >= 1 when qps > 0. */
  readonly burst: number;
}

/** Cumulative throttling, for metrics (client-go's `rest_client_rate_limiter_duration_seconds`). */
export interface ClientRateLimiterStats {
  /** Requests that had to wait for a token. */
  readonly throttledRequests: number;
  /** Sum of those waits, in milliseconds. */
  readonly throttledMs: number;
}

export class ClientRateLimiter {
  private readonly bucket: BucketRateLimiter<undefined> | undefined;
  private throttledRequests = 0;
  private throttledMs = 0;

  constructor(private readonly options: ClientRateLimiterOptions) {
    const { qps, burst } = options;
    if (!Number.isFinite(qps)) throw new Error(`qps must be a finite number, got ${qps}`);
    if (qps > 0) {
      if (!Number.isInteger(burst) || burst < 1)
        throw new Error(`burst must be an integer >= 1 when qps > 0, got ${burst}`);
      this.bucket = new BucketRateLimiter<undefined>(options.clock, qps, burst);
    }
  }

  /** Whether requests are throttled at all (qps > 0). */
  get enabled(): boolean {
    return this.bucket !== undefined;
  }

  /**
   * Takes a token and resolves when it is due: at once while the bucket holds tokens, otherwise
   * after `1/qps` seconds per request queued ahead. Resolves with the time waited (ms).
   */
  wait(): Promise<number> {
    const delay = this.bucket?.when(undefined) ?? 0;
    if (delay <= 0) return Promise.resolve(0);
    this.throttledRequests++;
    this.throttledMs += delay;
    return new Promise((resolve) => {
      this.options.clock.setTimeout(() => resolve(delay), delay);
    });
  }

  stats(): ClientRateLimiterStats {
    return { throttledRequests: this.throttledRequests, throttledMs: this.throttledMs };
  }
}
