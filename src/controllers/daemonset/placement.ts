/**
 * Which nodes should run a daemon pod (spec §2): `nodeShouldRunDaemonPod` answers with the two
 * booleans upstream uses — shouldRun (place a new pod) and shouldContinueRunning (keep an existing
 * one) — plus the reason, so the controller can explain itself. Resources, readiness and
 * cordoning are deliberately not considered: they are the scheduler's business.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { explainNodeAffinity, findMatchingUntoleratedTaint } from '../../api/scheduling.js';
import { withDaemonPodTolerations } from './util.js';

export type PlacementReason =
  /** Eligible. */
  | { readonly kind: 'eligible' }
  /** `spec.template.spec.nodeName` names another node. */
  | { readonly kind: 'nodeName'; readonly nodeName: string }
  /** A nodeSelector entry the node does not satisfy, e.g. `ssd=true`. */
  | { readonly kind: 'nodeSelector'; readonly detail: string }
  /** No required node-affinity term matches. */
  | { readonly kind: 'affinity'; readonly detail: string }
  /** An untolerated NoSchedule or NoExecute taint. */
  | { readonly kind: 'taint'; readonly taint: Taint };

export interface Placement {
  readonly shouldRun: boolean;
  readonly shouldContinueRunning: boolean;
  readonly reason: PlacementReason;
}

/**
 * The throw-away pod the decision is made for (spec §2.1): the template's spec with the automatic
 * tolerations. Build it once per DaemonSet and pass it to {@link nodeShouldRunDaemonPod}.
 */
export function placementPod(ds: DaemonSet): Pod {
  const spec = ds.spec?.template.spec ?? { containers: [] };
  return {
    metadata: {
      namespace: ds.metadata?.namespace ?? '',
      ...(ds.spec?.template.metadata?.labels ? { labels: ds.spec.template.metadata.labels } : {}),
    },
    spec: { ...spec, tolerations: withDaemonPodTolerations(spec.tolerations, spec.hostNetwork === true) },
  };
}

const NO_SCHEDULE_OR_EXECUTE = (t: Taint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute';
const NO_EXECUTE = (t: Taint): boolean => t.effect === 'NoExecute';

/**
 * Decisions already made, per node object and DaemonSet (UID + generation). Cached objects are
 * frozen, and a new node version or a new DaemonSet generation is a new key, so an entry can never
 * be stale; a sync of N nodes then costs N lookups instead of N affinity and taint evaluations.
 */
const memo = new WeakMap<Node, Map<string, { readonly generation: number; readonly placement: Placement }>>();

/**
 * spec §2.2. `pod` must be {@link placementPod}(ds) (its default; callers deciding many nodes build
 * it once). Memoised for frozen (cached) nodes and DaemonSets.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet, pod?: Pod): Placement {
  const uid = ds.metadata?.uid;
  const generation = ds.metadata?.generation;
  if (uid === undefined || generation === undefined || !Object.isFrozen(node) || !Object.isFrozen(ds)) {
    return decide(node, pod ?? placementPod(ds));
  }
  let byDs = memo.get(node);
  const hit = byDs?.get(uid);
  if (hit && hit.generation === generation) return hit.placement;
  const placement = decide(node, pod ?? placementPod(ds));
  if (!byDs)
    memo.set(
      node,
      (byDs = new Map<string, { readonly generation: number; readonly placement: Placement }>()),
    );
  byDs.set(uid, { generation, placement });
  return placement;
}

function decide(node: Node, pod: Pod): Placement {
  const nodeName = node.metadata?.name ?? '';
  const wanted = pod.spec?.nodeName;
  if (wanted && wanted !== nodeName) {
    return { shouldRun: false, shouldContinueRunning: false, reason: { kind: 'nodeName', nodeName: wanted } };
  }
  const fit = explainNodeAffinity(pod, node);
  if (!fit.ok) {
    return {
      shouldRun: false,
      shouldContinueRunning: false,
      reason: { kind: fit.reason, detail: fit.detail },
    };
  }
  const taints = node.spec?.taints ?? [];
  const tolerations = pod.spec?.tolerations ?? [];
  const untolerated = findMatchingUntoleratedTaint(taints, tolerations, NO_SCHEDULE_OR_EXECUTE);
  if (!untolerated) return { shouldRun: true, shouldContinueRunning: true, reason: { kind: 'eligible' } };
  const evicting =
    untolerated.effect === 'NoExecute'
      ? untolerated
      : findMatchingUntoleratedTaint(taints, tolerations, NO_EXECUTE);
  return {
    shouldRun: false,
    shouldContinueRunning: evicting === undefined,
    reason: { kind: 'taint', taint: evicting ?? untolerated },
  };
}

/** Placement vectors per node-list snapshot and DaemonSet (UID + generation). */
const vectors = new WeakMap<
  readonly Node[],
  Map<string, { readonly generation: number; readonly placements: readonly Placement[] }>
>();

/**
 * Every node's placement for the DaemonSet, index-aligned with `nodes`. The controller hands out
 * the same node-list array until a node changes, so between node events a sync reuses the whole
 * vector instead of looking up each node.
 */
export function placementsFor(nodes: readonly Node[], ds: DaemonSet): readonly Placement[] {
  const uid = ds.metadata?.uid;
  const generation = ds.metadata?.generation;
  const cacheable = uid !== undefined && generation !== undefined && Object.isFrozen(ds);
  let byDs = cacheable ? vectors.get(nodes) : undefined;
  const hit = cacheable ? byDs?.get(uid) : undefined;
  if (hit && hit.generation === generation) return hit.placements;
  const sim = placementPod(ds);
  const placements = nodes.map((n) => nodeShouldRunDaemonPod(n, ds, sim));
  if (cacheable) {
    if (!byDs)
      vectors.set(
        nodes,
        (byDs = new Map<
          string,
          { readonly generation: number; readonly placements: readonly Placement[] }
        >()),
      );
    byDs.set(uid, { generation, placements });
  }
  return placements;
}
