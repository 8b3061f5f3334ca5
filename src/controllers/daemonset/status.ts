/**
 * Status (spec §5): recomputed from scratch every sync from the claimed pods and the node list,
 * written only when something changed, on a copy of the cached object so client-written
 * conditions survive; one retry after re-reading on failure.
 */
import type { DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { resources } from '../../api/resources.js';
import type { DaemonSetContext } from './context.js';
import { dsKey } from './context.js';
import type { NodeToDaemonPods } from './manage.js';
import { placementsFor } from './placement.js';
import {
  comparePodsForKeep,
  isPodAvailable,
  isPodReady,
  isPodUpdated,
  readySince,
  templateGeneration,
} from './util.js';

export const STATUS_UPDATE_RETRIES = 1;
/** While a DaemonSet is converging, its status is written at most once per this many ms. */
export const STATUS_WRITE_INTERVAL_MS = 100;

export interface DaemonSetCounters {
  readonly desiredNumberScheduled: number;
  readonly currentNumberScheduled: number;
  readonly numberMisscheduled: number;
  readonly numberReady: number;
  readonly numberAvailable: number;
  readonly updatedNumberScheduled: number;
  readonly numberUnavailable: number;
}

/** The seven counters, exactly as upstream counts them (only the first pod per node is inspected). */
export function computeStatus(
  ds: DaemonSet,
  nodes: readonly Node[],
  nodeToDaemonPods: NodeToDaemonPods,
  hash: string,
  now: number,
): DaemonSetCounters {
  const vector = placementsFor(nodes, ds);
  const gen = templateGeneration(ds);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as Node;
    const shouldRun = vector[i]?.shouldRun ?? false;
    const pods = nodeToDaemonPods.get(node.metadata?.name ?? '') ?? [];
    if (shouldRun) {
      desired++;
      if (pods.length === 0) continue;
      current++;
      const first = pods.length === 1 ? pods[0] : [...pods].sort(comparePodsForKeep)[0];
      if (!first) continue;
      if (isPodReady(first)) {
        ready++;
        if (isPodAvailable(first, minReady, now)) available++;
      }
      if (isPodUpdated(first, hash, gen)) updated++;
    } else if (pods.length > 0) {
      misscheduled++;
    }
  }
  return {
    desiredNumberScheduled: desired,
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    numberAvailable: available,
    updatedNumberScheduled: updated,
    numberUnavailable: desired - available,
  };
}

/** Every desired node runs one updated, available pod, and no pod runs where none belongs. */
function converged(c: DaemonSetCounters): boolean {
  const d = c.desiredNumberScheduled;
  return (
    c.currentNumberScheduled === d &&
    c.numberReady === d &&
    c.numberAvailable === d &&
    c.updatedNumberScheduled === d &&
    c.numberMisscheduled === 0
  );
}

function sameCounters(s: DaemonSetStatus | undefined, c: DaemonSetCounters): boolean {
  return (
    (s?.desiredNumberScheduled ?? 0) === c.desiredNumberScheduled &&
    (s?.currentNumberScheduled ?? 0) === c.currentNumberScheduled &&
    (s?.numberMisscheduled ?? 0) === c.numberMisscheduled &&
    (s?.numberReady ?? 0) === c.numberReady &&
    (s?.numberAvailable ?? 0) === c.numberAvailable &&
    (s?.updatedNumberScheduled ?? 0) === c.updatedNumberScheduled &&
    (s?.numberUnavailable ?? 0) === c.numberUnavailable
  );
}

/** storeDaemonSetStatus: skip when unchanged; else UpdateStatus, re-read and retry once on failure. */
export async function storeDaemonSetStatus(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  counters: DaemonSetCounters,
  updateObservedGen: boolean,
): Promise<void> {
  const key = dsKey(ds);
  const mine = ctx.statusWrites.get(key);
  // The cache may not show our previous status write yet: then compare with and build on it.
  if (mine && mine.basedOn === ds.metadata?.resourceVersion) ds = mine.written;
  const generation = ds.metadata?.generation ?? 0;
  if (sameCounters(ds.status, counters) && (ds.status?.observedGeneration ?? 0) >= generation) return;
  // While pods are still being created, updated or becoming available, counters change with
  // nearly every pod event: one write per interval carries them (the sync comes back for the
  // rest). The settled status is written at once.
  const now = ctx.clock.now();
  if (mine && !converged(counters) && now - mine.at < STATUS_WRITE_INTERVAL_MS) {
    ctx.enqueueAfter(ds, mine.at + STATUS_WRITE_INTERVAL_MS - now);
    return;
  }
  let toUpdate: DaemonSet = ds;
  for (let i = 0; ; i++) {
    const status: DaemonSetStatus = {
      ...(toUpdate.status ?? {
        currentNumberScheduled: 0,
        desiredNumberScheduled: 0,
        numberMisscheduled: 0,
        numberReady: 0,
      }),
      ...counters,
      ...(updateObservedGen ? { observedGeneration: generation } : {}),
    };
    try {
      const written = await ctx.client.updateStatus(resources.daemonsets, { ...toUpdate, status });
      ctx.statusWrites.set(key, { basedOn: toUpdate.metadata?.resourceVersion ?? '', written, at: now });
      return;
    } catch (err) {
      if (i >= STATUS_UPDATE_RETRIES) throw err;
    }
    toUpdate = await ctx.client.get(
      resources.daemonsets,
      ds.metadata?.namespace ?? '',
      ds.metadata?.name ?? '',
    );
  }
}

/**
 * updateDaemonSetStatus: compute (or take `known` counters, kept incrementally, when they do not
 * depend on the clock), store, and re-check later while pods wait out minReadySeconds.
 */
export async function updateDaemonSetStatus(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  nodes: readonly Node[],
  nodeToDaemonPods: NodeToDaemonPods,
  hash: string,
  updateObservedGen: boolean,
  known?: DaemonSetCounters,
): Promise<DaemonSetCounters> {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const counters =
    known !== undefined && minReady <= 0
      ? known
      : computeStatus(ds, nodes, nodeToDaemonPods, hash, ctx.clock.now());
  await storeDaemonSetStatus(ctx, ds, counters, updateObservedGen);
  if (minReady > 0) {
    // Upstream re-checks after minReadySeconds when ready ≠ available. Surge pairs and rolling
    // updates also wait on pods the counters do not inspect (only the first pod per node counts),
    // so wake up when the next Ready pod of any kind becomes available.
    const now = ctx.clock.now();
    let next = counters.numberReady !== counters.numberAvailable ? now + minReady * 1000 : Infinity;
    for (const pods of nodeToDaemonPods.values()) {
      for (const pod of pods) {
        // Not Ready (NaN), or Ready since an unknown time (available at once): nothing to wait for.
        const since = readySince(pod);
        if (!Number.isFinite(since)) continue;
        const at = since + minReady * 1000 + 1;
        if (at > now) next = Math.min(next, at);
      }
    }
    if (next !== Infinity) ctx.enqueueAfter(ds, next - now);
  }
  return counters;
}
