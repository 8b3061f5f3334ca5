/**
 * The RollingUpdate strategy (spec §4.3–§4.4). Without surge, old pods are deleted within the
 * maxUnavailable budget and manage() re-creates them from the new template on the next sync. With
 * surge, new pods are created beside old ones within maxSurge and manage() removes each old pod
 * once its replacement is available. Nodes are visited in name order (upstream's order is random).
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { DaemonSetContext } from './context.js';
import { budgets } from './budget.js';
import type { NodeToDaemonPods } from './manage.js';
import { nodeShouldRunDaemonPod, placementPod, placementsFor } from './placement.js';
import { syncNodes } from './sync-nodes.js';
import { isPodAvailable, isPodUpdated, templateGeneration } from './util.js';

/** updatedDesiredNodeCounts: the budgets plus desired, and empty entries for desired nodes without pods. */
export function updatedDesiredNodeCounts(
  ds: DaemonSet,
  nodes: readonly Node[],
  nodeToDaemonPods: NodeToDaemonPods,
): { maxSurge: number; maxUnavailable: number; desired: number } {
  const vector = placementsFor(nodes, ds);
  let desired = 0;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as Node;
    if (!vector[i]?.shouldRun) continue;
    desired++;
    const name = node.metadata?.name ?? '';
    if (!nodeToDaemonPods.has(name)) nodeToDaemonPods.set(name, []);
  }
  return { ...budgets(ds, desired), desired };
}

/** Splits a node's non-deleting pods into the new one and the old one (undefined when duplicated). */
function findUpdatedPodsOnNode(
  pods: readonly Pod[],
  hash: string,
  gen: number | undefined,
): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, gen)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { ...(newPod ? { newPod } : {}), ...(oldPod ? { oldPod } : {}), ok: true };
}

export interface RollingUpdatePlan {
  readonly podsToDelete: Pod[];
  readonly nodesNeedingPods: string[];
}

/** The rolling update's decision, pure: which old pods to delete and (with surge) where to add new ones. */
export function planRollingUpdate(
  ds: DaemonSet,
  nodes: readonly Node[],
  source: NodeToDaemonPods,
  hash: string,
  now: number,
): RollingUpdatePlan {
  const nodeToDaemonPods: NodeToDaemonPods = new Map(source);
  const { maxSurge, maxUnavailable, desired } = updatedDesiredNodeCounts(ds, nodes, nodeToDaemonPods);
  const gen = templateGeneration(ds);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const names = [...nodeToDaemonPods.keys()].sort();

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const allowed: Pod[] = [];
    const candidates: Pod[] = [];
    for (const nodeName of names) {
      const r = findUpdatedPodsOnNode(nodeToDaemonPods.get(nodeName) ?? [], hash, gen);
      if (!r.ok) {
        numUnavailable++;
        continue;
      }
      if (!r.oldPod) {
        if (!r.newPod || !isPodAvailable(r.newPod, minReady, now)) numUnavailable++;
        continue;
      }
      if (r.newPod) {
        numUnavailable++;
        continue;
      }
      if (!isPodAvailable(r.oldPod, minReady, now)) {
        allowed.push(r.oldPod);
        numUnavailable++;
        continue;
      }
      if (numUnavailable >= maxUnavailable) continue;
      candidates.push(r.oldPod);
    }
    const remaining = Math.max(0, Math.min(maxUnavailable - numUnavailable, candidates.length));
    return { podsToDelete: [...allowed, ...candidates.slice(0, remaining)], nodesNeedingPods: [] };
  }

  const sim = placementPod(ds);
  const nodeByName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]));
  let numSurge = 0;
  let numAvailable = 0;
  const allowedNew: string[] = [];
  const candidateNew: string[] = [];
  const shouldNotRunOld: Pod[] = [];
  const podsToDelete: Pod[] = [];
  for (const nodeName of names) {
    const r = findUpdatedPodsOnNode(nodeToDaemonPods.get(nodeName) ?? [], hash, gen);
    if (!r.ok) {
      numSurge++;
      continue;
    }
    if (r.oldPod) {
      if (isPodAvailable(r.oldPod, minReady, now)) numAvailable++;
    } else if (r.newPod && isPodAvailable(r.newPod, minReady, now)) {
      numAvailable++;
    }
    if (!r.oldPod) continue;
    const node = nodeByName.get(nodeName);
    const shouldRun = node !== undefined && nodeShouldRunDaemonPod(node, ds, sim).shouldRun;
    if (!r.newPod) {
      if (!isPodAvailable(r.oldPod, minReady, now)) {
        if (!shouldRun) podsToDelete.push(r.oldPod);
        else allowedNew.push(nodeName);
        continue;
      }
      if (!shouldRun) {
        shouldNotRunOld.push(r.oldPod);
        continue;
      }
      if (numSurge >= maxSurge) continue;
      candidateNew.push(nodeName);
      continue;
    }
    if (!isPodAvailable(r.newPod, minReady, now)) {
      numSurge++;
      continue;
    }
    podsToDelete.push(r.oldPod);
  }
  const deletable = numAvailable - desired;
  if (deletable > 0) podsToDelete.push(...shouldNotRunOld.slice(0, deletable));
  const remaining = Math.max(0, Math.min(maxSurge - numSurge, candidateNew.length));
  return { podsToDelete, nodesNeedingPods: [...allowedNew, ...candidateNew.slice(0, remaining)] };
}

/** rollingUpdate: plan, then act through syncNodes (expectations, slow start, burst). True if it wrote. */
export async function rollingUpdate(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  nodes: readonly Node[],
  nodeToDaemonPods: NodeToDaemonPods,
  hash: string,
): Promise<boolean> {
  const plan = planRollingUpdate(ds, nodes, nodeToDaemonPods, hash, ctx.clock.now());
  if (plan.podsToDelete.length === 0 && plan.nodesNeedingPods.length === 0) return false;
  await syncNodes(ctx, ds, plan.podsToDelete, plan.nodesNeedingPods, hash);
  return true;
}
