/**
 * manage (spec §3.3): for every node decide which daemon pods must be created or deleted, then
 * hand the work to syncNodes. The per-node decision, podsShouldBeOnNode, only reads state (plus the
 * failed-pod back-off and its events); all writes happen in syncNodes.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { getTargetNodeName } from '../../api/scheduling.js';
import type { DaemonSetContext } from './context.js';
import { dsKey } from './context.js';
import { surgeCount } from './budget.js';
import type { Placement } from './placement.js';
import { nodeShouldRunDaemonPod, placementsFor } from './placement.js';
import type { DaemonSetView } from './view.js';
import {
  REVISION_HASH_LABEL,
  comparePodsForKeep,
  isPodAvailable,
  isPodReady,
  isSettled,
  isTerminalPod,
} from './util.js';

export type NodeToDaemonPods = Map<string, Pod[]>;

/**
 * Groups claimed pods by the node they are (or will be) on. Terminal pods that are being deleted
 * are left out unless `includeDeletedTerminal`; pods with no target node are skipped.
 */
export function groupPodsByNode(pods: readonly Pod[], includeDeletedTerminal: boolean): NodeToDaemonPods {
  const out: NodeToDaemonPods = new Map();
  for (const pod of pods) {
    if (!includeDeletedTerminal && isTerminalPod(pod) && pod.metadata?.deletionTimestamp) continue;
    const node = getTargetNodeName(pod);
    if (node === undefined) continue;
    let list = out.get(node);
    if (!list) out.set(node, (list = []));
    list.push(pod);
  }
  return out;
}

/** AllowsSurge: RollingUpdate with a maxSurge that is non-zero. */
export function allowsSurge(ds: DaemonSet): boolean {
  try {
    return surgeCount(ds, 1) !== 0;
  } catch {
    return false;
  }
}

export interface NodeDecision {
  readonly nodesNeedingPods: string[];
  readonly podsToDelete: Pod[];
}

export interface ManageDecision extends NodeDecision {
  /** Every node's placement, index-aligned with the nodes decided for. */
  readonly placements: readonly Placement[];
}

/** The failed-pod back-off key: DaemonSet UID, observed generation and node. */
export function failedPodsBackoffKey(ds: DaemonSet, nodeName: string): string {
  return `${ds.metadata?.uid ?? ''}/${ds.status?.observedGeneration ?? 0}/${nodeName}`;
}

/** podsShouldBeOnNode (spec §3.3 cases A, B, C). */
export function podsShouldBeOnNode(
  ctx: DaemonSetContext,
  node: Node,
  placement: Placement,
  nodeToDaemonPods: NodeToDaemonPods,
  ds: DaemonSet,
  hash: string,
): NodeDecision {
  const nodeName = node.metadata?.name ?? '';
  const daemonPods = nodeToDaemonPods.get(nodeName);
  const exists = daemonPods !== undefined;
  const nodesNeedingPods: string[] = [];
  const podsToDelete: Pod[] = [];

  if (placement.shouldRun && !exists) {
    nodesNeedingPods.push(nodeName);
  } else if (placement.shouldContinueRunning) {
    const running: Pod[] = [];
    let backingOff = false;
    for (const pod of daemonPods ?? []) {
      if (pod.metadata?.deletionTimestamp) continue;
      const ns = pod.metadata?.namespace ?? '';
      const name = pod.metadata?.name ?? '';
      if (pod.status?.phase === 'Failed') {
        const key = failedPodsBackoffKey(ds, nodeName);
        const now = ctx.clock.now();
        if (ctx.failedPodsBackoff.isInBackOffSinceUpdate(key, now)) {
          const until = ctx.failedPodsBackoff.until(key) ?? now;
          ctx.logger.debug(
            { pod: `${ns}/${name}`, node: nodeName },
            'deleting failed pod is limited by back-off',
          );
          ctx.enqueueAfter(ds, Math.max(1, until - now));
          backingOff = true;
          continue;
        }
        ctx.failedPodsBackoff.next(key, now);
        ctx.recorder.event(
          ds,
          'Warning',
          'FailedDaemonPod',
          `Found failed daemon pod ${ns}/${name} on node ${nodeName}, will try to kill it`,
        );
        podsToDelete.push(pod);
      } else if (pod.status?.phase === 'Succeeded') {
        ctx.recorder.event(
          ds,
          'Normal',
          'SucceededDaemonPod',
          `Found succeeded daemon pod ${ns}/${name} on node ${nodeName}, will try to delete it`,
        );
        podsToDelete.push(pod);
      } else {
        running.push(pod);
      }
    }
    if (!allowsSurge(ds)) {
      if (running.length > 1) {
        running.sort(comparePodsForKeep);
        podsToDelete.push(...running.slice(1));
      }
    } else if (running.length === 0) {
      // (changed) A failed pod still in back-off occupies the node: upstream would create a
      // replacement here on every sync, a hot loop when each new pod fails at once
      // (kubernetes/kubernetes#124388).
      if (placement.shouldRun && !backingOff) nodesNeedingPods.push(nodeName);
    } else if (running.length > 1) {
      running.sort(comparePodsForKeep);
      let oldestNew: Pod | undefined;
      let oldestOld: Pod | undefined;
      for (const pod of running) {
        const isNew = pod.metadata?.labels?.[REVISION_HASH_LABEL] === hash;
        if (isNew && !oldestNew) oldestNew = pod;
        else if (!isNew && !oldestOld) oldestOld = pod;
        else podsToDelete.push(pod);
      }
      if (oldestNew && oldestOld) {
        if (!isPodReady(oldestOld)) podsToDelete.push(oldestOld);
        else if (isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, ctx.clock.now()))
          podsToDelete.push(oldestOld);
      }
    }
  } else if (exists) {
    for (const pod of daemonPods) if (!pod.metadata?.deletionTimestamp) podsToDelete.push(pod);
  }
  return { nodesNeedingPods, podsToDelete };
}

const nameSets = new WeakMap<readonly Node[], Set<string>>();

function nodeNames(nodes: readonly Node[]): Set<string> {
  let set = nameSets.get(nodes);
  if (!set) nameSets.set(nodes, (set = new Set(nodes.map((n) => n.metadata?.name ?? ''))));
  return set;
}

/** Unbound pods targeting nodes that no longer exist (deleted by the controller itself). */
export function unscheduledPodsWithoutNode(
  nodes: readonly Node[],
  nodeToDaemonPods: NodeToDaemonPods,
): Pod[] {
  // The node names are only needed when some pod is unbound; one set per node-list snapshot.
  let known: Set<string> | undefined;
  const out: Pod[] = [];
  for (const [nodeName, pods] of nodeToDaemonPods) {
    for (const pod of pods) {
      if (pod.spec?.nodeName) continue;
      known ??= nodeNames(nodes);
      if (known.has(nodeName)) break;
      out.push(pod);
    }
  }
  return out;
}

/** Every node's decision for one DaemonSet, in node order. */
export function decideAll(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  nodes: readonly Node[],
  nodeToDaemonPods: NodeToDaemonPods,
  hash: string,
): ManageDecision {
  const vector = placementsFor(nodes, ds);
  const nodesNeedingPods: string[] = [];
  const podsToDelete: Pod[] = [];
  let nodesWithPods = 0;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as Node;
    const placement = vector[i] as Placement;
    const name = node.metadata?.name ?? '';
    // The steady state, decided without allocating: an eligible node with its one live pod.
    const pods = nodeToDaemonPods.get(name);
    if (pods) nodesWithPods++;
    if (placement.shouldRun && pods?.length === 1 && isSettled(pods[0])) continue;
    const d = podsShouldBeOnNode(ctx, node, placement, nodeToDaemonPods, ds, hash);
    nodesNeedingPods.push(...d.nodesNeedingPods);
    podsToDelete.push(...d.podsToDelete);
  }
  // Pods can target a node that is gone only when some target is not among the nodes.
  if (nodesWithPods < nodeToDaemonPods.size) {
    podsToDelete.push(...unscheduledPodsWithoutNode(nodes, nodeToDaemonPods));
  }
  ctx.logger.trace({ ds: dsKey(ds), create: nodesNeedingPods.length, delete: podsToDelete.length }, 'manage');
  return { nodesNeedingPods, podsToDelete, placements: vector };
}

/**
 * decideAll from a {@link DaemonSetView}: the same decisions, but only the nodes the view marks
 * unsettled are visited (an eligible node with its one settled pod never needs work), and of the
 * eligible nodes without a pod only as many as one sync creates on.
 */
export function decideFromView(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  nodes: readonly Node[],
  view: DaemonSetView,
  hash: string,
): ManageDecision {
  const needing: string[] = [];
  const podsToDelete: Pod[] = [];
  for (const node of view.unsettled(nodes)) {
    const placement = nodeShouldRunDaemonPod(node, ds);
    const d = podsShouldBeOnNode(ctx, node, placement, view.byNode, ds, hash);
    needing.push(...d.nodesNeedingPods);
    podsToDelete.push(...d.podsToDelete);
  }
  podsToDelete.push(...view.podsWithoutNode());
  // syncNodes creates on the first BurstReplicas nodes in name order: of the eligible nodes
  // without a pod (whose decision is always "create"), only that many can be among them.
  const empties = view.emptyDesired(nodes, ctx.burstReplicas);
  const nodesNeedingPods =
    needing.length === 0 ? empties : [...needing, ...empties].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  ctx.logger.trace({ ds: dsKey(ds), create: nodesNeedingPods.length, delete: podsToDelete.length }, 'manage');
  return { nodesNeedingPods, podsToDelete, placements: placementsFor(nodes, ds) };
}
