/**
 * explainDaemonSet: for every node, what the DaemonSet does there and why, in structured form —
 * the answer to "why is there (no) pod on node X?" that upstream gives nowhere. Pure: it reads the
 * DaemonSet, the nodes and the pods, and reproduces the controller's own decisions (placement,
 * keep order, updated/available, failed-pod back-off), so it can never disagree with them.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { taintToString } from '../../api/scheduling.js';
import { labelSelectorAsSelector } from '../../api/labels.js';
import { rfc3339 } from '../../util/clock.js';
import { controllerRef } from './claim.js';
import { groupPodsByNode } from './manage.js';
import type { Placement, PlacementReason } from './placement.js';
import { nodeShouldRunDaemonPod, placementPod } from './placement.js';
import { computeHash } from './hash.js';
import { comparePodsForKeep, isPodAvailable, isPodReady, isPodUpdated, templateGeneration } from './util.js';

export type NodeState =
  /** An up-to-date pod is Ready and available. */
  | 'Running'
  /** An up-to-date pod exists but is not yet Ready or available. */
  | 'Starting'
  /** The pod is Pending: not yet scheduled, or the scheduler cannot place it. */
  | 'Pending'
  /** The pod runs an older revision and will be (or, with OnDelete, may be) replaced. */
  | 'Outdated'
  /** The rolling update is replacing the pod right now. */
  | 'Updating'
  /** The node should run a pod but has none yet. */
  | 'Missing'
  /** The pod failed; its deletion (and replacement) waits for the back-off. */
  | 'FailedBackoff'
  /** The pod failed or completed and is about to be replaced. */
  | 'Failed'
  /** The node is not eligible: no pod is placed, any pod there is removed. */
  | 'Excluded'
  /** New pods are blocked by an untolerated NoSchedule taint; an existing pod is kept. */
  | 'Blocked';

export type NodeReasonCode =
  | 'Eligible'
  | 'NodeNameMismatch'
  | 'NodeSelectorMismatch'
  | 'NodeAffinityMismatch'
  | 'UntoleratedTaint'
  | 'Unschedulable'
  | 'NotReady'
  | 'MinReadySeconds'
  | 'OldRevision'
  | 'RollingUpdate'
  | 'PodFailed'
  | 'PodSucceeded'
  | 'CreationPending';

export interface NodeExplanation {
  readonly node: string;
  readonly shouldRun: boolean;
  readonly shouldContinueRunning: boolean;
  readonly state: NodeState;
  readonly reason: NodeReasonCode;
  /** One human sentence, e.g. `excluded by nodeSelector ssd=true (node has no such label)`. */
  readonly message: string;
  /** The pod that counts for this node (the first in keep order), if any. */
  readonly pod?: string;
  /** How this node enters the status counters. */
  readonly counts: {
    readonly desired: boolean;
    readonly current: boolean;
    readonly ready: boolean;
    readonly available: boolean;
    readonly updated: boolean;
    readonly misscheduled: boolean;
  };
}

export interface ExplainOptions {
  /** Evaluation time (ms since epoch). */
  readonly now: number;
  /** The current revision hash; default: the hash of the current template. */
  readonly hash?: string;
  /** When the failed-pod back-off of a node ends, if one is running. */
  readonly backoffUntil?: (nodeName: string) => number | undefined;
}

/** The scheduler's reason for one node, taken from a pinned pod's `PodScheduled=False` message. */
export function schedulerReason(pod: Pod): string | undefined {
  const cond = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (!cond?.message) return undefined;
  const main = cond.message.split(' preemption:')[0] ?? cond.message;
  const colon = main.indexOf(': ');
  if (colon < 0) return main;
  const reasons = main
    .slice(colon + 2)
    .replace(/\.$/, '')
    .split(', ')
    .map((r) => r.replace(/^\d+ /, ''))
    .filter((r) => !r.includes("didn't match Pod's node affinity/selector"));
  return reasons.length > 0 ? reasons.join(', ') : main;
}

function placementMessage(reason: PlacementReason, node: Node): { code: NodeReasonCode; message: string } {
  switch (reason.kind) {
    case 'eligible':
      return { code: 'Eligible', message: 'eligible' };
    case 'nodeName':
      return { code: 'NodeNameMismatch', message: `excluded: the template's nodeName is ${reason.nodeName}` };
    case 'nodeSelector': {
      const [key = ''] = reason.detail.split('=');
      const has = Object.hasOwn(node.metadata?.labels ?? {}, key);
      const actual = node.metadata?.labels?.[key];
      return {
        code: 'NodeSelectorMismatch',
        message: `excluded by nodeSelector ${reason.detail} (${has ? `node has ${key}=${actual ?? ''}` : 'node has no such label'})`,
      };
    }
    case 'affinity':
      return {
        code: 'NodeAffinityMismatch',
        message: `excluded by required node affinity: ${reason.detail}`,
      };
    case 'taint':
      return { code: 'UntoleratedTaint', message: `untolerated taint ${taintToString(reason.taint)}` };
  }
}

const name = (p: Pod | undefined): string => p?.metadata?.name ?? '';

/** Why a node is excluded or blocked, as one phrase (used by events). */
export function explainPlacement(placement: Placement, node: Node, hasPod: boolean): string {
  const why = placementMessage(placement.reason, node).message;
  if (placement.reason.kind === 'taint' && placement.shouldContinueRunning) {
    return hasPod ? `${why}: no new pod is placed, the existing pod is kept` : `${why}: no pod is placed`;
  }
  return hasPod ? `${why}: the pod is removed` : why;
}

/**
 * Explains every node. `pods` may be all pods of the namespace: only those the DaemonSet controls
 * (or would adopt) and that match its selector count, as for the controller.
 */
export function explainDaemonSet(
  ds: DaemonSet,
  nodes: readonly Node[],
  pods: readonly Pod[],
  options: ExplainOptions,
): NodeExplanation[] {
  const uid = ds.metadata?.uid;
  const selector = labelSelectorAsSelector(ds.spec?.selector);
  const own = pods.filter((p) => {
    if (p.metadata?.namespace !== ds.metadata?.namespace || !selector.matches(p.metadata?.labels))
      return false;
    const ref = controllerRef(p);
    return ref ? ref.uid === uid : !p.metadata?.deletionTimestamp;
  });
  const byNode = groupPodsByNode(own, false);
  const hash = options.hash ?? computeHash(ds.spec?.template, ds.status?.collisionCount);
  const gen = templateGeneration(ds);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const onDelete = ds.spec?.updateStrategy?.type === 'OnDelete';
  const sim = placementPod(ds);
  const sorted = [...nodes].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  return sorted.map((node) =>
    explainNode(node, nodeShouldRunDaemonPod(node, ds, sim), byNode.get(node.metadata?.name ?? '') ?? []),
  );

  function explainNode(node: Node, placement: Placement, nodePods: Pod[]): NodeExplanation {
    const nodeName = node.metadata?.name ?? '';
    const live = [...nodePods].sort(comparePodsForKeep);
    const first = live[0];
    const ready = first !== undefined && isPodReady(first);
    const counts = {
      desired: placement.shouldRun,
      current: placement.shouldRun && live.length > 0,
      ready: placement.shouldRun && ready,
      available:
        placement.shouldRun && first !== undefined && ready && isPodAvailable(first, minReady, options.now),
      updated: placement.shouldRun && first !== undefined && isPodUpdated(first, hash, gen),
      misscheduled: !placement.shouldRun && live.length > 0,
    };
    const base = {
      node: nodeName,
      shouldRun: placement.shouldRun,
      shouldContinueRunning: placement.shouldContinueRunning,
      counts,
    };
    const withPod = first ? { pod: name(first) } : {};
    const why = placementMessage(placement.reason, node);

    if (!placement.shouldRun) {
      if (placement.reason.kind === 'taint' && placement.shouldContinueRunning) {
        return {
          ...base,
          ...withPod,
          state: 'Blocked',
          reason: 'UntoleratedTaint',
          message: first
            ? `${why.message}: no new pod is placed; existing pod ${name(first)} is kept and counted misscheduled`
            : `${why.message}: no pod is placed`,
        };
      }
      const gone =
        live.length > 0
          ? `; pod ${name(first)} ${first?.metadata?.deletionTimestamp ? 'is being deleted' : 'will be deleted'}`
          : '';
      return { ...base, ...withPod, state: 'Excluded', reason: why.code, message: `${why.message}${gone}` };
    }

    if (!first)
      return {
        ...base,
        state: 'Missing',
        reason: 'CreationPending',
        message: 'should run a pod: creation pending',
      };

    const active = live.filter((p) => !p.metadata?.deletionTimestamp);
    const phase = first.status?.phase;
    if (phase === 'Failed') {
      const until = options.backoffUntil?.(nodeName);
      if (until !== undefined && until > options.now) {
        return {
          ...base,
          ...withPod,
          state: 'FailedBackoff',
          reason: 'PodFailed',
          message: `failed pod ${name(first)} in back-off until ${rfc3339(until)}`,
        };
      }
      return {
        ...base,
        ...withPod,
        state: 'Failed',
        reason: 'PodFailed',
        message: `failed pod ${name(first)} will be deleted and replaced`,
      };
    }
    if (phase === 'Succeeded') {
      return {
        ...base,
        ...withPod,
        state: 'Failed',
        reason: 'PodSucceeded',
        message: `pod ${name(first)} exited; it will be deleted and replaced`,
      };
    }
    const hasNew = active.some((p) => isPodUpdated(p, hash, gen));
    const hasOld = active.some((p) => !isPodUpdated(p, hash, gen));
    if (first.metadata?.deletionTimestamp && !onDelete) {
      return {
        ...base,
        ...withPod,
        state: 'Updating',
        reason: 'RollingUpdate',
        message: `being replaced by the rolling update: pod ${name(first)} is terminating`,
      };
    }
    if (hasOld && hasNew) {
      const fresh = active.find((p) => isPodUpdated(p, hash, gen));
      return {
        ...base,
        ...withPod,
        state: 'Updating',
        reason: 'RollingUpdate',
        message: `being replaced by the rolling update: new pod ${name(fresh)} starts beside old pod ${name(active.find((p) => !isPodUpdated(p, hash, gen)))}`,
      };
    }
    if (!isPodUpdated(first, hash, gen)) {
      return {
        ...base,
        ...withPod,
        state: 'Outdated',
        reason: 'OldRevision',
        message: onDelete
          ? `pod ${name(first)} runs an older revision; with OnDelete it is replaced when deleted`
          : `pod ${name(first)} runs an older revision; the rolling update will replace it`,
      };
    }
    if (!first.spec?.nodeName || phase === 'Pending') {
      const sched = schedulerReason(first);
      return {
        ...base,
        ...withPod,
        state: 'Pending',
        reason: sched ? 'Unschedulable' : 'NotReady',
        message: sched
          ? `pod ${name(first)} is Pending: the scheduler reports ${sched}`
          : `pod ${name(first)} is Pending`,
      };
    }
    if (!ready)
      return {
        ...base,
        ...withPod,
        state: 'Starting',
        reason: 'NotReady',
        message: `pod ${name(first)} is not Ready yet`,
      };
    if (!counts.available) {
      return {
        ...base,
        ...withPod,
        state: 'Starting',
        reason: 'MinReadySeconds',
        message: `pod ${name(first)} is Ready, available after minReadySeconds (${minReady}s)`,
      };
    }
    return {
      ...base,
      ...withPod,
      state: 'Running',
      reason: 'Eligible',
      message: `runs an up-to-date and available pod ${name(first)}`,
    };
  }
}
