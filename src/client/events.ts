/**
 * The event recorder: writes core/v1 Events about objects, aggregating repeats the way
 * client-go's event correlator does — an identical event (same source, object, type, reason and
 * message) within the aggregation window increments `count` and moves `lastTimestamp` instead of
 * creating a new Event. Writes happen in the background; failures are logged, never thrown.
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
}

interface Aggregate {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeen: number;
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
  private chain: Promise<void> = Promise.resolve();
  private pendingWrites = 0;
  private seq = 0;

  constructor(private readonly options: EventRecorderOptions) {}

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const ref = referenceTo(obj);
    const now = this.options.clock.now();
    const key = [
      this.options.component,
      ref.kind,
      ref.namespace,
      ref.name,
      ref.uid,
      type,
      reason,
      message,
    ].join('\u0000');
    const window = this.options.aggregationWindowMs ?? 10 * 60_000;
    const agg = this.aggregates.get(key);
    const timestamp = rfc3339(now);
    if (agg && now - agg.lastSeen <= window) {
      agg.count++;
      agg.lastSeen = now;
      // The write reads the aggregate when it runs: it then has the final name and latest count.
      this.enqueue(() => this.bump(agg, timestamp));
      return;
    }
    const namespace = ref.namespace ?? 'default';
    // Upstream names events `<object>.<unix nanoseconds in hex>`; we count nanoseconds within the ms.
    const name = `${ref.name ?? 'unknown'}.${(BigInt(now) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`;
    const created: Aggregate = { name, namespace, count: 1, firstTimestamp: timestamp, lastSeen: now };
    this.aggregates.set(key, created);
    if (this.aggregates.size > 4096) this.gc(now, window);
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
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private gc(now: number, window: number): void {
    for (const [k, a] of this.aggregates) if (now - a.lastSeen > window) this.aggregates.delete(k);
  }
}
