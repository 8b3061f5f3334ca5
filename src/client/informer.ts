/**
 * A shared informer: lists a resource, then watches from the list's resourceVersion, keeping a
 * cache of frozen objects with secondary indexes. A watch that ends is resumed from the last seen
 * resourceVersion; an Expired (410) answer leads to a fresh list whose differences are delivered
 * as add, update and delete notifications, so handlers never miss a change.
 */
import type { KubeObject, ResourceType } from '../api/resources.js';
import { controllerOf, objectKey } from '../api/resources.js';
import { isExpired } from '../api/errors.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Client, ClientListOptions, ClientWatch, ClientWatchEvent } from './types.js';

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** `obj` is the last known state (after a re-list it may be older than the deletion). */
  onDelete?(obj: T): void;
}

export type IndexFunc<T> = (obj: T) => readonly string[];

export interface InformerOptions<T> extends ClientListOptions {
  readonly clock: Clock;
  readonly indexers?: Readonly<Record<string, IndexFunc<T>>>;
  /** Called with errors the informer recovers from (list failures, watch ends). */
  readonly onError?: (err: unknown) => void;
}

export const RETRY_BACKOFF_MS = { initial: 100, max: 30_000 };

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  /** Index name → value → the objects (by key) with that value: byIndex copies out, no lookups. */
  private readonly indexes = new Map<string, Map<string, Map<string, T>>>();
  private changes = 0;
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly syncWaiters: Array<() => void> = [];
  private synced = false;
  private stopped = true;
  private lastRV = '';
  private watchHandle: ClientWatch | undefined;
  private retryTimer: TimerHandle | undefined;
  private failures = 0;
  private generation = 0;
  private readonly indexers: Record<string, IndexFunc<T>>;
  /** The indexers with their indexes, as a list: every cache change walks it. */
  private indexList: Array<{ readonly fn: IndexFunc<T>; readonly idx: Map<string, Map<string, T>> }> = [];

  constructor(
    private readonly client: Client,
    readonly type: ResourceType<T>,
    private readonly options: InformerOptions<T>,
  ) {
    this.indexers = { ...(options.indexers ?? {}) };
    for (const [name, fn] of Object.entries(this.indexers)) {
      const idx = new Map<string, Map<string, T>>();
      this.indexes.set(name, idx);
      this.indexList.push({ fn, idx });
    }
  }

  /** Adds secondary indexes; existing cache entries are indexed at once. */
  addIndexers(indexers: Readonly<Record<string, IndexFunc<T>>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers[name]) {
        if (this.indexers[name] !== fn) throw new Error(`index ${name} already exists with another function`);
        continue;
      }
      this.indexers[name] = fn;
      const idx = new Map<string, Map<string, T>>();
      this.indexes.set(name, idx);
      this.indexList = [...this.indexList, { fn, idx }];
      for (const [key, obj] of this.cache) {
        for (const v of fn(obj)) {
          let bucket = idx.get(v);
          if (!bucket) idx.set(v, (bucket = new Map<string, T>()));
          bucket.set(key, obj);
        }
      }
    }
  }

  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
    if (this.synced) for (const obj of this.cache.values()) handlers.onAdd?.(obj);
  }

  /** Starts listing and watching; returns at once (see {@link waitForSync}). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.retryTimer?.cancel();
    this.watchHandle?.stop();
    this.watchHandle = undefined;
    for (const w of this.syncWaiters.splice(0)) w();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list has been loaded into the cache (or the informer stopped). */
  waitForSync(): Promise<void> {
    if (this.synced || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** The resourceVersion the cache reflects. */
  lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  size(): number {
    return this.cache.size;
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  /** Counts changes to the cache: equal values mean every read in between saw the same content. */
  get version(): number {
    return this.changes;
  }

  /** Objects whose index function returned `value` for index `indexName`. */
  byIndex(indexName: string, value: string): T[] {
    const bucket = this.indexes.get(indexName)?.get(value);
    return bucket ? [...bucket.values()] : [];
  }

  // -------------------------------------------------------------------------------------------

  private relist(): void {
    const gen = this.generation;
    const listOptions: ClientListOptions = {
      ...(this.options.namespace ? { namespace: this.options.namespace } : {}),
      ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
      ...(this.options.fieldSelector ? { fieldSelector: this.options.fieldSelector } : {}),
    };
    this.client.list(this.type, listOptions).then(
      (result) => {
        if (gen !== this.generation || this.stopped) return;
        this.replace(result.items);
        this.lastRV = result.resourceVersion;
        this.failures = 0;
        if (!this.synced) {
          this.synced = true;
          for (const w of this.syncWaiters.splice(0)) w();
        }
        this.startWatch();
      },
      (err: unknown) => this.retry(err, () => this.relist()),
    );
  }

  private startWatch(): void {
    const gen = ++this.generation;
    this.client
      .watch(
        this.type,
        {
          ...(this.options.namespace ? { namespace: this.options.namespace } : {}),
          ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
          ...(this.options.fieldSelector ? { fieldSelector: this.options.fieldSelector } : {}),
          resourceVersion: this.lastRV,
          allowBookmarks: true,
        },
        {
          onEvent: (ev) => {
            if (gen === this.generation && !this.stopped) this.apply(ev);
          },
          onClose: (err) => {
            if (gen !== this.generation || this.stopped) return;
            this.watchHandle = undefined;
            if (err !== undefined) this.options.onError?.(err);
            if (isExpired(err)) this.retry(undefined, () => this.relist());
            else this.retry(undefined, () => this.startWatch());
          },
        },
      )
      .then(
        (handle) => {
          if (gen !== this.generation || this.stopped) handle.stop();
          else this.watchHandle = handle;
        },
        (err: unknown) => {
          if (gen !== this.generation || this.stopped) return;
          if (isExpired(err)) this.retry(undefined, () => this.relist());
          else this.retry(err, () => this.startWatch());
        },
      );
  }

  /** Retries at once the first time, then with capped exponential backoff on the clock. */
  private retry(err: unknown, fn: () => void): void {
    if (this.stopped) return;
    if (err !== undefined) {
      this.failures++;
      this.options.onError?.(err);
    }
    if (this.failures === 0) {
      setImmediate(() => {
        if (!this.stopped) fn();
      });
      return;
    }
    const delay = Math.min(RETRY_BACKOFF_MS.max, RETRY_BACKOFF_MS.initial * 2 ** (this.failures - 1));
    this.retryTimer = this.options.clock.setTimeout(() => {
      if (!this.stopped) fn();
    }, delay);
  }

  private apply(ev: ClientWatchEvent<T>): void {
    const rv = ev.object.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.lastRV = rv;
      return;
    }
    this.changes++;
    const key = objectKey(ev.object);
    if (ev.type === 'DELETED') {
      const old = this.cache.get(key);
      this.remove(key);
      for (const h of this.handlers) h.onDelete?.(ev.object ?? old);
    } else {
      const old = this.cache.get(key);
      this.put(key, ev.object, old);
      for (const h of this.handlers) {
        if (old) h.onUpdate?.(old, ev.object);
        else h.onAdd?.(ev.object);
      }
    }
    if (rv) this.lastRV = rv;
  }

  /** Loads a full list: differences from the cache become notifications. */
  private replace(items: readonly T[]): void {
    this.changes++;
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.cache.get(key);
      if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) continue;
      this.put(key, obj, old);
      for (const h of this.handlers) {
        if (old) h.onUpdate?.(old, obj);
        else h.onAdd?.(obj);
      }
    }
    for (const [key, old] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.remove(key);
      for (const h of this.handlers) h.onDelete?.(old);
    }
  }

  private put(key: string, obj: T, old: T | undefined): void {
    this.cache.set(key, obj);
    for (const { fn, idx } of this.indexList) {
      const after = fn(obj);
      if (old !== undefined) {
        const before = fn(old);
        // Most updates (status writes) keep every index value: the buckets only take the new object.
        if (!sameValues(before, after)) {
          for (const v of before) {
            const bucket = idx.get(v);
            bucket?.delete(key);
            if (bucket?.size === 0) idx.delete(v);
          }
        }
      }
      for (const v of after) {
        let bucket = idx.get(v);
        if (!bucket) idx.set(v, (bucket = new Map<string, T>()));
        bucket.set(key, obj);
      }
    }
  }

  private remove(key: string): void {
    const old = this.cache.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.cache.delete(key);
  }

  private unindex(key: string, obj: T): void {
    for (const { fn, idx } of this.indexList) {
      for (const v of fn(obj)) {
        const bucket = idx.get(v);
        bucket?.delete(key);
        if (bucket?.size === 0) idx.delete(v);
      }
    }
  }
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Index: pods by `spec.nodeName` (unbound pods under ''). */
export const byNodeName = (obj: { spec?: { nodeName?: string } }): readonly string[] => [
  obj.spec?.nodeName ?? '',
];

/** Index: objects by the UID of their controller owner reference. */
export const byControllerUID = (obj: KubeObject): readonly string[] => {
  const ref = controllerOf(obj.metadata);
  return ref ? [ref.uid] : [];
};
