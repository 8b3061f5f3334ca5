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
import { isPodAvailable, isPodReady, isPodUpdated, templateGeneration } from './util.js';

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

/** A node's daemon pods by template: `ok` false when one of the two is duplicated. */
interface NodeDaemonPods {
  readonly newPod: Pod | undefined;
  readonly oldPod: Pod | undefined;
  readonly ok: boolean;
}

const DUPLICATED: NodeDaemonPods = { newPod: undefined, oldPod: undefined, ok: false };

/** Splits a node's non-deleting pods into the new one and the old one (undefined when duplicated). */
function findUpdatedPodsOnNode(pods: readonly Pod[], hash: string, gen: number | undefined): NodeDaemonPods {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, gen)) {
      if (newPod) return DUPLICATED;
      newPod = pod;
    } else {
      if (oldPod) return DUPLICATED;
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
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

/**
 * One node's part in the rolling-update plan, for both strategies, when availability does not
 * depend on the clock (minReadySeconds 0): {@link planRollingUpdate}'s loop body as bits, so a
 * {@link DaemonSetView} can keep the plan's counts and node sets per event. `present` is whether
 * the plan visits the node at all (it has pods, or should run one).
 */
export const RU = {
  /** Without surge: counts as unavailable. */
  unavailable: 1 << 0,
  /** Without surge: its old pod is unavailable and may go at once. */
  deleteUnavailableOld: 1 << 1,
  /** Without surge: its old, available pod is a candidate within the budget. */
  candidateOld: 1 << 2,
  /** With surge: counts against the surge budget. */
  surging: 1 << 3,
  /** With surge: counts as available. */
  available: 1 << 4,
  /** With surge: its old pod goes now (replacement available, or the node is no longer eligible). */
  deleteOld: 1 << 5,
  /** With surge: needs a new pod now (its old pod is unavailable). */
  newNow: 1 << 6,
  /** With surge: an available old pod on a node that should no longer run one. */
  shouldNotRunOld: 1 << 7,
  /** With surge: a candidate for a new pod within the surge budget. */
  candidateNew: 1 << 8,
} as const;

export function rollingUpdateBits(
  pods: readonly Pod[],
  present: boolean,
  shouldRun: boolean,
  hash: string,
  gen: number | undefined,
): number {
  if (!present) return 0;
  const r = findUpdatedPodsOnNode(pods, hash, gen);
  if (!r.ok) return RU.unavailable | RU.surging;
  let bits = 0;
  // Without surge.
  if (!r.oldPod) {
    if (!avail(r.newPod)) bits |= RU.unavailable;
  } else if (r.newPod) bits |= RU.unavailable;
  else if (!avail(r.oldPod)) bits |= RU.unavailable | RU.deleteUnavailableOld;
  else bits |= RU.candidateOld;
  // With surge.
  if (r.oldPod ? avail(r.oldPod) : avail(r.newPod)) bits |= RU.available;
  if (!r.oldPod) return bits;
  if (!r.newPod) {
    if (!avail(r.oldPod)) bits |= shouldRun ? RU.newNow : RU.deleteOld;
    else bits |= shouldRun ? RU.candidateNew : RU.shouldNotRunOld;
  } else if (!avail(r.newPod)) bits |= RU.surging;
  else bits |= RU.deleteOld;
  return bits;
}

/**
 * Whether a pod exists and is Ready (minReadySeconds 0). Module-level, like the helpers below,
 * rather than a closure per call: these run for every pod event and tsx's keep-names wrapper
 * would otherwise name a new function object each time.
 */
function avail(p: Pod | undefined): boolean {
  return p !== undefined && isPodReady(p);
}

function defined(p: Pod | undefined): p is Pod {
  return p !== undefined;
}

/** The old pod of a node the plan deletes from (see {@link rollingUpdateBits}). */
function oldPodOn(pods: readonly Pod[] | undefined, hash: string, gen: number | undefined): Pod | undefined {
  return findUpdatedPodsOnNode(pods ?? [], hash, gen).oldPod;
}

/**
 * {@link planRollingUpdate} from a view's per-node bits (minReadySeconds 0, every node with pods
 * in the cache): the same pods and nodes in the same order, without visiting every node. The
 * candidates within a budget are the first ones in name order: the reference loop stops taking
 * candidates once the running count reaches the budget, and then the final count leaves no
 * room for any.
 */
export function planFromView(
  ds: DaemonSet,
  view: RollingUpdateSource,
  nodes: readonly Node[],
  hash: string,
): RollingUpdatePlan {
  const gen = templateGeneration(ds);
  const desired = view.desiredCount();
  const { maxSurge, maxUnavailable } = budgets(ds, desired);
  const podsOn = (name: string): Pod | undefined => oldPodOn(view.byNode.get(name), hash, gen);
  if (maxSurge === 0) {
    const unavailable = view.rollingCount(RU.unavailable);
    const allowed = view.rollingNodes(RU.deleteUnavailableOld, nodes).map(podsOn);
    const room = Math.max(0, maxUnavailable - unavailable);
    const candidates = room > 0 ? view.rollingNodes(RU.candidateOld, nodes, room).map(podsOn) : [];
    return { podsToDelete: [...allowed, ...candidates].filter(defined), nodesNeedingPods: [] };
  }
  const deletable = view.rollingCount(RU.available) - desired;
  const room = Math.max(0, maxSurge - view.rollingCount(RU.surging));
  const podsToDelete = view.rollingNodes(RU.deleteOld, nodes).map(podsOn);
  if (deletable > 0)
    podsToDelete.push(...view.rollingNodes(RU.shouldNotRunOld, nodes, deletable).map(podsOn));
  return {
    podsToDelete: podsToDelete.filter(defined),
    nodesNeedingPods: [
      ...view.rollingNodes(RU.newNow, nodes),
      ...(room > 0 ? view.rollingNodes(RU.candidateNew, nodes, room) : []),
    ],
  };
}

/** What {@link planFromView} reads from a view. */
export interface RollingUpdateSource {
  readonly byNode: NodeToDaemonPods;
  desiredCount(): number;
  /** Nodes whose bits include `bit`. */
  rollingCount(bit: number): number;
  /** The names of the first `limit` nodes (name order) whose bits include `bit`. */
  rollingNodes(bit: number, nodes: readonly Node[], limit?: number): string[];
}

/** rollingUpdate: plan (unless `planned` already), then act through syncNodes (expectations, slow start, burst). True if it wrote. */
export async function rollingUpdate(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  nodes: readonly Node[],
  nodeToDaemonPods: NodeToDaemonPods,
  hash: string,
  planned?: RollingUpdatePlan,
): Promise<boolean> {
  const plan = planned ?? planRollingUpdate(ds, nodes, nodeToDaemonPods, hash, ctx.clock.now());
  if (plan.podsToDelete.length === 0 && plan.nodesNeedingPods.length === 0) return false;
  await syncNodes(ctx, ds, plan.podsToDelete, plan.nodesNeedingPods, hash);
  return true;
}
