/**
 * The event recorder: writes core/v1 Events about objects through client-go's event correlator,
 * in its order:
 * 1. spam filter — per source and involved object, a token bucket of 25 events refilled at one
 *    per 5 minutes; events beyond it are dropped (a DaemonSet creating 5,000 pods writes about
 *    25 events, not 5,000);
 * 2. aggregation of similar events — from the 10th event with the same source, object, type and
 *    reason but a different message within 10 minutes, they are combined into one Event whose
 *    message starts `(combined from similar events): `;
 * 3. deduplication — an identical event (same key, same message) within the window increments
 *    `count` and moves `lastTimestamp` (and the message) instead of creating a new Event.
 * Writes happen in the background; failures are logged, never thrown.
 */
import type { Event, ObjectReference } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/resources.js';
import { resources } from '../api/resources.js';
import { isAlreadyExists, isNotFound } from '../api/errors.js';
import type { Clock } from '../util/clock.js';
import { rfc3339 } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { errorMessage } from '../util/log.js';
import type { Client } from './types.js';
import { BucketRateLimiter } from './rate-limiter.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

export interface EventRecorderOptions {
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `source.component`, e.g. `daemonset-controller`. */
  readonly component: string;
  readonly host?: string;
  /** Identical events within this window are aggregated. Default 10 minutes. */
  readonly aggregationWindowMs?: number;
  /** Spam filter per source and object: burst and refill per second. Default 25 and 1/300. */
  readonly spamBurst?: number;
  readonly spamQps?: number;
}

/** client-go's defaults (tools/record/events_cache.go). */
export const SPAM_BURST = 25;
export const SPAM_QPS = 1 / 300;
export const MAX_SIMILAR_EVENTS = 10;
export const COMBINED_PREFIX = '(combined from similar events): ';
/** Entries kept per correlator cache (client-go's maxLruCacheEntries). */
const CACHE_ENTRIES = 4096;

interface Similar {
  readonly messages: Set<string>;
  lastSeen: number;
}

interface Aggregate {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeen: number;
  message: string;
}

export function referenceTo(obj: KubeObject): ObjectReference {
  const m = obj.metadata ?? {};
  return {
    ...(obj.kind ? { kind: obj.kind } : {}),
    ...(m.namespace ? { namespace: m.namespace } : {}),
    ...(m.name ? { name: m.name } : {}),
    ...(m.uid ? { uid: m.uid } : {}),
    ...(obj.apiVersion ? { apiVersion: obj.apiVersion } : {}),
    ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
  };
}

export class ClientEventRecorder implements EventRecorder {
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly similar = new Map<string, Similar>();
  private readonly spam = new Map<string, BucketRateLimiter<undefined>>();
  private chain: Promise<void> = Promise.resolve();
  private pendingWrites = 0;
  private seq = 0;

  constructor(private readonly options: EventRecorderOptions) {}

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const ref = referenceTo(obj);
    const now = this.options.clock.now();
    const window = this.options.aggregationWindowMs ?? 10 * 60_000;
    const objectKey = [
      this.options.component,
      this.options.host ?? '',
      ref.kind,
      ref.namespace,
      ref.name,
      ref.uid,
      ref.apiVersion,
    ].join('\u0000');
    if (!this.allow(objectKey)) return;
    // Similar events (same object, type and reason, other messages) are combined from the 10th on.
    const similarKey = [objectKey, type, reason].join('\u0000');
    let similar = this.similar.get(similarKey);
    if (!similar || now - similar.lastSeen > window) {
      similar = { messages: new Set(), lastSeen: now };
      this.similar.set(similarKey, similar);
    }
    similar.lastSeen = now;
    similar.messages.add(message);
    let key = [similarKey, message].join('\u0000');
    if (similar.messages.size >= MAX_SIMILAR_EVENTS) {
      const any = similar.messages.values().next().value;
      if (any !== undefined) similar.messages.delete(any);
      key = similarKey;
      message = `${COMBINED_PREFIX}${message}`;
    }
    const agg = this.aggregates.get(key);
    const timestamp = rfc3339(now);
    if (agg && now - agg.lastSeen <= window) {
      agg.count++;
      agg.lastSeen = now;
      agg.message = message;
      // The write reads the aggregate when it runs: it then has the final name and latest count.
      this.enqueue(() => this.bump(agg, timestamp));
      return;
    }
    const namespace = ref.namespace ?? 'default';
    // Upstream names events `<object>.<unix nanoseconds in hex>`; we count nanoseconds within the ms.
    const name = `${ref.name ?? 'unknown'}.${(BigInt(now) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`;
    const created: Aggregate = {
      name,
      namespace,
      count: 1,
      firstTimestamp: timestamp,
      lastSeen: now,
      message,
    };
    this.aggregates.set(key, created);
    if (this.aggregates.size > CACHE_ENTRIES || this.similar.size > CACHE_ENTRIES) this.gc(now, window);
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      source: {
        component: this.options.component,
        ...(this.options.host ? { host: this.options.host } : {}),
      },
      reportingComponent: this.options.component,
      reportingInstance: this.options.host ?? '',
    };
    this.enqueue(async () => {
      // Another recorder may have used the same name in the same nanosecond slot: move on.
      for (let attempt = 0; ; attempt++) {
        try {
          const eventName = attempt === 0 ? name : `${name}${attempt}`;
          const named = { ...event, metadata: { name: eventName, namespace } };
          await this.options.client.create(resources.events, named);
          created.name = eventName;
          return;
        } catch (err) {
          if (!isAlreadyExists(err) || attempt >= 3) throw err;
        }
      }
    });
  }

  /** Resolves when every event recorded so far has been written (or failed). */
  async flush(): Promise<void> {
    while (this.pendingWrites > 0) await this.chain;
  }

  private enqueue(write: () => Promise<void>): void {
    this.pendingWrites++;
    this.chain = this.chain
      .then(write)
      .catch((err: unknown) => this.options.logger.warn({ err: errorMessage(err) }, 'event write failed'))
      .finally(() => {
        this.pendingWrites--;
      });
  }

  private async bump(agg: Aggregate, timestamp: string): Promise<void> {
    try {
      await this.options.client.patch(resources.events, agg.namespace, agg.name, 'merge', {
        count: agg.count,
        lastTimestamp: timestamp,
        message: agg.message,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** The spam filter: a token per event from the object's bucket, or the event is dropped. */
  private allow(objectKey: string): boolean {
    let bucket = this.spam.get(objectKey);
    if (!bucket) {
      bucket = new BucketRateLimiter<undefined>(
        this.options.clock,
        this.options.spamQps ?? SPAM_QPS,
        this.options.spamBurst ?? SPAM_BURST,
      );
      this.spam.set(objectKey, bucket);
      if (this.spam.size > CACHE_ENTRIES) this.spam.delete(this.spam.keys().next().value ?? objectKey);
    }
    return bucket.tryAccept();
  }

  /**
   * Bounds the caches like client-go's LRUs of 4096 entries: expired entries go first, then the
   * oldest (insertion order) until a tenth is free, so the sweep runs once per ~400 new keys.
   */
  private gc(now: number, window: number): void {
    const caches: Array<Map<string, { readonly lastSeen: number }>> = [this.aggregates, this.similar];
    for (const cache of caches) {
      for (const [k, v] of cache) if (now - v.lastSeen > window) cache.delete(k);
      for (const k of cache.keys()) {
        if (cache.size <= CACHE_ENTRIES * 0.9) break;
        cache.delete(k);
      }
    }
  }
}
