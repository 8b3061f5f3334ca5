/**
 * DaemonSet history (spec §4.5–§4.6): every distinct template gets a ControllerRevision named
 * `<ds>-<hash>`; the current one is found by comparing payloads, so returning to an old template
 * reuses its revision (and its hash: pods that still carry it count as updated at once).
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../../api/resources.js';
import { ApiError, isAlreadyExists, isNotFound } from '../../api/errors.js';
import type { DaemonSetContext } from './context.js';
import type { AdoptionGate } from './claim.js';
import { claimObjects, ownerReferenceFor } from './claim.js';
import { computeHash, revisionData, revisionMatches } from './hash.js';
import { REVISION_HASH_LABEL } from './util.js';

export interface History {
  readonly current: ControllerRevision;
  readonly old: readonly ControllerRevision[];
  /** The current revision's hash label: what up-to-date pods carry. */
  readonly hash: string;
}

const revisionOf = (r: ControllerRevision): number => r.revision ?? 0;

export function maxRevision(revs: readonly ControllerRevision[]): number {
  return revs.reduce((m, r) => Math.max(m, revisionOf(r)), 0);
}

/** The revision object for the DaemonSet's current template (not yet created). */
export function snapshotRevision(
  ds: DaemonSet,
  revision: number,
  collisionCount: number | undefined,
): ControllerRevision {
  const hash = computeHash(ds.spec?.template, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${ds.metadata?.name ?? ''}-${hash}`,
      namespace: ds.metadata?.namespace ?? '',
      labels: { ...(ds.spec?.template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
      ...(ds.metadata?.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
      ownerReferences: [ownerReferenceFor(ds)],
    },
    data: revisionData(ds.spec?.template),
    revision,
  };
}

/** The ControllerRevisions this DaemonSet controls, claimed (adopted/released) as pods are. */
export function controlledHistories(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  gate: AdoptionGate,
): Promise<ControllerRevision[]> {
  return claimObjects(ctx, ds, resources.controllerrevisions, ctx.revisions, gate);
}

/**
 * constructHistory: finds or creates the current revision, fixes legacy revisions without a hash
 * label, de-duplicates current revisions (relabelling pods to the survivor) and moves the current
 * revision's number to the top.
 */
export async function constructHistory(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  gate: AdoptionGate,
  claimedPods: () => Promise<Pod[]>,
): Promise<History> {
  const { client } = ctx;
  const histories = await controlledHistories(ctx, ds, gate);
  const current: ControllerRevision[] = [];
  const old: ControllerRevision[] = [];
  for (let h of histories) {
    if (!h.metadata?.labels?.[REVISION_HASH_LABEL]) {
      h = await client.update(resources.controllerrevisions, {
        ...h,
        metadata: {
          ...h.metadata,
          labels: { ...(h.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: h.metadata?.name ?? '' },
        },
      });
    }
    if (revisionMatches(h.data, ds.spec?.template)) current.push(h);
    else old.push(h);
  }
  const next = maxRevision(old) + 1;
  let cur: ControllerRevision;
  if (current.length === 0) {
    cur = await createRevision(ctx, ds, next);
  } else {
    cur = await dedupCurHistories(ctx, current, claimedPods);
    if (revisionOf(cur) < next) {
      cur = await client.update(resources.controllerrevisions, { ...cur, revision: next });
    }
  }
  return { current: cur, old, hash: cur.metadata?.labels?.[REVISION_HASH_LABEL] ?? '' };
}

async function createRevision(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  revision: number,
): Promise<ControllerRevision> {
  const collisionCount = ds.status?.collisionCount;
  const snapshot = snapshotRevision(ds, revision, collisionCount);
  try {
    return await ctx.client.create(resources.controllerrevisions, snapshot);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const { namespace = '', name = '' } = snapshot.metadata ?? {};
  const existing = await ctx.client.get(resources.controllerrevisions, namespace, name);
  if (revisionMatches(existing.data, ds.spec?.template)) return existing;
  // A real hash collision: bump collisionCount so the next sync hashes differently.
  const fresh = await ctx.client.get(
    resources.daemonsets,
    ds.metadata?.namespace ?? '',
    ds.metadata?.name ?? '',
  );
  const cached = ds.status?.collisionCount ?? 0;
  const current = fresh.status?.collisionCount ?? 0;
  if (current !== cached) {
    throw new ApiError({
      reason: 'Conflict',
      code: 409,
      message: `found a stale collision count (${cached}, expected ${current}) of DaemonSet ${JSON.stringify(ds.metadata?.name ?? '')} while processing; will retry until it is updated`,
    });
  }
  await ctx.client.updateStatus(resources.daemonsets, {
    ...fresh,
    status: {
      ...(fresh.status ?? {
        currentNumberScheduled: 0,
        desiredNumberScheduled: 0,
        numberMisscheduled: 0,
        numberReady: 0,
      }),
      collisionCount: current + 1,
    },
  });
  throw new ApiError({
    reason: 'AlreadyExists',
    code: 409,
    message: `controllerrevisions.apps "${name}" already exists (hash collision; collisionCount bumped)`,
  });
}

async function dedupCurHistories(
  ctx: DaemonSetContext,
  current: readonly ControllerRevision[],
  claimedPods: () => Promise<Pod[]>,
): Promise<ControllerRevision> {
  if (current.length === 1) return current[0] as ControllerRevision;
  let keep = current[0] as ControllerRevision;
  for (const c of current) if (revisionOf(c) >= revisionOf(keep)) keep = c;
  const keepHash = keep.metadata?.labels?.[REVISION_HASH_LABEL] ?? '';
  for (const pod of await claimedPods()) {
    if (pod.metadata?.labels?.[REVISION_HASH_LABEL] === keepHash) continue;
    try {
      await ctx.client.patch(
        resources.pods,
        pod.metadata?.namespace ?? '',
        pod.metadata?.name ?? '',
        'merge',
        {
          metadata: { labels: { [REVISION_HASH_LABEL]: keepHash } },
        },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  for (const c of current) {
    if (c.metadata?.name === keep.metadata?.name) continue;
    try {
      await ctx.client.delete(
        resources.controllerrevisions,
        c.metadata?.namespace ?? '',
        c.metadata?.name ?? '',
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return keep;
}

/**
 * cleanupHistory: keeps at most revisionHistoryLimit old revisions, never deleting one whose hash
 * a claimed pod still carries (terminal pods being deleted included), oldest first.
 */
export async function cleanupHistory(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  history: History,
  claimedPods: () => Promise<readonly Pod[]>,
): Promise<void> {
  const limit = ds.spec?.revisionHistoryLimit ?? 10;
  let toKill = history.old.length - limit;
  if (toKill <= 0) return;
  const live = new Set<string>();
  for (const p of await claimedPods()) {
    const h = p.metadata?.labels?.[REVISION_HASH_LABEL];
    if (h) live.add(h);
  }
  const ordered = [...history.old].sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const r of ordered) {
    if (toKill <= 0) break;
    if (live.has(r.metadata?.labels?.[REVISION_HASH_LABEL] ?? '')) continue;
    try {
      await ctx.client.delete(
        resources.controllerrevisions,
        r.metadata?.namespace ?? '',
        r.metadata?.name ?? '',
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    toKill--;
  }
}
