/**
 * The scheduler: binds pending pods to nodes. Runs the filters (nodeName, unschedulable, node
 * affinity and nodeSelector, taints, resources, host ports), scores feasible nodes by free
 * resources, binds through the pods/binding subresource, and preempts strictly lower-priority pods
 * when nothing fits. A pod that cannot be placed gets a `FailedScheduling` event and a
 * `PodScheduled=False` condition, and is retried when the cluster changes or its backoff ends.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resources, objectKey } from '../api/resources.js';
import { isNotFound } from '../api/errors.js';
import { getTargetNodeName } from '../api/scheduling.js';
import type { Client } from '../client/types.js';
import type { Informer } from '../client/informer.js';
import { byNodeName } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { EventRecorder } from '../client/events.js';
import type { Controller, Manager } from '../controller/manager.js';
import type { Reconciler, ReconcileResult } from '../controller/reconcile.js';
import { QueueWorkers } from '../controller/worker.js';
import type { Clock } from '../util/clock.js';
import { rfc3339 } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { errorMessage } from '../util/log.js';
import { deepEqual, shallowCopy } from '../util/objects.js';
import type { FilterFailure, NodeInfo } from './filters.js';
import { buildNodeInfo, fitErrorMessage, podRequests, resourceUnits, runFilters } from './filters.js';
import { selectPreemption } from './preemption.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
const INITIAL_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;

export interface SchedulerOptions {
  readonly manager: Manager;
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly recorder: EventRecorder;
}

export const POD_NODE_INDEX = 'nodeName';

export class Scheduler implements Controller, Reconciler {
  readonly name = 'scheduler';
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly queue: WorkQueue<string>;
  private readonly unschedulable = new Set<string>();
  /** Bindings made but not yet seen in the pod cache: key → pod as bound. */
  private readonly assumed = new AssumedPods();
  /** Failed scheduling attempts per pod, for the 1 s → 10 s backoff. */
  private readonly attempts = new Map<string, number>();
  private readonly workers: QueueWorkers;

  constructor(private readonly options: SchedulerOptions) {
    this.pods = options.manager.informers.informer(resources.pods, { [POD_NODE_INDEX]: byNodeName });
    this.nodes = options.manager.informers.informer(resources.nodes);
    this.queue = new WorkQueue<string>({ name: 'scheduler', clock: options.clock });
    this.workers = new QueueWorkers({
      queue: this.queue,
      reconciler: this,
      workers: 1,
      logger: this.options.logger,
    });
    this.pods.addHandlers({
      onAdd: (p) => this.onPod(p),
      onUpdate: (_old, p) => this.onPod(p),
      onDelete: (p) => {
        this.assumed.delete(objectKey(p));
        this.unschedulable.delete(objectKey(p));
        this.attempts.delete(objectKey(p));
        if (p.spec?.nodeName) this.retryUnschedulable();
      },
    });
    this.nodes.addHandlers({
      onAdd: () => this.retryUnschedulable(),
      onUpdate: (a, b) => {
        if (
          !deepEqual(a.spec, b.spec) ||
          !deepEqual(a.metadata?.labels, b.metadata?.labels) ||
          !deepEqual(a.status?.allocatable, b.status?.allocatable)
        ) {
          this.retryUnschedulable();
        }
      },
    });
  }

  start(): void {
    this.workers.start();
  }

  async stop(): Promise<void> {
    await this.workers.stop();
  }

  private onPod(p: Pod): void {
    const key = objectKey(p);
    if (p.spec?.nodeName) {
      this.assumed.delete(key);
      this.unschedulable.delete(key);
      return;
    }
    if (!this.responsibleFor(p)) return;
    if (!this.unschedulable.has(key)) this.queue.add(key);
  }

  private responsibleFor(p: Pod): boolean {
    const name = p.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    return name === DEFAULT_SCHEDULER_NAME && !p.metadata?.deletionTimestamp && !p.spec?.nodeName;
  }

  private retryUnschedulable(): void {
    for (const key of this.unschedulable) this.queue.add(key);
    this.unschedulable.clear();
  }

  /** NodeInfo for a node from the pod cache plus bindings not yet observed. */
  nodeInfo(node: Node): NodeInfo {
    const name = node.metadata?.name ?? '';
    const pods = this.pods.byIndex(POD_NODE_INDEX, name);
    const extra: Pod[] = [];
    for (const p of this.assumed.onNode(name)) extra.push(p);
    return buildNodeInfo(node, extra.length > 0 ? [...pods, ...extra] : pods);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    // The key is the cache's own (`namespace/name`): no need to split and join it again.
    const pod = this.pods.getByKey(key);
    if (!pod || !this.responsibleFor(pod) || this.assumed.has(key)) return;

    const target = getTargetNodeName(pod);
    let nodes: Node[];
    if (target !== undefined) {
      const n = this.nodes.get('', target);
      nodes = n ? [n] : [];
    } else {
      nodes = this.nodes
        .list()
        .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    }
    const total = this.nodes.size();
    const failures: FilterFailure[] = [];
    const failedInfos: NodeInfo[] = [];
    let best: { node: Node; score: number } | undefined;
    for (const node of nodes) {
      const info = this.nodeInfo(node);
      const f = runFilters(pod, info);
      if (f) {
        failures.push(f);
        if (f.resolvableByPreemption) failedInfos.push(info);
        continue;
      }
      // A pod pinned to one node (a DaemonSet pod) has nothing to rank: skip the score.
      const score = nodes.length === 1 ? 0 : freeScore(pod, info);
      if (!best || score > best.score) best = { node, score };
    }
    if (best) {
      await this.bind(pod, best.node.metadata?.name ?? '');
      return;
    }
    // Nodes excluded by a pinned target count as not matching the affinity, as upstream's PreFilter reports.
    for (let i = nodes.length; i < total; i++) {
      failures.push({
        plugin: 'NodeAffinity',
        reasons: ["node(s) didn't match Pod's node affinity/selector"],
        resolvableByPreemption: false,
      });
    }
    let message = fitErrorMessage(total, failures);
    const choice = selectPreemption(pod, failedInfos);
    if (choice) {
      await this.preempt(pod, choice.nodeName, choice.victims);
    } else if (pod.spec?.preemptionPolicy !== 'Never') {
      const notHelpful = total - failedInfos.length;
      const parts = [
        ...(failedInfos.length > 0
          ? [`${failedInfos.length} No preemption victims found for incoming pod`]
          : []),
        ...(notHelpful > 0 ? [`${notHelpful} Preemption is not helpful for scheduling`] : []),
      ].sort();
      message += ` preemption: 0/${total} nodes are available${parts.length ? `: ${parts.join(', ')}` : ''}.`;
    }
    await this.markUnschedulable(pod, message);
    this.unschedulable.add(key);
    const n = this.attempts.get(key) ?? 0;
    this.attempts.set(key, n + 1);
    return { requeueAfter: Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** n) };
  }

  private async bind(pod: Pod, nodeName: string): Promise<void> {
    const key = objectKey(pod);
    const { namespace = '', name = '', uid } = pod.metadata ?? {};
    const spec = shallowCopy(pod.spec ?? { containers: [] });
    spec.nodeName = nodeName;
    this.assumed.set(key, nodeName, { ...pod, spec });
    try {
      await this.options.client.bind(namespace, name, nodeName, uid);
    } catch (err) {
      this.assumed.delete(key);
      if (isNotFound(err)) return;
      throw err;
    }
    this.unschedulable.delete(key);
    this.attempts.delete(key);
    this.options.recorder.event(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${namespace}/${name} to ${nodeName}`,
    );
  }

  private async preempt(pod: Pod, nodeName: string, victims: readonly Pod[]): Promise<void> {
    const { client, recorder, logger } = this.options;
    for (const v of victims) {
      recorder.event(
        v,
        'Normal',
        'Preempted',
        `Preempted by pod ${pod.metadata?.uid ?? ''} on node ${nodeName}`,
      );
      try {
        await client.delete(resources.pods, v.metadata?.namespace ?? '', v.metadata?.name ?? '');
      } catch (err) {
        if (!isNotFound(err))
          logger.warn({ pod: objectKey(v), err: errorMessage(err) }, 'preemption delete failed');
      }
    }
    try {
      await client.patchStatus(
        resources.pods,
        pod.metadata?.namespace ?? '',
        pod.metadata?.name ?? '',
        'merge',
        {
          status: { nominatedNodeName: nodeName },
        },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async markUnschedulable(pod: Pod, message: string): Promise<void> {
    this.options.recorder.event(pod, 'Warning', 'FailedScheduling', message);
    const existing = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
    if (existing?.status === 'False' && existing.message === message) return;
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastTransitionTime:
        existing?.status === 'False' && existing.lastTransitionTime
          ? existing.lastTransitionTime
          : rfc3339(this.options.clock.now()),
    });
    try {
      await this.options.client.patchStatus(
        resources.pods,
        pod.metadata?.namespace ?? '',
        pod.metadata?.name ?? '',
        'merge',
        {
          status: { conditions },
        },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** LeastAllocated-style score: the mean free fraction of cpu and memory after placing the pod. */
function freeScore(pod: Pod, info: NodeInfo): number {
  const alloc = info.node.status?.allocatable ?? {};
  const req = podRequests(pod);
  let score = 0;
  let n = 0;
  for (const r of ['cpu', 'memory']) {
    const cap = alloc[r];
    if (cap === undefined) continue;
    const total = Number(resourceUnits(r, cap));
    if (total <= 0) continue;
    const used = Number((info.requested.get(r) ?? 0n) + (req.get(r) ?? 0n));
    score += Math.max(0, total - used) / total;
    n++;
  }
  return n === 0 ? 0 : score / n;
}

/** Pods bound but not yet seen bound in the cache, by key and by node (nodeInfo asks per node). */
class AssumedPods {
  private readonly byKey = new Map<string, { node: string; pod: Pod }>();
  private readonly byNode = new Map<string, Map<string, Pod>>();

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  set(key: string, node: string, pod: Pod): void {
    this.delete(key);
    this.byKey.set(key, { node, pod });
    let m = this.byNode.get(node);
    if (!m) this.byNode.set(node, (m = new Map<string, Pod>()));
    m.set(key, pod);
  }

  delete(key: string): void {
    const e = this.byKey.get(key);
    if (!e) return;
    this.byKey.delete(key);
    const m = this.byNode.get(e.node);
    m?.delete(key);
    if (m?.size === 0) this.byNode.delete(e.node);
  }

  onNode(node: string): Iterable<Pod> {
    return this.byNode.get(node)?.values() ?? [];
  }
}
