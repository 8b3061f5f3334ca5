/**
 * What the phases of a DaemonSet sync share: caches, client, clock, recorder and bookkeeping.
 * Built once by the controller; the phase modules (claim, history, manage, sync-nodes, status)
 * take it as their first argument so each can be read beside its upstream counterpart.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Client } from '../../client/types.js';
import type { Informer } from '../../client/informer.js';
import type { EventRecorder } from '../../client/events.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import type { Backoff } from './backoff.js';
import type { ControllerExpectations } from './expectations.js';

/** Pods indexed by `spec.nodeName`. */
export const POD_NODE_INDEX = 'nodeName';
/** Objects indexed by their controller owner's UID. */
export const CONTROLLER_UID_INDEX = 'controllerUID';
/** Objects without a controller owner, indexed by namespace (adoption candidates). */
export const ORPHAN_NAMESPACE_INDEX = 'orphanNamespace';

/** Maximum creations or deletions one sync issues (upstream's BurstReplicas). */
export const BURST_REPLICAS = 250;

export interface DaemonSetContext {
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly recorder: EventRecorder;
  readonly expectations: ControllerExpectations;
  readonly failedPodsBackoff: Backoff;
  readonly daemonSets: Informer<DaemonSet>;
  readonly pods: Informer<Pod>;
  readonly nodes: Informer<Node>;
  readonly revisions: Informer<ControllerRevision>;
  readonly burstReplicas: number;
  /**
   * The controller's last status write per DaemonSet key: the object it replaced (its
   * resourceVersion), the object the server returned and when. While the cache still shows the
   * replaced version, the next status write starts from the returned one instead of conflicting.
   */
  readonly statusWrites: Map<
    string,
    { readonly basedOn: string; readonly written: DaemonSet; readonly at: number }
  >;
  /** Re-queues a DaemonSet after a delay (failed-pod back-off, minReadySeconds). */
  enqueueAfter(ds: DaemonSet, ms: number): void;
}

export function dsKey(ds: DaemonSet): string {
  return `${ds.metadata?.namespace ?? ''}/${ds.metadata?.name ?? ''}`;
}
