/**
 * The garbage collector: cascading deletion through ownerReferences, as upstream does it.
 * - Background (default): once an owner is gone, dependents whose every owner is gone are deleted.
 * - Foreground: an owner carrying the `foregroundDeletion` finalizer has its dependents deleted
 *   first; the finalizer is removed when none remain.
 * - Orphan: an owner carrying the `orphan` finalizer has its reference removed from every
 *   dependent; then the finalizer is removed and the owner goes.
 * An owner missing from the caches is confirmed missing with a live read before anything is deleted.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject, ResourceType } from '../../api/resources.js';
import { allResources, objectKey, splitKey } from '../../api/resources.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import type { Client } from '../../client/types.js';
import type { Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, Manager } from '../../controller/manager.js';
import type { Reconciler } from '../../controller/reconcile.js';
import { QueueWorkers } from '../../controller/worker.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import { deepEqual } from '../../util/objects.js';
import { weakMemo } from '../../util/memo.js';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

/** Read-modify-write attempts on Conflict before the item is failed and retried by the worker. */
const MAX_WRITE_ATTEMPTS = 5;

export interface GarbageCollectorOptions {
  readonly manager: Manager;
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Types whose objects take part (as owners or dependents). Default: every served type but events. */
  readonly types?: readonly ResourceType[];
}

interface Node {
  readonly type: ResourceType;
  readonly key: string;
}

/** Type ids by type object: every observed change builds its object's reference from one. */
const typeId = weakMemo((t: ResourceType): string => `${t.resource}.${t.group}`);

function ownerDeletingForeground(owner: KubeObject): boolean {
  const m = owner.metadata ?? {};
  return Boolean(m.deletionTimestamp) && (m.finalizers ?? []).includes(FINALIZER_FOREGROUND);
}

export class GarbageCollector implements Controller, Reconciler {
  readonly name = 'garbagecollector';
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly types: readonly ResourceType[];
  /** uid → where the object lives. */
  private readonly byUid = new Map<string, Node>();
  /** owner uid → dependents (`typeId|key`). */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly queue: WorkQueue<string>;
  private readonly workers: QueueWorkers;
  /** Owner apiVersion → kind → type (undefined: not a type taking part). */
  private readonly ownerTypes = new Map<string, Map<string, ResourceType | undefined>>();

  constructor(private readonly options: GarbageCollectorOptions) {
    this.types = options.types ?? allResources.filter((t) => t.kind !== 'Event');
    this.queue = new WorkQueue({ name: 'garbage_collector_attempt_to_delete', clock: options.clock });
    this.workers = new QueueWorkers({
      queue: this.queue,
      reconciler: this,
      workers: 2,
      logger: this.options.logger,
    });
    for (const type of this.types) {
      const inf = options.manager.informers.informer(type);
      this.informers.set(typeId(type), inf);
      inf.addHandlers({
        onAdd: (o) => this.observe(type, undefined, o),
        onUpdate: (old, o) => this.observe(type, old, o),
        onDelete: (o) => this.forget(type, o),
      });
    }
  }

  start(): void {
    this.workers.start();
  }

  async stop(): Promise<void> {
    await this.workers.stop();
  }

  private ref(type: ResourceType, obj: KubeObject): string {
    return `${typeId(type)}|${objectKey(obj)}`;
  }

  private observe(type: ResourceType, old: KubeObject | undefined, obj: KubeObject): void {
    const m = obj.metadata ?? {};
    const owners = m.ownerReferences ?? [];
    const oldOwners = old?.metadata?.ownerReferences ?? [];
    // Most updates (status, heartbeats) keep identity and owners: the graph needs no change then.
    const moved = !old || old.metadata?.uid !== m.uid;
    const ownersChanged = !old || (oldOwners !== owners && !deepEqual(oldOwners, owners));
    if (moved && m.uid) this.byUid.set(m.uid, { type, key: objectKey(obj) });
    if (ownersChanged || moved) {
      const ref = this.ref(type, obj);
      for (const o of oldOwners) this.dependents.get(o.uid)?.delete(ref);
      for (const o of owners) {
        let set = this.dependents.get(o.uid);
        if (!set) this.dependents.set(o.uid, (set = new Set()));
        set.add(ref);
      }
      // As upstream's graph builder: a dependent is checked when it appears or its owners change,
      // not on every update (status writes would otherwise each cost a check). And, as upstream,
      // not when every owner is already in the graph and alive: attemptToDelete would find
      // nothing to do. An owner that goes later enqueues its dependents itself (forget, or its
      // own finalizer processing), so nothing is missed.
      if (owners.length > 0 && ownersChanged && !this.ownersAlive(obj, owners)) {
        this.queue.add(`dependent|${ref}`);
      }
    }
    if (m.deletionTimestamp && m.uid) {
      const f = m.finalizers ?? [];
      if (f.includes(FINALIZER_ORPHAN) || f.includes(FINALIZER_FOREGROUND)) this.queue.add(`owner|${m.uid}`);
    }
    // A dependent that started deleting may unblock a foreground owner.
    if (m.deletionTimestamp) for (const o of m.ownerReferences ?? []) this.queue.add(`owner|${o.uid}`);
  }

  private forget(type: ResourceType, obj: KubeObject): void {
    const m = obj.metadata ?? {};
    const ref = this.ref(type, obj);
    for (const o of m.ownerReferences ?? []) {
      this.dependents.get(o.uid)?.delete(ref);
      this.queue.add(`owner|${o.uid}`);
    }
    if (!m.uid) return;
    this.byUid.delete(m.uid);
    for (const d of this.dependents.get(m.uid) ?? []) this.queue.add(`dependent|${d}`);
  }

  private lookup(ref: string): { type: ResourceType; obj: KubeObject } | undefined {
    const [tid = '', key = ''] = ref.split('|');
    const inf = this.informers.get(tid);
    const obj = inf?.getByKey(key);
    return inf && obj ? { type: inf.type, obj } : undefined;
  }

  async reconcile(item: string): Promise<void> {
    const i = item.indexOf('|');
    const kind = item.slice(0, i);
    const rest = item.slice(i + 1);
    try {
      if (kind === 'dependent') await this.attemptToDelete(rest);
      else await this.processOwner(rest);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  private typeForOwner(ref: OwnerReference): ResourceType | undefined {
    // Remembered per apiVersion and kind: every new dependent asks for its owners' types.
    let byKind = this.ownerTypes.get(ref.apiVersion);
    if (!byKind) {
      // References may name any apiVersion: the memo is bounded, not a record of them all.
      if (this.ownerTypes.size >= 1_000) this.ownerTypes.clear();
      this.ownerTypes.set(ref.apiVersion, (byKind = new Map<string, ResourceType | undefined>()));
    }
    if (byKind.has(ref.kind)) return byKind.get(ref.kind);
    const group = ref.apiVersion.includes('/') ? (ref.apiVersion.split('/')[0] ?? '') : '';
    const type = this.types.find((t) => t.kind === ref.kind && t.group === group);
    if (byKind.size >= 1_000) byKind.clear();
    byKind.set(ref.kind, type);
    return type;
  }

  /** True when every owner is alive in the caches (what {@link ownerState} would answer without a read). */
  private ownersAlive(dep: KubeObject, refs: readonly OwnerReference[]): boolean {
    for (const ref of refs) {
      const type = this.typeForOwner(ref);
      if (!type) continue; // unknown kinds are never collected
      const owner = this.cachedOwner(dep, type, ref);
      if (!owner || owner.metadata?.uid !== ref.uid || ownerDeletingForeground(owner)) return false;
    }
    return true;
  }

  /** The owner as the caches have it, if the graph knows its uid. */
  private cachedOwner(dep: KubeObject, type: ResourceType, ref: OwnerReference): KubeObject | undefined {
    if (!this.byUid.has(ref.uid)) return undefined;
    const ns = type.namespaced ? (dep.metadata?.namespace ?? '') : '';
    return this.informers.get(typeId(type))?.get(ns, ref.name);
  }

  /** 'alive', 'deleting-foreground' or 'absent' (confirmed with a live read). */
  private async ownerState(dep: KubeObject, ref: OwnerReference): Promise<'alive' | 'foreground' | 'absent'> {
    const type = this.typeForOwner(ref);
    if (!type) return 'alive'; // unknown kinds are never collected
    const ns = type.namespaced ? (dep.metadata?.namespace ?? '') : '';
    let owner = this.cachedOwner(dep, type, ref);
    if (!owner || owner.metadata?.uid !== ref.uid) {
      try {
        owner = await this.options.client.get(type, ns, ref.name);
      } catch (err) {
        if (isNotFound(err)) return 'absent';
        throw err;
      }
      if (owner.metadata?.uid !== ref.uid) return 'absent';
    }
    return ownerDeletingForeground(owner) ? 'foreground' : 'alive';
  }

  private async attemptToDelete(ref: string): Promise<void> {
    const found = this.lookup(ref);
    if (!found) return;
    const { type } = found;
    const cached = found.obj;
    if ((cached.metadata?.ownerReferences ?? []).length === 0) return;
    const decide = async (obj: KubeObject): Promise<'Background' | 'Foreground' | undefined> => {
      const refs = obj.metadata?.ownerReferences ?? [];
      if (refs.length === 0 || obj.metadata?.deletionTimestamp) return undefined;
      const states = await Promise.all(refs.map((r) => this.ownerState(obj, r)));
      if (states.every((st) => st === 'absent')) return 'Background';
      if (states.some((st) => st === 'foreground') && !states.some((st) => st === 'alive'))
        return 'Foreground';
      return undefined;
    };
    if ((await decide(cached)) === undefined) return;
    // Decide again on the live object: the cached copy may predate an update that removed the
    // owner reference (orphaning), and deleting on stale references would lose the dependent.
    const { namespace, name } = splitKey(objectKey(cached));
    let live: KubeObject;
    try {
      live = await this.options.client.get(type, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (live.metadata?.uid !== cached.metadata?.uid) return;
    const policy = await decide(live);
    if (!policy) return;
    this.options.logger.debug(
      { object: ref, policy },
      'deleting dependent whose owners are gone or being deleted',
    );
    await this.options.client.delete(type, namespace, name, {
      propagationPolicy: policy,
      preconditions: { uid: live.metadata?.uid ?? '' },
    });
  }

  private async processOwner(uid: string): Promise<void> {
    const node = this.byUid.get(uid);
    if (!node) return;
    const inf = this.informers.get(typeId(node.type));
    const owner = inf?.getByKey(node.key);
    const m = owner?.metadata;
    if (!owner || !m?.deletionTimestamp) return;
    const finalizers = m.finalizers ?? [];
    if (!finalizers.includes(FINALIZER_ORPHAN) && !finalizers.includes(FINALIZER_FOREGROUND)) return;
    const deps = await this.liveDependents(uid, m.namespace);
    if (finalizers.includes(FINALIZER_ORPHAN)) {
      for (const d of deps) await this.removeOwnerRef(d.type, d.obj, uid);
      await this.removeFinalizer(node.type, owner, FINALIZER_ORPHAN);
      return;
    }
    if (finalizers.includes(FINALIZER_FOREGROUND)) {
      for (const d of deps) {
        if (d.obj.metadata?.deletionTimestamp) continue;
        const { namespace, name } = splitKey(objectKey(d.obj));
        await this.options.client.delete(d.type, namespace, name, {
          propagationPolicy: 'Foreground',
          preconditions: { uid: d.obj.metadata?.uid ?? '' },
        });
      }
      if (deps.length === 0) await this.removeFinalizer(node.type, owner, FINALIZER_FOREGROUND);
    }
  }

  /**
   * The owner's dependents as the API sees them now, not only as the caches do: a dependent
   * created just before its owner was deleted may not have reached the informers yet, and
   * releasing the owner's finalizer without it would orphan (or delete) the wrong set.
   */
  private async liveDependents(
    ownerUid: string,
    namespace: string | undefined,
  ): Promise<Array<{ type: ResourceType; obj: KubeObject }>> {
    const out = new Map<string, { type: ResourceType; obj: KubeObject }>();
    for (const d of this.dependents.get(ownerUid) ?? []) {
      const found = this.lookup(d);
      if (found) out.set(`${typeId(found.type)}|${objectKey(found.obj)}`, found);
    }
    for (const type of this.types) {
      const list = await this.options.client.list(type, type.namespaced && namespace ? { namespace } : {});
      for (const obj of list.items) {
        if ((obj.metadata?.ownerReferences ?? []).some((r) => r.uid === ownerUid))
          out.set(`${typeId(type)}|${objectKey(obj)}`, { type, obj });
      }
    }
    return [...out.values()];
  }

  private async removeOwnerRef(type: ResourceType, obj: KubeObject, ownerUid: string): Promise<void> {
    const { namespace, name } = splitKey(objectKey(obj));
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const current = attempt === 0 ? obj : await this.options.client.get(type, namespace, name);
      const refs = (current.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
      try {
        await this.options.client.update(type, {
          ...current,
          metadata: { ...current.metadata, ownerReferences: refs },
        });
        return;
      } catch (err) {
        // Out of attempts: fail the item so the worker retries it later. Giving up quietly would
        // let the owner go with a dependent still pointing at it, which is then collected.
        if (!isConflict(err) || attempt === MAX_WRITE_ATTEMPTS - 1) throw err;
      }
    }
  }

  private async removeFinalizer(type: ResourceType, obj: KubeObject, finalizer: string): Promise<void> {
    const { namespace, name } = splitKey(objectKey(obj));
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const current = attempt === 0 ? obj : await this.options.client.get(type, namespace, name);
      const finalizers = (current.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
      try {
        await this.options.client.update(type, { ...current, metadata: { ...current.metadata, finalizers } });
        return;
      } catch (err) {
        // Out of attempts: fail the item so the worker retries it later. Giving up quietly would
        // leave the owner stuck with its finalizer, as nothing else re-queues it.
        if (!isConflict(err) || attempt === MAX_WRITE_ATTEMPTS - 1) throw err;
      }
    }
  }
}
