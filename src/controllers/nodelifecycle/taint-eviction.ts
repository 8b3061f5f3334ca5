/**
 * Taint-based eviction (upstream's TaintEvictionController): a pod on a node with a NoExecute
 * taint it does not tolerate is deleted at once; one that tolerates every such taint only for
 * `tolerationSeconds` is deleted when the shortest of those runs out (counted from the taint's
 * timeAdded or, for a taint written without one, from when this controller first saw it). Pods
 * that tolerate the taints forever stay.
 */
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { resources, objectKey, splitKey } from '../../api/resources.js';
import { isNotFound } from '../../api/errors.js';
import { tolerationToleratesTaint } from '../../api/scheduling.js';
import type { Client } from '../../client/types.js';
import type { Informer } from '../../client/informer.js';
import { byNodeName } from '../../client/informer.js';
import type { EventRecorder } from '../../client/events.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, Manager } from '../../controller/manager.js';
import type { Reconciler, ReconcileResult } from '../../controller/reconcile.js';
import { QueueWorkers } from '../../controller/worker.js';
import type { Clock } from '../../util/clock.js';
import { parseTime } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import { deepEqual } from '../../util/objects.js';

export interface TaintEvictionOptions {
  readonly manager: Manager;
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly recorder: EventRecorder;
}

/**
 * When the pod must be evicted from a node with these taints: `now` for an untolerated NoExecute
 * taint, a later time for tolerations with tolerationSeconds, undefined for never.
 */
export function evictionTime(pod: Pod, taints: readonly Taint[], now: number): number | undefined {
  let at: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const matching = (pod.spec?.tolerations ?? []).filter((t) => tolerationToleratesTaint(t, taint));
    if (matching.length === 0) return now;
    if (matching.some((t) => t.tolerationSeconds === undefined || t.tolerationSeconds === null)) continue;
    const seconds = Math.min(...matching.map((t) => t.tolerationSeconds ?? 0));
    const added = parseTime(taint.timeAdded) ?? now;
    const when = added + Math.max(0, seconds) * 1000;
    at = at === undefined ? when : Math.min(at, when);
  }
  return at;
}

function hasNoExecuteTaint(node: Node): boolean {
  return (node.spec?.taints ?? []).some((t) => t.effect === 'NoExecute');
}

const taintId = (t: Taint): string => `${t.key}\u0000${t.value ?? ''}\u0000${t.effect}`;

export class TaintEvictionController implements Controller, Reconciler {
  readonly name = 'taint-eviction-controller';
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly queue: WorkQueue<string>;
  /**
   * Node name → NoExecute taints without timeAdded → when they were first seen. Without it such a
   * taint would count from "now" at every reconcile and a tolerationSeconds deadline would never come.
   */
  private readonly taintSeen = new Map<string, Map<string, number>>();
  private readonly workers: QueueWorkers;

  constructor(private readonly options: TaintEvictionOptions) {
    this.pods = options.manager.informers.informer(resources.pods, { nodeName: byNodeName });
    this.nodes = options.manager.informers.informer(resources.nodes);
    this.queue = new WorkQueue({ name: 'taint_eviction', clock: options.clock });
    this.workers = new QueueWorkers({
      queue: this.queue,
      reconciler: this,
      workers: 2,
      logger: this.options.logger,
    });
    this.pods.addHandlers({
      onAdd: (p) => this.enqueuePod(p),
      onUpdate: (o, p) => {
        if (o.spec?.nodeName !== p.spec?.nodeName || !deepEqual(o.spec?.tolerations, p.spec?.tolerations))
          this.enqueuePod(p);
      },
    });
    this.nodes.addHandlers({
      onAdd: (n) => {
        this.observeTaints(n);
        this.enqueueNode(n);
      },
      onUpdate: (o, n) => {
        if (deepEqual(o.spec?.taints, n.spec?.taints)) return;
        this.observeTaints(n);
        this.enqueueNode(n);
      },
      onDelete: (n) => this.taintSeen.delete(n.metadata?.name ?? ''),
    });
  }

  start(): void {
    this.workers.start();
  }

  async stop(): Promise<void> {
    await this.workers.stop();
  }

  /** Records when NoExecute taints without timeAdded first appeared on the node; forgets removed ones. */
  private observeTaints(node: Node): void {
    const name = node.metadata?.name ?? '';
    const before = this.taintSeen.get(name);
    const after = new Map<string, number>();
    for (const t of node.spec?.taints ?? []) {
      if (t.effect !== 'NoExecute' || t.timeAdded) continue;
      const id = taintId(t);
      after.set(id, before?.get(id) ?? this.options.clock.now());
    }
    if (after.size > 0) this.taintSeen.set(name, after);
    else this.taintSeen.delete(name);
  }

  /** The node's taints, those written without timeAdded stamped with when they were first seen. */
  private taintsOf(node: Node): Taint[] {
    const seen = this.taintSeen.get(node.metadata?.name ?? '');
    return (node.spec?.taints ?? []).map((t) => {
      const at = t.effect === 'NoExecute' && !t.timeAdded ? seen?.get(taintId(t)) : undefined;
      return at === undefined ? t : { ...t, timeAdded: new Date(at).toISOString() };
    });
  }

  /**
   * Queues a bound pod whose node (as cached) has a NoExecute taint: on any other node reconcile
   * finds nothing to evict. A taint that comes later queues the node's pods itself (enqueueNode),
   * and so does a node that appears later, so skipping here loses nothing.
   */
  private enqueuePod(p: Pod): void {
    const nodeName = p.spec?.nodeName;
    if (!nodeName || p.metadata?.deletionTimestamp) return;
    const node = this.nodes.get('', nodeName);
    if (!node || !hasNoExecuteTaint(node)) return;
    this.queue.add(objectKey(p));
  }

  private enqueueNode(n: Node): void {
    if (!hasNoExecuteTaint(n)) return;
    for (const p of this.pods.byIndex('nodeName', n.metadata?.name ?? '')) this.enqueuePod(p);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    if (!pod?.spec?.nodeName || pod.metadata?.deletionTimestamp) return;
    const node = this.nodes.get('', pod.spec.nodeName);
    if (!node) return;
    const now = this.options.clock.now();
    const at = evictionTime(pod, this.taintsOf(node), now);
    if (at === undefined) return;
    if (at > now) return { requeueAfter: at - now };
    this.options.recorder.event(
      pod,
      'Normal',
      'TaintManagerEviction',
      `Marking for deletion Pod ${namespace}/${name}`,
    );
    try {
      await this.options.client.delete(resources.pods, namespace, name, {
        preconditions: { uid: pod.metadata?.uid ?? '' },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
