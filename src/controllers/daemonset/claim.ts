/**
 * Claiming (ControllerRefManager, spec §3.6): which pods and ControllerRevisions a DaemonSet owns.
 * Owned and matching → claimed. Owned but no longer matching → released (owner reference removed).
 * Orphaned and matching → adopted, but only after re-reading the DaemonSet from the API server
 * (uncached) once per sync: adopting for a DaemonSet that was just deleted would leak pods.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject, ResourceType } from '../../api/resources.js';
import { controllerOf, resources } from '../../api/resources.js';
import { ApiError, isNotFound } from '../../api/errors.js';
import { labelSelectorAsSelector } from '../../api/labels.js';
import type { Informer } from '../../client/informer.js';
import type { DaemonSetContext } from './context.js';
import { CONTROLLER_UID_INDEX, ORPHAN_NAMESPACE_INDEX } from './context.js';

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return controllerOf(obj.metadata);
}

export function ownerReferenceFor(ds: DaemonSet): OwnerReference {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    name: ds.metadata?.name ?? '',
    uid: ds.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Re-reads the DaemonSet once per sync before the first adoption (canAdopt). */
export class AdoptionGate {
  private checked: Promise<void> | undefined;
  constructor(
    private readonly ctx: DaemonSetContext,
    private readonly ds: DaemonSet,
  ) {}

  canAdopt(): Promise<void> {
    this.checked ??= (async () => {
      const { namespace = '', name = '', uid } = this.ds.metadata ?? {};
      let fresh: DaemonSet;
      try {
        fresh = await this.ctx.client.get(resources.daemonsets, namespace, name);
      } catch (err) {
        if (isNotFound(err))
          throw new ApiError({
            reason: 'Conflict',
            code: 409,
            message: `original DaemonSet ${namespace}/${name} is gone: got uid ${uid ?? ''}, wanted none`,
          });
        throw err;
      }
      if (fresh.metadata?.uid !== uid) {
        throw new ApiError({
          reason: 'Conflict',
          code: 409,
          message: `original DaemonSet ${namespace}/${name} is gone: got uid ${fresh.metadata?.uid ?? ''}, wanted ${uid ?? ''}`,
        });
      }
      if (fresh.metadata?.deletionTimestamp) {
        throw new ApiError({
          reason: 'Conflict',
          code: 409,
          message: `${namespace}/${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`,
        });
      }
    })();
    return this.checked;
  }
}

/**
 * Claims objects of `type` for `ds` from `informer` (which must have the controller-UID and
 * orphan-namespace indexes). Adopts and releases through the API; NotFound is ignored, any other
 * error aborts the claim.
 */
export async function claimObjects<T extends KubeObject>(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  type: ResourceType<T>,
  informer: Informer<T>,
  gate: AdoptionGate,
): Promise<T[]> {
  const uid = ds.metadata?.uid ?? '';
  const namespace = ds.metadata?.namespace ?? '';
  const selector = labelSelectorAsSelector(ds.spec?.selector);
  const claimed: T[] = [];
  const unmatched: T[] = [];
  for (const obj of informer.byIndex(CONTROLLER_UID_INDEX, uid)) {
    if (obj.metadata?.namespace !== namespace) continue;
    if (selector.matches(obj.metadata?.labels)) claimed.push(obj);
    else unmatched.push(obj);
  }
  claimed.push(...(await releaseAndAdopt(ctx, ds, type, informer, gate, unmatched)));
  return claimed;
}

/**
 * The writing half of a claim: releases the owned objects whose labels no longer match, and adopts
 * the orphans in the DaemonSet's namespace that match; returns the adopted objects. Nothing is
 * written for a DaemonSet being deleted.
 */
export async function releaseAndAdopt<T extends KubeObject>(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  type: ResourceType<T>,
  informer: Informer<T>,
  gate: AdoptionGate,
  unmatched: readonly T[],
): Promise<T[]> {
  if (ds.metadata?.deletionTimestamp) return [];
  const uid = ds.metadata?.uid ?? '';
  const namespace = ds.metadata?.namespace ?? '';
  for (const obj of unmatched) await release(ctx, type, obj, uid);
  const selector = labelSelectorAsSelector(ds.spec?.selector);
  const adopted: T[] = [];
  for (const obj of informer.byIndex(ORPHAN_NAMESPACE_INDEX, namespace)) {
    if (obj.metadata?.deletionTimestamp || !selector.matches(obj.metadata?.labels)) continue;
    await gate.canAdopt();
    const result = await adopt(ctx, type, obj, ds);
    if (result) adopted.push(result);
  }
  return adopted;
}

async function adopt<T extends KubeObject>(
  ctx: DaemonSetContext,
  type: ResourceType<T>,
  obj: T,
  ds: DaemonSet,
): Promise<T | undefined> {
  const m = obj.metadata ?? {};
  const ref = ownerReferenceFor(ds);
  const ops = [
    { op: 'test', path: '/metadata/uid', value: m.uid ?? '' },
    m.ownerReferences && m.ownerReferences.length > 0
      ? { op: 'add', path: '/metadata/ownerReferences/-', value: ref }
      : { op: 'add', path: '/metadata/ownerReferences', value: [ref] },
  ];
  try {
    return await ctx.client.patch(type, m.namespace ?? '', m.name ?? '', 'json', ops);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function release<T extends KubeObject>(
  ctx: DaemonSetContext,
  type: ResourceType<T>,
  obj: T,
  ownerUid: string,
): Promise<void> {
  const m = obj.metadata ?? {};
  const i = (m.ownerReferences ?? []).findIndex((r) => r.uid === ownerUid);
  if (i < 0) return;
  const ops = [
    { op: 'test', path: '/metadata/uid', value: m.uid ?? '' },
    { op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: ownerUid },
    { op: 'remove', path: `/metadata/ownerReferences/${i}` },
  ];
  try {
    await ctx.client.patch(type, m.namespace ?? '', m.name ?? '', 'json', ops);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
}

/** Index: objects without a controller reference, by namespace. */
export const orphansByNamespace = (obj: KubeObject): readonly string[] =>
  controllerRef(obj) ? [] : [obj.metadata?.namespace ?? ''];
