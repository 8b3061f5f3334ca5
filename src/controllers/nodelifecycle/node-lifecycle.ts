/**
 * The node lifecycle controller: watches node heartbeats (Lease renewals and the Ready condition's
 * lastHeartbeatTime) and, when a node stops reporting for longer than the grace period, marks its
 * conditions Unknown. It keeps the condition taints in step with the conditions, as upstream's
 * TaintNodesByCondition and NoExecute tainting do:
 *   Ready=False   → node.kubernetes.io/not-ready   (NoSchedule and NoExecute)
 *   Ready=Unknown → node.kubernetes.io/unreachable (NoSchedule and NoExecute)
 *   MemoryPressure/DiskPressure/PIDPressure=True → …-pressure:NoSchedule
 *   NetworkUnavailable=True → node.kubernetes.io/network-unavailable:NoSchedule
 *   spec.unschedulable → node.kubernetes.io/unschedulable:NoSchedule (cordon)
 */
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { resources } from '../../api/resources.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import type { Client } from '../../client/types.js';
import type { Informer } from '../../client/informer.js';
import type { EventRecorder } from '../../client/events.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, Manager } from '../../controller/manager.js';
import type { Reconciler } from '../../controller/reconcile.js';
import { QueueWorkers } from '../../controller/worker.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { parseTime, rfc3339 } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import { deepEqual } from '../../util/objects.js';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

const MANAGED_TAINT_KEYS = new Set([
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  TAINT_MEMORY_PRESSURE,
  TAINT_DISK_PRESSURE,
  TAINT_PID_PRESSURE,
  TAINT_NETWORK_UNAVAILABLE,
]);

export interface NodeLifecycleOptions {
  readonly manager: Manager;
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly recorder: EventRecorder;
  /** How long a node may go without a heartbeat before it is Unknown. Default 40 s (node-monitor-grace-period). */
  readonly gracePeriodMs?: number;
  /** How often heartbeats are checked. Default 5 s (node-monitor-period). */
  readonly monitorPeriodMs?: number;
}

/** The later of two optional times. */
function later(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function condition(node: Node, type: string): NodeCondition | undefined {
  // A loop, not find(): every node is checked for five conditions each monitor period.
  for (const c of node.status?.conditions ?? []) if (c.type === type) return c;
  return undefined;
}

/** Conditions whose status True puts a NoSchedule taint on the node. */
const PRESSURE_TAINTS: ReadonlyArray<{ readonly type: string; readonly key: string }> = [
  { type: 'MemoryPressure', key: TAINT_MEMORY_PRESSURE },
  { type: 'DiskPressure', key: TAINT_DISK_PRESSURE },
  { type: 'PIDPressure', key: TAINT_PID_PRESSURE },
  { type: 'NetworkUnavailable', key: TAINT_NETWORK_UNAVAILABLE },
];

/** The condition taints a node should carry (NoSchedule and NoExecute), without timestamps. */
export function desiredConditionTaints(node: Node): Taint[] {
  const out: Taint[] = [];
  const ready = condition(node, 'Ready')?.status;
  if (ready === 'False')
    out.push({ key: TAINT_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NOT_READY, effect: 'NoExecute' });
  if (ready === 'Unknown') {
    out.push(
      { key: TAINT_UNREACHABLE, effect: 'NoSchedule' },
      { key: TAINT_UNREACHABLE, effect: 'NoExecute' },
    );
  }
  for (const { type, key } of PRESSURE_TAINTS)
    if (condition(node, type)?.status === 'True') out.push({ key, effect: 'NoSchedule' });
  if (node.spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

/** The node's taints with the managed condition taints replaced by the desired ones (existing timeAdded kept). */
export function reconcileTaints(node: Node, now: number): Taint[] {
  const current = node.spec?.taints ?? [];
  const desired = desiredConditionTaints(node);
  const kept = current.filter((t) => !MANAGED_TAINT_KEYS.has(t.key));
  const managed = desired.map((d) => {
    const existing = current.find((t) => t.key === d.key && t.effect === d.effect);
    if (existing) return existing;
    return d.effect === 'NoExecute' ? { ...d, timeAdded: rfc3339(now) } : d;
  });
  return [...kept, ...managed];
}

export class NodeLifecycleController implements Controller, Reconciler {
  readonly name = 'nodelifecycle';
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly queue: WorkQueue<string>;
  private readonly gracePeriodMs: number;
  private readonly monitorPeriodMs: number;
  private monitorTimer: TimerHandle | undefined;
  private readonly workers: QueueWorkers;

  constructor(private readonly options: NodeLifecycleOptions) {
    this.gracePeriodMs = options.gracePeriodMs ?? 40_000;
    this.monitorPeriodMs = options.monitorPeriodMs ?? 5_000;
    this.nodes = options.manager.informers.informer(resources.nodes);
    this.leases = options.manager.informers.informer(resources.leases);
    this.queue = new WorkQueue({ name: 'node_lifecycle_controller', clock: options.clock });
    this.workers = new QueueWorkers({
      queue: this.queue,
      reconciler: this,
      workers: 1,
      logger: this.options.logger,
    });
    this.nodes.addHandlers({
      onAdd: (n) => this.queue.add(n.metadata?.name ?? ''),
      onUpdate: (o, n) => {
        if (!deepEqual(o.spec, n.spec) || !deepEqual(o.status?.conditions, n.status?.conditions))
          this.queue.add(n.metadata?.name ?? '');
      },
    });
  }

  start(): void {
    this.workers.start();
    this.scheduleMonitor();
  }

  async stop(): Promise<void> {
    this.monitorTimer?.cancel();
    await this.workers.stop();
  }

  /**
   * Every monitor period, queues the nodes that need a write now: a node whose heartbeat is
   * late, or whose condition taints are out of step. The check is reconcile's own decision, made
   * here so that thousands of healthy nodes do not each cost a trip through the queue; a node
   * that changes meanwhile is queued by its update, and staleness is checked again next period.
   */
  private scheduleMonitor(): void {
    this.monitorTimer = this.options.clock.setTimeout(() => {
      if (this.queue.isShuttingDown()) return;
      const now = this.options.clock.now();
      for (const key of this.nodes.keys()) {
        const node = this.nodes.getByKey(key);
        if (node && this.needsWrite(node, now)) this.queue.add(key);
      }
      this.scheduleMonitor();
    }, this.monitorPeriodMs);
  }

  /** Whether reconcile would write the node now: mark it Unknown, or change its taints. */
  private needsWrite(node: Node, now: number): boolean {
    if (this.markUnknownDue(node, now)) return true;
    return !deepEqual(reconcileTaints(node, now), node.spec?.taints ?? []);
  }

  private markUnknownDue(node: Node, now: number): boolean {
    const stale = now - this.lastHeartbeat(node) > this.gracePeriodMs;
    return stale && condition(node, 'Ready')?.status !== 'Unknown';
  }

  /** The newest heartbeat of a node: lease renewal, Ready heartbeat, or its creation. */
  lastHeartbeat(node: Node): number {
    const name = node.metadata?.name ?? '';
    const lease = this.leases.get('kube-node-lease', name);
    // Every node is checked every monitor period: no intermediate arrays here.
    const latest = later(
      later(parseTime(lease?.spec?.renewTime), parseTime(condition(node, 'Ready')?.lastHeartbeatTime)),
      parseTime(node.metadata?.creationTimestamp),
    );
    return latest ?? this.options.clock.now();
  }

  async reconcile(name: string): Promise<void> {
    const node = this.nodes.get('', name);
    if (!node) return;
    const now = this.options.clock.now();
    try {
      if (this.markUnknownDue(node, now)) {
        await this.markUnknown(node, now);
        return; // the update comes back through the informer and taints follow
      }
      const taints = reconcileTaints(node, now);
      if (!deepEqual(taints, node.spec?.taints ?? [])) {
        await this.options.client.update(resources.nodes, {
          ...node,
          spec: { ...(node.spec ?? {}), ...(taints.length > 0 ? { taints } : { taints: undefined }) },
        } as Node);
      }
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) {
        // The cache is behind; retry once it has caught up (never spin on a stale copy).
        this.queue.addRateLimited(name);
        return;
      }
      throw err;
    }
  }

  private async markUnknown(node: Node, now: number): Promise<void> {
    const name = node.metadata?.name ?? '';
    const existing = node.status?.conditions ?? [];
    const types = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];
    const neverUpdated = existing.length === 0;
    const conditions: NodeCondition[] = existing
      .filter((c) => !types.includes(c.type))
      .concat(
        types.map((type) => {
          const c = existing.find((e) => e.type === type);
          return {
            type,
            status: 'Unknown',
            reason: neverUpdated ? 'NodeStatusNeverUpdated' : 'NodeStatusUnknown',
            message: neverUpdated
              ? 'Kubelet never posted node status.'
              : 'Kubelet stopped posting node status.',
            ...(c?.lastHeartbeatTime ? { lastHeartbeatTime: c.lastHeartbeatTime } : {}),
            lastTransitionTime: rfc3339(now),
          };
        }),
      );
    await this.options.client.patchStatus(resources.nodes, '', name, 'merge', { status: { conditions } });
    this.options.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
  }
}
