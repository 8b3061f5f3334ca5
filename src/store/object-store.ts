/**
 * The revisioned object store: in-memory state, a retained window of change events for watch
 * replay, bounded asynchronous fan-out, and Kubernetes write semantics driven by per-kind
 * strategies. State survives restarts when a durable {@link Persistence} is plugged in.
 */
import { randomUUID } from 'node:crypto';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { KubeObject, MutableObject, ResourceType } from '../api/resources.js';
import { resources } from '../api/resources.js';
import {
  AlreadyExistsError,
  ApiError,
  ConflictError,
  ExpiredError,
  ForbiddenError,
  InvalidError,
  NotFoundError,
} from '../api/errors.js';
import type { FieldError } from '../api/errors.js';
import { fieldsOf } from '../api/fields.js';
import type { Clock } from '../util/clock.js';
import { RealClock, rfc3339 } from '../util/clock.js';
import { weakMemo } from '../util/memo.js';
import { clone, cloneSharingFrozen, deepEqual, deepFreeze, shallowCopy } from '../util/objects.js';
import type { Persistence, PersistedChange } from './persistence.js';
import { memoryPersistence } from './persistence.js';
import type { Strategy, StrategyContext } from './strategy.js';
import { noopStrategy } from './strategy.js';
import type {
  DeleteOptions,
  DeleteResult,
  ListOptions,
  ListResult,
  Store,
  UpdateOptions,
  WatchEvent,
  WatchHandle,
  WatchHandlers,
  WatchOptions,
  WriteOptions,
} from './types.js';

export interface ObjectStoreOptions {
  /** Stamps creationTimestamp and deletionTimestamp. Default: the wall clock. */
  readonly clock?: Clock;
  /** Per-kind semantics, keyed by kind. Kinds without an entry get no defaulting or validation. */
  readonly strategies?: Readonly<Record<string, Strategy>>;
  /** Where state is kept. Default: memory only. */
  readonly persistence?: Persistence;
  /** Change events retained for watch replay. Default 100,000. */
  readonly windowSize?: number;
  /** Events a watcher may have undelivered before it is closed. Default 200,000. */
  readonly maxWatcherBacklog?: number;
  /** Random source for generated names (tests pass a seeded one). Default Math.random. */
  readonly random?: () => number;
  /** Check that the namespace of a namespaced object exists and is not terminating. Default true. */
  readonly namespaceLifecycle?: boolean;
}

/** Characters of generated name suffixes (upstream's SafeEncodeString alphabet). */
export const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATED_NAME_BASE = 58;

interface LogEntry {
  readonly revision: number;
  readonly typeKey: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
  readonly prev: KubeObject | undefined;
}

interface Watcher {
  readonly typeKey: string;
  readonly options: WatchOptions;
  readonly handlers: WatchHandlers<KubeObject>;
  /** Undelivered events, delivered only once durable; `revs` holds their revisions (index for index). */
  buffer: WatchEvent[];
  revs: number[];
  scheduled: boolean;
  closed: boolean;
}

/** Server-owned metadata a client cannot set on create. */
const SERVER_OWNED_ON_CREATE = [
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

/** Type keys by type object: every read and write looks one up. */
const typeKeyOf = weakMemo((type: ResourceType): string =>
  type.group === '' ? type.resource : `${type.resource}.${type.group}`,
);

function objKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function meta(obj: KubeObject): ObjectMeta {
  return obj.metadata ?? {};
}

export class ObjectStore implements Store {
  private readonly clock: Clock;
  private readonly strategies: Readonly<Record<string, Strategy>>;
  private readonly persistence: Persistence;
  private readonly windowSize: number;
  private readonly maxBacklog: number;
  private readonly random: () => number;
  private readonly namespaceLifecycle: boolean;

  /**
   * Objects by type key, namespace ('' for cluster-scoped kinds) and name. Nested rather than
   * keyed by `namespace/name`: a read then looks up strings the caller already holds (their
   * hashes cached) instead of building and hashing a new key on every get.
   */
  private readonly data = new Map<string, Map<string, Map<string, KubeObject>>>();
  private readonly types = new Map<string, ResourceType>();
  private rev = 0;
  /** Ring of the newest events; `logStart` indexes the oldest. */
  private log: LogEntry[] = [];
  /** Highest revision no longer replayable. */
  private compacted = 0;
  private readonly watchers = new Map<string, Set<Watcher>>();
  private pending: PersistedChange[] = [];
  private persistScheduled = false;
  /** The highest revision the persistence has committed: what watchers may see. */
  private durable = 0;
  private flushWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private closed = false;

  constructor(options: ObjectStoreOptions = {}) {
    this.clock = options.clock ?? new RealClock();
    this.strategies = options.strategies ?? {};
    this.persistence = options.persistence ?? memoryPersistence();
    this.windowSize = options.windowSize ?? 100_000;
    this.maxBacklog = options.maxWatcherBacklog ?? 200_000;
    this.random = options.random ?? Math.random;
    this.namespaceLifecycle = options.namespaceLifecycle ?? true;
    for (const t of Object.values(resources)) this.types.set(typeKeyOf(t), t);
    const state = this.persistence.load();
    for (const { type, object } of state.objects) {
      this.put(type, meta(object).namespace ?? '', meta(object).name ?? '', deepFreeze(object));
    }
    this.rev = state.revision;
    this.compacted = state.revision;
    this.durable = state.revision;
  }

  revision(): number {
    return this.rev;
  }

  // ------------------------------------------------------------------------------------------
  // Reads

  get<T extends KubeObject>(type: ResourceType<T>, namespace: string, name: string): T | undefined {
    return this.data
      .get(typeKeyOf(type))
      ?.get(type.namespaced ? namespace : '')
      ?.get(name) as T | undefined;
  }

  /** Items in the order of their `namespace/name` keys (as one flat map sorted by key). */
  list<T extends KubeObject>(type: ResourceType<T>, options: ListOptions = {}): ListResult<T> {
    const bucket = this.data.get(typeKeyOf(type));
    const items: T[] = [];
    if (!bucket) return { items, revision: this.rev };
    const single = options.namespace
      ? bucket.get(options.namespace)
      : bucket.size === 1
        ? bucket.values().next().value
        : undefined;
    if (options.namespace && !single) return { items, revision: this.rev };
    if (single) {
      // One namespace: the key order is the name order, and each name finds its object.
      for (const name of [...single.keys()].sort()) {
        const obj = single.get(name) as T;
        if (this.matches(type, obj, options)) items.push(obj);
      }
      return { items, revision: this.rev };
    }
    const keys: string[] = [];
    const objects = new Map<string, KubeObject>();
    bucket.forEach((inNamespace, namespace) => {
      inNamespace.forEach((obj, name) => {
        const key = objKey(namespace, name);
        keys.push(key);
        objects.set(key, obj);
      });
    });
    keys.sort();
    for (const k of keys) {
      const obj = objects.get(k) as T;
      if (this.matches(type, obj, options)) items.push(obj);
    }
    return { items, revision: this.rev };
  }

  private matches(type: ResourceType, obj: KubeObject, options: ListOptions): boolean {
    const m = meta(obj);
    if (options.namespace && m.namespace !== options.namespace) return false;
    if (options.labelSelector && !options.labelSelector.matches(m.labels)) return false;
    if (options.fieldSelector && !options.fieldSelector.isEverything()) {
      if (!options.fieldSelector.matches(fieldsOf(type.kind, obj))) return false;
    }
    return true;
  }

  // ------------------------------------------------------------------------------------------
  // Writes

  create<T extends KubeObject>(type: ResourceType<T>, input: T, options: WriteOptions = {}): T {
    this.assertOpen();
    const strategy = this.strategyFor(type);
    const ctx = this.context();
    // The kind's defaulter makes the one deep copy; everything below changes that copy. Only an
    // input without the right apiVersion, kind or metadata is copied shallowly first, so that
    // those keys come before any the defaulter adds, as in the object a client would send.
    let src = input as MutableObject;
    if (src.apiVersion !== type.apiVersion || src.kind !== type.kind || src.metadata == null) {
      src = shallowCopy(src);
      src.apiVersion = type.apiVersion;
      src.kind = type.kind;
      src.metadata ??= {};
    }
    let obj = strategy.default(src);
    obj.apiVersion = type.apiVersion;
    obj.kind = type.kind;
    const created = (obj.metadata ??= {});
    if (!type.namespaced) delete created.namespace;
    for (const f of SERVER_OWNED_ON_CREATE) if (f in created) delete created[f];
    if (type.namespaced) this.checkNamespace(type, obj);
    if (strategy.admit) obj = strategy.admit(obj, ctx);
    if (strategy.prepareForCreate) obj = strategy.prepareForCreate(obj, ctx);
    const m = (obj.metadata ??= {});
    if (!m.name && m.generateName) m.name = this.generateName(type, m.namespace, m.generateName);
    this.throwIfInvalid(type, obj, strategy.validateCreate(obj));
    const name = m.name ?? '';
    if (this.get(type, m.namespace ?? '', name))
      throw new AlreadyExistsError(type.resource, type.group, name);
    m.uid = randomUUID();
    m.creationTimestamp = rfc3339(ctx.now);
    if ('spec' in obj) m.generation = 1;
    else delete m.generation;
    if (options.dryRun) {
      m.resourceVersion = String(this.rev);
      return deepFreeze(obj) as T;
    }
    return this.commit(type, 'ADDED', obj, undefined) as T;
  }

  update<T extends KubeObject>(type: ResourceType<T>, input: T, options: UpdateOptions = {}): T {
    this.assertOpen();
    const strategy = this.strategyFor(type);
    const inMeta = meta(input);
    const name = inMeta.name ?? '';
    const namespace = type.namespaced ? (inMeta.namespace ?? '') : '';
    const old = this.get(type, namespace, name);
    if (!old) throw new NotFoundError(type.resource, type.group, name);
    const oldMeta = meta(old);
    if (inMeta.resourceVersion && inMeta.resourceVersion !== oldMeta.resourceVersion) {
      throw new ConflictError(type.resource, type.group, name);
    }
    let obj: MutableObject;
    let errs: FieldError[];
    if (options.subresource === 'status') {
      // Copy on write: everything but metadata and status is shared with the frozen old object.
      // The write's metadata is ignored but for managedFields, which the API server has just
      // updated for the writer (upstream's ResetObjectMetaForStatus keeps them too).
      const statusMeta = { ...oldMeta };
      if (inMeta.managedFields !== undefined) statusMeta.managedFields = inMeta.managedFields;
      obj = { ...(old as MutableObject), metadata: statusMeta };
      const status = (input as { status?: unknown }).status;
      if (status === undefined) delete obj.status;
      // The writer's status usually reuses stored parts (conditions, container statuses): shared.
      else obj.status = cloneSharingFrozen(status);
      errs = strategy.validateStatusUpdate?.(obj, old) ?? [];
    } else if (options.subresource !== undefined) {
      if (!strategy.applySubresource) {
        throw new ApiError({
          reason: 'NotFound',
          code: 404,
          message: `${type.resource} "${name}" has no subresource ${options.subresource}`,
        });
      }
      obj = strategy.applySubresource(options.subresource, input, old, this.context());
      errs = [];
    } else {
      obj = strategy.default(input);
      obj.apiVersion = type.apiVersion;
      obj.kind = type.kind;
      const m = (obj.metadata = { ...(obj.metadata ?? {}) });
      m.name = name;
      if (type.namespaced) m.namespace = namespace;
      else delete m.namespace;
      if (type.hasStatus) {
        const oldStatus = (old as { status?: unknown }).status;
        if (oldStatus === undefined) delete obj.status;
        else obj.status = clone(oldStatus);
      }
      for (const f of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
      ] as const) {
        const v = oldMeta[f];
        if (v === undefined) delete m[f];
        else (m as Record<string, unknown>)[f] = v;
      }
      // Upstream keeps the live managedFields when a write does not name any.
      if (m.managedFields === undefined && oldMeta.managedFields !== undefined) {
        m.managedFields = oldMeta.managedFields;
      }
      if (strategy.prepareForUpdate) obj = strategy.prepareForUpdate(obj, old);
      const newMeta = (obj.metadata ??= {});
      if ('spec' in obj || 'spec' in old) {
        const changed = !deepEqual((obj as { spec?: unknown }).spec, (old as { spec?: unknown }).spec);
        newMeta.generation = (oldMeta.generation ?? 1) + (changed ? 1 : 0);
      }
      errs = strategy.validateUpdate(obj, old);
    }
    this.throwIfInvalid(type, obj, errs);
    const m = (obj.metadata ??= {});
    m.resourceVersion = oldMeta.resourceVersion ?? '';
    if (deepEqual(obj, old)) return old;
    if (options.dryRun) return deepFreeze(obj) as T;
    if (
      m.deletionTimestamp &&
      (m.finalizers ?? []).length === 0 &&
      (m.deletionGracePeriodSeconds ?? 0) === 0
    ) {
      return this.commit(type, 'DELETED', obj, old) as T;
    }
    return this.commit(type, 'MODIFIED', obj, old) as T;
  }

  delete<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): DeleteResult<T> {
    this.assertOpen();
    const strategy = this.strategyFor(type);
    const old = this.get(type, namespace, name);
    if (!old) throw new NotFoundError(type.resource, type.group, name);
    const oldMeta = meta(old);
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== oldMeta.uid) {
      throw new ConflictError(
        type.resource,
        type.group,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${oldMeta.uid ?? ''}`,
      );
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== oldMeta.resourceVersion) {
      throw new ConflictError(
        type.resource,
        type.group,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${oldMeta.resourceVersion ?? ''}`,
      );
    }
    const now = this.clock.now();
    const grace = strategy.gracePeriodSeconds?.(old, options.gracePeriodSeconds) ?? 0;
    const finalizers = [...(oldMeta.finalizers ?? [])];
    if (options.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (options.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion'))
      finalizers.push('foregroundDeletion');
    if (options.propagationPolicy === 'Background') {
      const i = finalizers.indexOf('orphan');
      if (i >= 0 && !oldMeta.deletionTimestamp) finalizers.splice(i, 1);
    }

    if (grace === 0 && finalizers.length === 0) {
      if (options.dryRun) return { object: old, deleted: true };
      const obj = clone(old) as MutableObject;
      const m = (obj.metadata ??= {});
      if (!m.deletionTimestamp) m.deletionTimestamp = rfc3339(now);
      m.deletionGracePeriodSeconds = 0;
      return { object: this.commit(type, 'DELETED', obj, old) as T, deleted: true };
    }

    const obj = clone(old) as MutableObject;
    const m = (obj.metadata ??= {});
    m.finalizers = finalizers;
    if (m.finalizers.length === 0) delete m.finalizers;
    if (!m.deletionTimestamp) {
      m.deletionTimestamp = rfc3339(now + grace * 1000);
      m.deletionGracePeriodSeconds = grace;
      if (m.generation !== undefined && grace > 0) m.generation += 1;
    } else {
      const current = m.deletionGracePeriodSeconds ?? 0;
      if (grace < current) {
        m.deletionTimestamp = rfc3339(now + grace * 1000);
        m.deletionGracePeriodSeconds = grace;
      }
    }
    if (deepEqual(obj, old)) return { object: old, deleted: false };
    if (options.dryRun) return { object: deepFreeze(obj) as T, deleted: false };
    if ((m.deletionGracePeriodSeconds ?? 0) === 0 && (m.finalizers ?? []).length === 0) {
      return { object: this.commit(type, 'DELETED', obj, old) as T, deleted: true };
    }
    return { object: this.commit(type, 'MODIFIED', obj, old) as T, deleted: false };
  }

  // ------------------------------------------------------------------------------------------
  // Watch

  watch<T extends KubeObject>(
    type: ResourceType<T>,
    options: WatchOptions,
    handlers: WatchHandlers<T>,
  ): WatchHandle {
    this.assertOpen();
    const typeKey = typeKeyOf(type);
    const watcher: Watcher = {
      typeKey,
      options,
      handlers: handlers,
      buffer: [],
      revs: [],
      scheduled: false,
      closed: false,
    };
    const from = options.resourceVersion;
    if (from === undefined) {
      for (const obj of this.list(type, options).items) {
        watcher.buffer.push({ type: 'ADDED', object: obj });
        watcher.revs.push(Number(obj.metadata?.resourceVersion ?? 0));
      }
    } else if (from < this.rev) {
      if (from < this.compacted) throw new ExpiredError(from, this.compacted + 1);
      const start = this.firstIndexAfter(from);
      for (let i = start; i < this.log.length; i++) {
        const entry = this.log[i];
        if (entry && entry.typeKey === typeKey) {
          const ev = this.filterEvent(type, entry, options);
          if (ev) {
            watcher.buffer.push(ev);
            watcher.revs.push(entry.revision);
          }
        }
      }
    }
    let set = this.watchers.get(typeKey);
    if (!set) this.watchers.set(typeKey, (set = new Set()));
    set.add(watcher);
    if (watcher.buffer.length > 0) this.schedule(watcher);
    return {
      stop: () => {
        watcher.closed = true;
        watcher.buffer = [];
        watcher.revs = [];
        this.watchers.get(typeKey)?.delete(watcher);
      },
    };
  }

  bookmark(): void {
    const object: KubeObject = { metadata: { resourceVersion: String(this.rev) } };
    for (const set of this.watchers.values()) {
      for (const w of set) {
        if (!w.options.allowBookmarks) continue;
        const t = this.types.get(w.typeKey);
        const ev: WatchEvent = {
          type: 'BOOKMARK',
          object: deepFreeze({ ...object, ...(t ? { apiVersion: t.apiVersion, kind: t.kind } : {}) }),
        };
        this.enqueue(w, ev, this.rev);
      }
    }
  }

  /** Binary search for the first log entry with revision > rev. */
  private firstIndexAfter(rev: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.log[mid]?.revision ?? 0) <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Applies a watcher's namespace and selectors to a change: an object moving into the selection
   * is ADDED, one moving out is DELETED, as the apiserver's watch cache does.
   */
  private filterEvent(type: ResourceType, entry: LogEntry, options: WatchOptions): WatchEvent | undefined {
    const now = this.matches(type, entry.object, options);
    if (entry.type !== 'MODIFIED') return now ? { type: entry.type, object: entry.object } : undefined;
    const before = entry.prev !== undefined && this.matches(type, entry.prev, options);
    if (now && before) return { type: 'MODIFIED', object: entry.object };
    if (now) return { type: 'ADDED', object: entry.object };
    if (before) return { type: 'DELETED', object: entry.object };
    return undefined;
  }

  private enqueue(w: Watcher, ev: WatchEvent, rev: number): void {
    if (w.closed) return;
    w.buffer.push(ev);
    w.revs.push(rev);
    if (w.buffer.length > this.maxBacklog) {
      this.closeWatcher(w, `watcher fell more than ${this.maxBacklog} events behind`);
      return;
    }
    this.schedule(w);
  }

  private schedule(w: Watcher): void {
    if (w.scheduled) return;
    w.scheduled = true;
    setImmediate(() => this.deliver(w));
  }

  /**
   * Delivers a watcher's events up to the durable revision: a watcher never sees a change that a
   * crash could still lose. The rest waits for the next persist, which schedules delivery again.
   */
  private deliver(w: Watcher): void {
    w.scheduled = false;
    while (!w.closed && w.buffer.length > 0 && (w.revs[0] ?? Infinity) <= this.durable) {
      const batch = w.buffer;
      const revs = w.revs;
      let i = 0;
      while (i < revs.length && (revs[i] ?? Infinity) <= this.durable) i++;
      // Usually everything is durable: the watcher then starts on fresh arrays, nothing copied.
      if (i === batch.length) {
        w.buffer = [];
        w.revs = [];
      } else {
        w.buffer = batch.slice(i);
        w.revs = revs.slice(i);
      }
      for (let j = 0; j < i; j++) {
        if (w.closed) break;
        const item = batch[j];
        if (!item) continue;
        try {
          w.handlers.onEvent(item);
        } catch (err) {
          this.closeWatcher(w, `watch handler failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  }

  private closeWatcher(w: Watcher, reason: string): void {
    if (w.closed) return;
    w.closed = true;
    w.buffer = [];
    w.revs = [];
    this.watchers.get(w.typeKey)?.delete(w);
    w.handlers.onClose?.(reason);
  }

  // ------------------------------------------------------------------------------------------
  // Commit, persistence, lifecycle

  private commit(
    type: ResourceType,
    kind: LogEntry['type'],
    obj: MutableObject,
    prev: KubeObject | undefined,
  ): KubeObject {
    const revision = ++this.rev;
    const m = (obj.metadata ??= {});
    m.resourceVersion = String(revision);
    deepFreeze(obj);
    const typeKey = typeKeyOf(type);
    const namespace = m.namespace ?? '';
    const name = m.name ?? '';
    const key = objKey(namespace, name);
    if (kind === 'DELETED') this.remove(typeKey, namespace, name);
    else this.put(typeKey, namespace, name, obj);

    const entry: LogEntry = { revision, typeKey, type: kind, object: obj, prev };
    this.log.push(entry);
    if (this.log.length > this.windowSize * 1.25) {
      const drop = this.log.length - this.windowSize;
      this.compacted = this.log[drop - 1]?.revision ?? this.compacted;
      this.log = this.log.slice(drop);
    }
    const set = this.watchers.get(typeKey);
    if (set) {
      for (const w of set) {
        const ev = this.filterEvent(type, entry, w.options);
        if (ev) this.enqueue(w, ev, revision);
      }
    }
    this.pending.push({ type: typeKey, key, object: kind === 'DELETED' ? undefined : obj, revision });
    this.schedulePersist();
    return obj;
  }

  private schedulePersist(): void {
    if (this.persistScheduled) return;
    this.persistScheduled = true;
    setImmediate(() => this.persist());
  }

  private persist(): void {
    this.persistScheduled = false;
    if (this.closed) {
      for (const w of this.flushWaiters.splice(0)) w.resolve();
      return;
    }
    const batch = this.pending;
    this.pending = [];
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    try {
      if (batch.length > 0) this.persistence.commit(batch, this.rev);
    } catch (err) {
      for (const w of waiters) w.reject(err);
      return;
    }
    this.durable = this.rev;
    for (const w of waiters) w.resolve();
    for (const set of this.watchers.values()) for (const w of set) if (w.buffer.length > 0) this.schedule(w);
  }

  flush(): Promise<void> {
    if (this.pending.length === 0 && !this.persistScheduled) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.flushWaiters.push({ resolve, reject });
      this.schedulePersist();
    });
  }

  close(): void {
    if (this.closed) return;
    if (this.pending.length > 0) this.persist();
    this.closed = true;
    for (const set of this.watchers.values()) for (const w of [...set]) this.closeWatcher(w, 'store closed');
    this.persistence.close();
  }

  // ------------------------------------------------------------------------------------------
  // Helpers

  private assertOpen(): void {
    if (this.closed)
      throw new ApiError({ reason: 'ServiceUnavailable', code: 503, message: 'store is closed' });
  }

  private put(typeKey: string, namespace: string, name: string, obj: KubeObject): void {
    let bucket = this.data.get(typeKey);
    if (!bucket) this.data.set(typeKey, (bucket = new Map<string, Map<string, KubeObject>>()));
    let objects = bucket.get(namespace);
    if (!objects) bucket.set(namespace, (objects = new Map<string, KubeObject>()));
    objects.set(name, obj);
  }

  private remove(typeKey: string, namespace: string, name: string): void {
    const bucket = this.data.get(typeKey);
    const objects = bucket?.get(namespace);
    if (!objects) return;
    objects.delete(name);
    // An emptied namespace goes, as the flat map's keys did: nothing accumulates per namespace.
    if (objects.size === 0) bucket?.delete(namespace);
  }

  private strategyFor(type: ResourceType): Strategy {
    return this.strategies[type.kind] ?? noopStrategy;
  }

  private context(): StrategyContext {
    return { reader: this, now: this.clock.now() };
  }

  private checkNamespace(type: ResourceType, obj: MutableObject): void {
    const m = (obj.metadata ??= {});
    if (!m.namespace) {
      throw new InvalidError(type.kind, type.group, m.name ?? '', [
        { type: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' },
      ]);
    }
    if (!this.namespaceLifecycle) return;
    const ns = this.get(resources.namespaces, '', m.namespace);
    if (!ns) throw new NotFoundError('namespaces', '', m.namespace);
    if (ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') {
      throw new ForbiddenError(
        `${type.resource}${type.group ? `.${type.group}` : ''} "${m.name ?? m.generateName ?? ''}" is forbidden: unable to create new content in namespace ${m.namespace} because it is being terminated`,
        { group: type.group, kind: type.resource, name: m.name ?? '' },
      );
    }
  }

  private throwIfInvalid(type: ResourceType, obj: KubeObject, errs: readonly FieldError[]): void {
    if (errs.length > 0)
      throw new InvalidError(type.kind, type.group, meta(obj).name ?? meta(obj).generateName ?? '', errs);
  }

  private generateName(type: ResourceType, namespace: string | undefined, base: string): string {
    const prefix = base.length > MAX_GENERATED_NAME_BASE ? base.slice(0, MAX_GENERATED_NAME_BASE) : base;
    for (let attempt = 0; attempt < 16; attempt++) {
      let suffix = '';
      for (let i = 0; i < 5; i++) {
        suffix += NAME_SUFFIX_ALPHABET[Math.floor(this.random() * NAME_SUFFIX_ALPHABET.length)] ?? 'b';
      }
      const name = prefix + suffix;
      if (!this.get(type, namespace ?? '', name)) return name;
    }
    throw new AlreadyExistsError(type.resource, type.group, `${prefix}*`);
  }
}
