/**
 * The DaemonSet controller, laid out as upstream's pkg/controller/daemon: event handlers only turn
 * events into keys; syncDaemonSet loads state, checks expectations, runs manage (and the update
 * strategy), cleans history and writes status last.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { resources, splitKey } from '../../api/resources.js';
import type { KubeObject } from '../../api/resources.js';
import { labelSelectorAsSelector } from '../../api/labels.js';
import type { Client } from '../../client/types.js';
import type { Informer } from '../../client/informer.js';
import { byControllerUID, byNodeName } from '../../client/informer.js';
import type { EventRecorder } from '../../client/events.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { WorkQueueMetrics } from '../../client/workqueue.js';
import type { Controller, Manager } from '../../controller/manager.js';
import type { Reconciler } from '../../controller/reconcile.js';
import type { WorkerStats } from '../../controller/worker.js';
import { QueueWorkers } from '../../controller/worker.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import { errorMessage } from '../../util/log.js';
import { deepEqual } from '../../util/objects.js';
import { Backoff } from './backoff.js';
import { AdoptionGate, claimObjects, controllerRef, orphansByNamespace, releaseAndAdopt } from './claim.js';
import type { DaemonSetContext } from './context.js';
import {
  BURST_REPLICAS,
  CONTROLLER_UID_INDEX,
  ORPHAN_NAMESPACE_INDEX,
  POD_NODE_INDEX,
  dsKey,
} from './context.js';
import { ControllerExpectations } from './expectations.js';
import { cleanupHistory, constructHistory } from './history.js';
import { decideAll, decideFromView, failedPodsBackoffKey, groupPodsByNode } from './manage.js';
import { explainDaemonSet } from './explain.js';
import type { NodeExplanation } from './explain.js';
import type { NodeToDaemonPods } from './manage.js';
import { nodeShouldRunDaemonPod } from './placement.js';
import { NodeDecisionReporter } from './node-events.js';
import { updateDaemonSetStatus } from './status.js';
import type { DaemonSetCounters } from './status.js';
import { DaemonSetView, checkView } from './view.js';
import { syncNodes } from './sync-nodes.js';
import { planFromView, rollingUpdate } from './update.js';
import { isPodReady, isPodUpdated, templateGeneration } from './util.js';

export const BACKOFF_GC_INTERVAL_MS = 60_000;
/** Pacing of syncs of one DaemonSet (see DaemonSetsController.enqueue). */
export const SYNC_PAUSE_FACTOR = 3;
export const MAX_SYNC_PAUSE_MS = 250;
/** The shortest pause after a sync on the real clock: a burst of pod events waits for one sync. */
export const MIN_SYNC_PAUSE_MS = 5;
/** How often a pacing pause checks whether the event loop went idle (see DaemonSetsController.pace). */
const IDLE_PROBE_MS = 2;
/** A DaemonSet synced within this window counts as busy for the pacing budget. */
const BUSY_WINDOW_MS = 1000;

export interface DaemonSetsControllerOptions {
  readonly manager: Manager;
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly recorder: EventRecorder;
  /** Concurrent syncs (`--concurrent-daemonset-syncs`). Default 2. */
  readonly workers?: number;
  /** Maximum creates or deletes per sync. Default 250. */
  readonly burstReplicas?: number;
  readonly metrics?: WorkQueueMetrics;
  /** Called after each sync with its key, duration in ms and error (undefined on success). */
  readonly observeSync?: (key: string, ms: number, err: unknown) => void;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(errorMessage(err));
}

function isEmptySelector(s: LabelSelector | undefined): boolean {
  return (
    s !== undefined &&
    Object.keys(s.matchLabels ?? {}).length === 0 &&
    (s.matchExpressions ?? []).length === 0
  );
}

/** Node updates that only move heartbeats (same set of True conditions) carry no decision. */
export function shouldIgnoreNodeUpdate(oldNode: Node, curNode: Node): boolean {
  const trueTypes = (n: Node): string =>
    (n.status?.conditions ?? [])
      .filter((c) => c.status === 'True')
      .map((c) => c.type)
      .sort()
      .join(',');
  if (trueTypes(oldNode) !== trueTypes(curNode)) return false;
  const strip = (n: Node): unknown => ({
    ...n,
    metadata: { ...n.metadata, resourceVersion: undefined, managedFields: undefined },
    status: { ...n.status, conditions: undefined },
  });
  return deepEqual(strip(oldNode), strip(curNode));
}

export class DaemonSetsController implements Controller, Reconciler {
  readonly name = 'daemonset';
  readonly queue: WorkQueue<string>;
  readonly expectations: ControllerExpectations;
  readonly failedPodsBackoff: Backoff;
  readonly stats: WorkerStats = { syncs: 0, errors: 0, terminalErrors: 0 };
  private readonly ctx: DaemonSetContext;
  private readonly dsInformer: Informer<DaemonSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly nodeInformer: Informer<Node>;
  private readonly revisionInformer: Informer<ControllerRevision>;
  private readonly nodeReporter: NodeDecisionReporter;
  private readonly workers: QueueWorkers;
  private gcTimer: TimerHandle | undefined;
  /** The node cache in name order, kept up to date by the node handlers. */
  private readonly sortedNodes = new NodesByName();
  /** Per DaemonSet key: the time before which a new sync is not started (see {@link enqueue}). */
  private readonly notBefore = new Map<string, number>();
  /** When each recently synced DaemonSet's last sync ended (for the shared pacing budget). */
  private readonly lastSyncEnd = new Map<string, number>();
  /** Keys waiting out a pacing pause: released at once when the event loop goes idle. */
  private readonly paced = new Set<string>();
  private idleProbe: TimerHandle | undefined;
  /** Per DaemonSet UID: its incremental view and the selector it was built for. */
  private readonly views = new Map<string, { readonly selector: string; readonly view: DaemonSetView }>();
  /** Cross-check every view against the reference computation (EVERYNODE_CHECK_VIEWS=1, tests). */
  private readonly checkView = process.env['EVERYNODE_CHECK_VIEWS'] === '1';

  constructor(private readonly options: DaemonSetsControllerOptions) {
    const { manager, clock } = options;
    this.dsInformer = manager.informers.informer(resources.daemonsets);
    this.podInformer = manager.informers.informer(resources.pods, {
      [POD_NODE_INDEX]: byNodeName,
      [CONTROLLER_UID_INDEX]: byControllerUID,
      [ORPHAN_NAMESPACE_INDEX]: orphansByNamespace,
    });
    this.nodeInformer = manager.informers.informer(resources.nodes);
    this.revisionInformer = manager.informers.informer(resources.controllerrevisions, {
      [CONTROLLER_UID_INDEX]: byControllerUID,
      [ORPHAN_NAMESPACE_INDEX]: orphansByNamespace,
    });
    this.queue = new WorkQueue<string>({
      name: 'daemonset',
      clock,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    this.workers = new QueueWorkers({
      queue: this.queue,
      reconciler: this,
      workers: this.options.workers ?? 2,
      logger: this.options.logger,
      stats: this.stats,
      ...(this.options.observeSync ? { observe: this.options.observeSync } : {}),
    });
    this.expectations = new ControllerExpectations(clock);
    this.failedPodsBackoff = new Backoff(clock);
    this.nodeReporter = new NodeDecisionReporter(options.recorder);
    this.ctx = {
      client: options.client,
      clock,
      logger: options.logger,
      recorder: options.recorder,
      expectations: this.expectations,
      failedPodsBackoff: this.failedPodsBackoff,
      daemonSets: this.dsInformer,
      pods: this.podInformer,
      nodes: this.nodeInformer,
      revisions: this.revisionInformer,
      burstReplicas: options.burstReplicas ?? BURST_REPLICAS,
      statusWrites: new Map(),
      enqueueAfter: (ds, ms) => this.queue.addAfter(dsKey(ds), ms),
    };
    this.dsInformer.addHandlers({
      onAdd: (ds) => this.enqueue(ds),
      onUpdate: (old, cur) => {
        if (old.metadata?.uid !== cur.metadata?.uid) this.onDaemonSetDelete(old);
        this.enqueue(cur);
      },
      onDelete: (ds) => this.onDaemonSetDelete(ds),
    });
    this.podInformer.addHandlers({
      onAdd: (p) => this.stagePod(undefined, p),
      onUpdate: (o, p) => this.stagePod(o, p),
      onDelete: (p) => this.stagePod(p, undefined),
    });
    this.podInformer.addHandlers({
      onAdd: (p) => this.onPodAdd(p),
      onUpdate: (o, p) => this.onPodUpdate(o, p),
      onDelete: (p) => this.onPodDelete(p),
    });
    this.nodeInformer.addHandlers({
      onAdd: (n) => {
        this.sortedNodes.put(n);
        this.nodeChanged(n);
        this.onNodeAdd(n);
      },
      onUpdate: (o, n) => {
        this.sortedNodes.put(n);
        this.onNodeUpdate(o, n);
      },
      onDelete: (n) => {
        this.sortedNodes.remove(n);
        this.nodeChanged(n);
        this.onNodeDelete(n);
      },
    });
    this.revisionInformer.addHandlers({
      onAdd: (r) => this.onRevisionAdd(r),
      onUpdate: (o, r) => this.onRevisionUpdate(o, r),
      onDelete: (r) => this.onRevisionDelete(r),
    });
  }

  start(): void {
    this.workers.start();
    const gc = (): void => {
      this.failedPodsBackoff.gc();
      this.gcTimer = this.options.clock.setTimeout(gc, BACKOFF_GC_INTERVAL_MS);
    };
    this.gcTimer = this.options.clock.setTimeout(gc, BACKOFF_GC_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    this.gcTimer?.cancel();
    this.idleProbe?.cancel();
    await this.workers.stop();
  }

  async reconcile(key: string): Promise<void> {
    const clock = this.options.clock;
    const started = clock.now();
    // Syncs take well under a millisecond: timed with the clock's precise reading when it has
    // one. A fake clock (tests) does not move during a sync: no pause then.
    const startedPrecise = clock.precise?.();
    this.paced.delete(key);
    try {
      await this.syncDaemonSet(key);
    } finally {
      const ended = clock.now();
      const took =
        startedPrecise !== undefined && clock.precise ? clock.precise() - startedPrecise : ended - started;
      this.lastSyncEnd.set(key, ended);
      // DaemonSets syncing at the same time share the budget: with k of them busy, each waits k
      // times longer, so the controller as a whole stays near 1 / (1 + SYNC_PAUSE_FACTOR) of a core.
      let busy = 0;
      for (const [k, at] of this.lastSyncEnd) {
        if (ended - at <= BUSY_WINDOW_MS) busy++;
        else this.lastSyncEnd.delete(k);
      }
      const pause =
        took > 0
          ? Math.min(MAX_SYNC_PAUSE_MS, Math.max(MIN_SYNC_PAUSE_MS, SYNC_PAUSE_FACTOR * busy * took))
          : 0;
      if (pause > 0) this.notBefore.set(key, ended + pause);
      else this.notBefore.delete(key);
    }
  }

  /** The DaemonSets in the informer cache, for metrics (shared cache objects: never mutate them). */
  daemonSets(): readonly DaemonSet[] {
    return this.dsInformer.list();
  }

  // -------------------------------------------------------------------------------------------
  // Event handlers (spec §3.1)

  /**
   * Queues a sync without pacing: a node that joins, leaves or changes eligibility is new work
   * (a pod to create or remove) whose latency matters; the queue still coalesces a burst.
   */
  private enqueueNow(ds: DaemonSet): void {
    this.queue.add(dsKey(ds));
  }

  /**
   * Queues a sync of the DaemonSet. Pacing (everynode's addition): after a sync that took t ms, the
   * next sync of the same DaemonSet starts no sooner than SYNC_PAUSE_FACTOR × k × t later, k being
   * the number of DaemonSets synced in the last second (at least MIN_SYNC_PAUSE_MS on the real
   * clock, at most MAX_SYNC_PAUSE_MS; see {@link reconcile}), so a burst of pod events is handled
   * by one sync instead of one each, and DaemonSets on thousands of nodes take a bounded share of
   * the CPU while their pods churn. An idle DaemonSet is synced at once, a pause ends early when
   * the event loop goes idle ({@link pace}), and node events are not paced ({@link enqueueNow}).
   */
  private enqueue(ds: DaemonSet): void {
    const key = dsKey(ds);
    const notBefore = this.notBefore.get(key);
    const wait = notBefore === undefined ? 0 : notBefore - this.options.clock.now();
    if (wait > 0) {
      this.queue.addAfter(key, wait);
      this.pace(key);
    } else this.queue.add(key);
  }

  /**
   * A pause is there to share the CPU with the rest of the system and to gather a burst of
   * events into one sync; once nothing else wants the CPU it only delays. While keys wait, a
   * probe every IDLE_PROBE_MS reads the event loop's idle time, and releases them all once the
   * loop was idle for half the probe's interval (on clocks that can tell: the real one). A key
   * whose last sync failed keeps its back-off: the queue does not expedite it.
   */
  private pace(key: string): void {
    const clock = this.options.clock;
    if (!clock.idleMs) return;
    this.paced.add(key);
    if (!this.idleProbe) this.armIdleProbe(clock.idleMs());
  }

  private armIdleProbe(idleBefore: number): void {
    const clock = this.options.clock;
    this.idleProbe = clock.setTimeout(() => {
      this.idleProbe = undefined;
      const idle = clock.idleMs?.() ?? idleBefore;
      if (idle - idleBefore >= IDLE_PROBE_MS / 2) {
        for (const key of this.paced) this.queue.expedite(key);
        this.paced.clear();
      } else if (this.paced.size > 0) this.armIdleProbe(idle);
    }, IDLE_PROBE_MS);
  }

  private onDaemonSetDelete(ds: DaemonSet): void {
    const key = dsKey(ds);
    this.nodeReporter.forget(ds.metadata?.uid ?? '');
    this.views.delete(ds.metadata?.uid ?? '');
    this.expectations.deleteExpectations(key);
    this.ctx.statusWrites.delete(key);
    this.notBefore.delete(key);
    this.lastSyncEnd.delete(key);
    this.paced.delete(key);
    this.queue.add(key);
  }

  /** The DaemonSet a controller reference points to, if it exists with that UID. */
  private resolveControllerRef(namespace: string, obj: KubeObject): DaemonSet | undefined {
    const ref = controllerRef(obj);
    if (!ref || ref.kind !== 'DaemonSet') return undefined;
    const ds = this.dsInformer.get(namespace, ref.name);
    return ds && ds.metadata?.uid === ref.uid ? ds : undefined;
  }

  /** DaemonSets in the object's namespace whose non-empty selector matches its labels. */
  private daemonSetsSelecting(obj: KubeObject): DaemonSet[] {
    const ns = obj.metadata?.namespace ?? '';
    const labels = obj.metadata?.labels;
    if (!labels || Object.keys(labels).length === 0) return [];
    return this.dsInformer.list().filter((ds) => {
      if (ds.metadata?.namespace !== ns) return false;
      const sel = labelSelectorAsSelector(ds.spec?.selector);
      return !sel.isEverything() && sel.matches(labels);
    });
  }

  private onPodAdd(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      this.onPodDelete(pod);
      return;
    }
    const ns = pod.metadata?.namespace ?? '';
    if (controllerRef(pod)) {
      const ds = this.resolveControllerRef(ns, pod);
      if (!ds) return;
      this.expectations.creationObserved(dsKey(ds));
      this.enqueue(ds);
      return;
    }
    for (const ds of this.daemonSetsSelecting(pod)) this.enqueue(ds);
  }

  private onPodUpdate(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    if (cur.metadata?.deletionTimestamp) {
      this.onPodDelete(cur);
      return;
    }
    const ns = cur.metadata?.namespace ?? '';
    const curRef = controllerRef(cur);
    const refChanged = this.enqueueFormerOwner(ns, old, cur);
    if (curRef) {
      const ds = this.resolveControllerRef(ns, cur);
      if (!ds) return;
      this.enqueue(ds);
      const minReady = ds.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur))
        this.queue.addAfter(dsKey(ds), minReady * 1000 + 1000);
      return;
    }
    if (!deepEqual(old.metadata?.labels, cur.metadata?.labels) || refChanged) {
      for (const ds of this.daemonSetsSelecting(cur)) this.enqueue(ds);
    }
  }

  /** If the controller reference changed, enqueues the former owner; returns whether it changed. */
  private enqueueFormerOwner(ns: string, old: KubeObject, cur: KubeObject): boolean {
    const oldRef = controllerRef(old);
    const refChanged = !deepEqual(controllerRef(cur), oldRef);
    if (refChanged && oldRef) {
      const oldDs = this.resolveControllerRef(ns, old);
      if (oldDs) this.enqueue(oldDs);
    }
    return refChanged;
  }

  private onPodDelete(pod: Pod): void {
    const ds = this.resolveControllerRef(pod.metadata?.namespace ?? '', pod);
    if (!ds) return;
    this.expectations.deletionObserved(dsKey(ds));
    this.enqueue(ds);
  }

  /** A node joined: DaemonSets that should run there need a pod. */
  private onNodeAdd(node: Node): void {
    for (const ds of this.dsInformer.list()) {
      if (nodeShouldRunDaemonPod(node, ds).shouldRun) this.enqueueNow(ds);
    }
  }

  /** Only DaemonSets whose decision for this node changed are synced; heartbeats are ignored. */
  private onNodeUpdate(old: Node, cur: Node): void {
    // A heartbeat cannot change a placement: the views keep the node's bits.
    if (shouldIgnoreNodeUpdate(old, cur)) return;
    this.nodeChanged(cur);
    for (const ds of this.dsInformer.list()) {
      const a = nodeShouldRunDaemonPod(old, ds);
      const b = nodeShouldRunDaemonPod(cur, ds);
      if (a.shouldRun !== b.shouldRun || a.shouldContinueRunning !== b.shouldContinueRunning)
        this.enqueueNow(ds);
    }
  }

  /**
   * A node left: DaemonSets that counted it (desired) or have pods there must refresh their status
   * (upstream has no handler here and leaves the count stale until a pod event arrives).
   */
  private onNodeDelete(node: Node): void {
    const name = node.metadata?.name ?? '';
    const owners = new Set(this.podInformer.byIndex(POD_NODE_INDEX, name).map((p) => controllerRef(p)?.uid));
    for (const ds of this.dsInformer.list()) {
      if (owners.has(ds.metadata?.uid) || nodeShouldRunDaemonPod(node, ds).shouldRun) this.enqueueNow(ds);
    }
  }

  private onRevisionAdd(rev: ControllerRevision): void {
    if (rev.metadata?.deletionTimestamp) {
      this.onRevisionDelete(rev);
      return;
    }
    if (controllerRef(rev)) return; // owned: nothing to do until it changes
    for (const ds of this.daemonSetsSelecting(rev)) this.enqueue(ds);
  }

  private onRevisionUpdate(old: ControllerRevision, cur: ControllerRevision): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const ns = cur.metadata?.namespace ?? '';
    const curRef = controllerRef(cur);
    const refChanged = this.enqueueFormerOwner(ns, old, cur);
    if (curRef) {
      const ds = this.resolveControllerRef(ns, cur);
      if (ds) this.enqueue(ds);
      return;
    }
    if (!deepEqual(old.metadata?.labels, cur.metadata?.labels) || refChanged) {
      for (const ds of this.daemonSetsSelecting(cur)) this.enqueue(ds);
    }
  }

  private onRevisionDelete(rev: ControllerRevision): void {
    const ds = this.resolveControllerRef(rev.metadata?.namespace ?? '', rev);
    if (ds) this.enqueue(ds);
  }

  // -------------------------------------------------------------------------------------------
  // syncDaemonSet (spec §3.2)

  /** Nodes in a deterministic order (by name). */
  private listNodes(): readonly Node[] {
    return this.sortedNodes.list();
  }

  /**
   * Explains every node for a DaemonSet from this controller's caches, including failed-pod
   * back-offs only the controller knows. Undefined when the DaemonSet is not in the cache.
   */
  explain(namespace: string, name: string): NodeExplanation[] | undefined {
    const ds = this.dsInformer.get(namespace, name);
    if (!ds) return undefined;
    const pods = this.podInformer.list().filter((p) => p.metadata?.namespace === namespace);
    return explainDaemonSet(ds, this.nodeInformer.list(), pods, {
      now: this.options.clock.now(),
      backoffUntil: (node) => {
        const key = failedPodsBackoffKey(ds, node);
        return this.failedPodsBackoff.isInBackOffSinceUpdate(key)
          ? this.failedPodsBackoff.until(key)
          : undefined;
      },
    });
  }

  /**
   * getNodesToDaemonPods: claims the DaemonSet's pods (adopting and releasing) and groups them by
   * target node; terminal pods being deleted only with `includeDeletedTerminal`.
   */
  async getNodesToDaemonPods(ds: DaemonSet, includeDeletedTerminal: boolean): Promise<NodeToDaemonPods> {
    const pods = await claimObjects(
      this.ctx,
      ds,
      resources.pods,
      this.podInformer,
      new AdoptionGate(this.ctx, ds),
    );
    return groupPodsByNode(pods, includeDeletedTerminal);
  }

  /** This DaemonSet's incremental view, built from the cache on first use (see view.ts). */
  private viewFor(ds: DaemonSet): DaemonSetView {
    const uid = ds.metadata?.uid ?? '';
    const selector = JSON.stringify(ds.spec?.selector ?? {});
    let entry = this.views.get(uid);
    // The selector is immutable in apps/v1; a view is rebuilt should it change anyway.
    if (!entry || entry.selector !== selector) {
      const view = new DaemonSetView(
        uid,
        ds.metadata?.namespace ?? '',
        labelSelectorAsSelector(ds.spec?.selector),
        this.podInformer.byIndex(CONTROLLER_UID_INDEX, uid),
      );
      this.views.set(uid, (entry = { selector, view }));
    }
    return entry.view;
  }

  /** Stages a pod change in the views of its former and current owner. */
  private stagePod(old: Pod | undefined, cur: Pod | undefined): void {
    const oldUid = old ? controllerRef(old)?.uid : undefined;
    const curUid = cur ? controllerRef(cur)?.uid : undefined;
    if (old && oldUid !== undefined && oldUid !== curUid) this.views.get(oldUid)?.view.stagePod(old, false);
    if (cur && curUid !== undefined) this.views.get(curUid)?.view.stagePod(cur, true);
  }

  private nodeChanged(node: Node): void {
    const name = node.metadata?.name ?? '';
    for (const { view } of this.views.values()) view.nodeChanged(name);
  }

  async syncDaemonSet(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ds = this.dsInformer.get(namespace, name);
    if (!ds) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const nodes = this.listNodes();
    if (isEmptySelector(ds.spec?.selector)) {
      this.options.recorder.event(
        ds,
        'Warning',
        'SelectingAll',
        'This daemon set is selecting all pods. A non-empty selector is required.',
      );
      return;
    }
    if (ds.metadata?.deletionTimestamp) return;

    const ctx = this.ctx;
    const gate = new AdoptionGate(ctx, ds);
    // The claim: the view holds the owned pods; release and adoption go through the API.
    const view = this.viewFor(ds);
    view.refreshPods();
    const adopted = await releaseAndAdopt(
      ctx,
      ds,
      resources.pods,
      this.podInformer,
      gate,
      view.unmatchedPods(),
    );
    const claimedPods = (): Pod[] => {
      const own = view.claimedPods();
      if (adopted.length === 0) return own;
      const names = new Set(own.map((p) => p.metadata?.name));
      return [...own, ...adopted.filter((p) => !names.has(p.metadata?.name))];
    };
    // A sync that adopted pods takes the reference path (claimed list, every node): the view
    // sees the adopted pods only once their update arrives. Otherwise the view answers.
    const exact = adopted.length === 0;
    let grouped: NodeToDaemonPods | undefined;
    const podsByNode = (): NodeToDaemonPods =>
      exact ? view.byNode : (grouped ??= groupPodsByNode(claimedPods(), false));
    const history = await constructHistory(ctx, ds, gate, () => Promise.resolve(claimedPods()));
    const hash = history.hash;
    const gen = templateGeneration(ds);
    // Each phase reads the cache afresh once earlier phases wrote: as upstream, the rolling update
    // and the status see the pods manage() just created or deleted when the cache already does.
    const refresh = (): void => {
      if (view.refreshPods()) grouped = undefined;
      view.settle(ds, this.listNodes(), hash, gen, (n) => this.nodeInformer.get('', n));
      if (this.checkView && exact) checkView(view, ds, this.listNodes(), hash, this.options.clock.now());
    };
    const counters = (): DaemonSetCounters | undefined => (exact ? view.counters() : undefined);
    refresh();

    if (!this.expectations.satisfiedExpectations(key)) {
      await updateDaemonSetStatus(ctx, ds, nodes, podsByNode(), hash, false, counters());
      return;
    }

    let manageError: unknown;
    try {
      const decision = exact
        ? decideFromView(ctx, ds, nodes, view, hash)
        : decideAll(ctx, ds, nodes, podsByNode(), hash);
      this.nodeReporter.report(ds, nodes, decision.placements, podsByNode());
      await syncNodes(ctx, ds, decision.podsToDelete, decision.nodesNeedingPods, hash);
      if (decision.podsToDelete.length + decision.nodesNeedingPods.length > 0) refresh();
      if (this.expectations.satisfiedExpectations(key)) {
        // The rolling update only ever acts on outdated pods: none, nothing to plan.
        const type = ds.spec?.updateStrategy?.type ?? 'RollingUpdate';
        const outdated = exact ? view.hasOutdatedPod() : hasOutdatedPod(claimedPods(), hash, gen);
        if (type === 'RollingUpdate' && outdated) {
          const planned =
            exact && view.canPlanRollingUpdate(ds)
              ? planFromView(ds, view, this.listNodes(), hash)
              : undefined;
          if (await rollingUpdate(ctx, ds, nodes, podsByNode(), hash, planned)) refresh();
        }
      }
      await cleanupHistory(ctx, ds, history, () => Promise.resolve(claimedPods()));
    } catch (err) {
      manageError = err;
    }

    let statusError: unknown;
    try {
      refresh();
      await updateDaemonSetStatus(ctx, ds, nodes, podsByNode(), hash, true, counters());
    } catch (err) {
      statusError = err;
      if (manageError !== undefined)
        this.options.logger.warn({ ds: key, err: errorMessage(err) }, 'failed to update status');
    }
    if (manageError !== undefined) throw asError(manageError);
    if (statusError !== undefined) throw asError(statusError);
  }
}

/** Whether any live pod is not of the current template (the only pods a rolling update touches). */
function hasOutdatedPod(pods: readonly Pod[], hash: string, generation: number | undefined): boolean {
  return pods.some((p) => !p.metadata?.deletionTimestamp && !isPodUpdated(p, hash, generation));
}

/**
 * Nodes sorted by name, maintained per event (binary search; an update replaces in place), so a
 * sync under node churn does not sort thousands of nodes again. `list()` hands out a snapshot that
 * later events do not change.
 */
class NodesByName {
  private nodes: Node[] = [];
  private snapshot: readonly Node[] | undefined;

  private find(name: string): { index: number; found: boolean } {
    let lo = 0;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const n = this.nodes[mid]?.metadata?.name ?? '';
      if (n < name) lo = mid + 1;
      else hi = mid;
    }
    return { index: lo, found: this.nodes[lo]?.metadata?.name === name };
  }

  private writable(): Node[] {
    if (this.snapshot === this.nodes) this.nodes = [...this.nodes];
    this.snapshot = undefined;
    return this.nodes;
  }

  put(node: Node): void {
    const { index, found } = this.find(node.metadata?.name ?? '');
    const nodes = this.writable();
    if (found) nodes[index] = node;
    else nodes.splice(index, 0, node);
  }

  remove(node: Node): void {
    const { index, found } = this.find(node.metadata?.name ?? '');
    if (found) this.writable().splice(index, 1);
  }

  list(): readonly Node[] {
    this.snapshot = this.nodes;
    return this.nodes;
  }
}
