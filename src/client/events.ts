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
 * The correlator remembers at most 4,096 objects (client-go's cache size), forgetting the oldest
 * first. Writes happen in the background; failures are logged, never thrown.
 */
import type { Event, ObjectReference } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/resources.js';
import { resources } from '../api/resources.js';
import { isAlreadyExists, isNotFound } from '../api/errors.js';
import type { Clock } from '../util/clock.js';
import { rfc3339 } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { errorMessage } from '../util/log.js';
import type { Mutable } from '../util/objects.js';
import type { Client } from './types.js';

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

/**
 * What the correlator remembers of one involved object: its spam-filter bucket and its events by
 * type and reason. Kept per object, under the object's UID, rather than in three caches under
 * keys concatenated from every identifying field: an event then looks up one short key it
 * already holds instead of building and hashing three long ones.
 */
interface ObjectState {
  /** The spam filter's token bucket (flowcontrol's TryAccept arithmetic). */
  tokens: number;
  last: number;
  /** Per type and reason, in first-seen order: an object sees only a few. */
  groups: Group[];
}

/** The events of one object with one type and reason within the aggregation window. */
interface Group {
  readonly type: string;
  readonly reason: string;
  /** The distinct messages in insertion order; a lone message is kept without a Set. */
  messages: string | Set<string>;
  lastSeen: number;
  /** The Events written: one per distinct message, and the combined one (`key` null). */
  aggregates: Aggregate[];
}

interface Aggregate {
  /** The message it deduplicates, or null for the combined event of similar messages. */
  readonly key: string | null;
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeen: number;
  message: string;
}

/** The reference an Event's `involvedObject` holds: the non-empty identifying fields, in this order. */
export function referenceTo(obj: KubeObject): ObjectReference {
  const m = obj.metadata ?? {};
  // Assigned one by one (not spread from conditionals): this runs for every event recorded.
  const ref: Mutable<ObjectReference> = {};
  if (obj.kind) ref.kind = obj.kind;
  if (m.namespace) ref.namespace = m.namespace;
  if (m.name) ref.name = m.name;
  if (m.uid) ref.uid = m.uid;
  if (obj.apiVersion) ref.apiVersion = obj.apiVersion;
  if (m.resourceVersion) ref.resourceVersion = m.resourceVersion;
  return ref;
}

const TWO_20 = 2 ** 20;

/**
 * `(ms · 10⁶ + ns).toString(16)` without BigInt (a measurable share of every event): in two
 * exact halves of 20 bits (5 hex digits) below and the rest above. Other inputs take BigInt.
 */
export function nanosHex(ms: number, ns: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 41 || !Number.isInteger(ns) || ns < 0 || ns >= 1e6) {
    return (BigInt(ms) * 1_000_000n + BigInt(ns)).toString(16);
  }
  const hi = Math.floor(ms / TWO_20);
  const low = (ms - hi * TWO_20) * 1_000_000 + ns; // < 2^40: exact
  const top = hi * 1_000_000 + Math.floor(low / TWO_20); // < 2^42: exact
  const bottom = low % TWO_20;
  return top === 0 ? bottom.toString(16) : `${top.toString(16)}${bottom.toString(16).padStart(5, '0')}`;
}

/** Separates the parts of the correlator's cache keys. */
const SEP = '\u0000';

export class ClientEventRecorder implements EventRecorder {
  /** Per involved object (see {@link ObjectState}), at most CACHE_ENTRIES of them. */
  private readonly objects = new Map<string, ObjectState>();
  /**
   * The objects' keys in insertion order, from `head` on: the oldest is evicted first. Kept
   * beside the map because finding a Map's first key after many deletions walks every deleted
   * slot before it (microseconds per event once the cache is full).
   */
  private order: string[] = [];
  private head = 0;
  private chain: Promise<void> = Promise.resolve();
  private pendingWrites = 0;
  private seq = 0;
  private readonly source: Event['source'];

  constructor(private readonly options: EventRecorderOptions) {
    this.source = { component: options.component, ...(options.host ? { host: options.host } : {}) };
  }

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const now = this.options.clock.now();
    const window = this.options.aggregationWindowMs ?? 10 * 60_000;
    // client-go keys its caches by source, object, type, reason (and message); the source is this
    // recorder's for every event, and a UID names one object (kind, namespace and name with it).
    const state = this.objectState(obj, now);
    if (!this.allow(state, now)) return;
    // Similar events (same object, type and reason, other messages) are combined from the 10th on.
    let group: Group | undefined;
    for (const g of state.groups) {
      if (g.type === type && g.reason === reason) {
        group = g;
        break;
      }
    }
    if (!group) {
      group = { type, reason, messages: message, lastSeen: now, aggregates: [] };
      state.groups.push(group);
    } else if (now - group.lastSeen > window) {
      // Expired: so is every aggregate in it (none was seen after the group).
      group.messages = message;
      group.aggregates = [];
    }
    group.lastSeen = now;
    let messages = group.messages;
    if (typeof messages === 'string') {
      if (messages !== message) group.messages = messages = new Set([messages, message]);
    } else {
      messages.add(message);
    }
    let key: string | null = message;
    if (typeof messages !== 'string' && messages.size >= MAX_SIMILAR_EVENTS) {
      const any = messages.values().next().value;
      if (any !== undefined) messages.delete(any);
      key = null;
      message = `${COMBINED_PREFIX}${message}`;
    }
    const aggregates = group.aggregates;
    let at = -1;
    for (let i = 0; i < aggregates.length; i++) {
      if (aggregates[i]?.key === key) {
        at = i;
        break;
      }
    }
    const agg = at >= 0 ? aggregates[at] : undefined;
    const timestamp = rfc3339(now);
    if (agg && now - agg.lastSeen <= window) {
      agg.count++;
      agg.lastSeen = now;
      agg.message = message;
      // The write reads the aggregate when it runs: it then has the final name and latest count.
      this.enqueue(() => this.bump(agg, timestamp));
      return;
    }
    const ref = referenceTo(obj);
    const namespace = ref.namespace ?? 'default';
    // Upstream names events `<object>.<unix nanoseconds in hex>`; we count nanoseconds within the ms.
    const name = `${ref.name ?? 'unknown'}.${nanosHex(now, this.seq++ % 1_000_000)}`;
    const created: Aggregate = {
      key,
      name,
      namespace,
      count: 1,
      firstTimestamp: timestamp,
      lastSeen: now,
      message,
    };
    if (at >= 0) aggregates[at] = created;
    else aggregates.push(created);
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
      source: { ...this.source },
      reportingComponent: this.options.component,
      reportingInstance: this.options.host ?? '',
    };
    this.enqueue(async () => {
      // Another recorder may have used the same name in the same nanosecond slot: move on.
      for (let attempt = 0; ; attempt++) {
        try {
          const eventName = attempt === 0 ? name : `${name}${attempt}`;
          const named = attempt === 0 ? event : { ...event, metadata: { name: eventName, namespace } };
          await this.options.client.create(resources.events, named);
          created.name = eventName;
          return;
        } catch (err) {
          if (!isAlreadyExists(err) || attempt >= 3) throw err;
        }
      }
    });
  }

  /** Objects the correlator remembers (bounded like client-go's LRU caches of 4096 entries). */
  get cachedObjects(): number {
    return this.objects.size;
  }

  /** Resolves when every event recorded so far has been written (or failed). */
  async flush(): Promise<void> {
    while (this.pendingWrites > 0) await this.chain;
  }

  private enqueue(write: () => Promise<void>): void {
    this.pendingWrites++;
    this.chain = this.chain.then(() => this.write(write));
  }

  /** Runs one queued write; its failure is logged and never breaks the chain. */
  private async write(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.options.logger.warn({ err: errorMessage(err) }, 'event write failed');
    } finally {
      this.pendingWrites--;
    }
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

  /** The object's state: found under its UID (or, without one, every identifying field), or new. */
  private objectState(obj: KubeObject, now: number): ObjectState {
    const m = obj.metadata ?? {};
    const key =
      m.uid ||
      `${obj.kind || ''}${SEP}${m.namespace || ''}${SEP}${m.name || ''}${SEP}${obj.apiVersion || ''}`;
    let state = this.objects.get(key);
    if (state) return state;
    // A new bucket is full.
    state = { tokens: this.options.spamBurst ?? SPAM_BURST, last: now, groups: [] };
    this.objects.set(key, state);
    this.order.push(key);
    if (this.objects.size > CACHE_ENTRIES) this.objects.delete(this.order[this.head++] ?? key);
    if (this.head > CACHE_ENTRIES && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    return state;
  }

  /**
   * The spam filter: a token per event from the object's bucket, or the event is dropped. The
   * bucket refills at `spamQps` up to `spamBurst` (a BucketRateLimiter's TryAccept, inline: one
   * bucket per object recorded about, so it is kept small).
   */
  private allow(state: ObjectState, now: number): boolean {
    const burst = this.options.spamBurst ?? SPAM_BURST;
    const qps = this.options.spamQps ?? SPAM_QPS;
    state.tokens = Math.min(burst, state.tokens + ((now - state.last) / 1000) * qps);
    state.last = now;
    if (state.tokens < 1) return false;
    state.tokens -= 1;
    return true;
  }
}
