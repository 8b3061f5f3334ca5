/**
 * Beyond upstream: what a sync needs about one DaemonSet, kept up to date per event instead of
 * recomputed from every pod and every node at every sync. Upstream (and the reference path in
 * status.ts / manage.ts) claims all pods, groups them by node, then walks every node for the
 * status and for manage(); on 5,000 nodes that is milliseconds per sync even when one pod changed.
 *
 * The view holds the DaemonSet's owned pods grouped by target node, and per node a few bits (the
 * node's share of each status counter, and whether manage() has anything to consider there). Pod
 * events are staged by the informer handlers and applied when a sync calls {@link refreshPods};
 * node events mark nodes dirty; {@link settle} recomputes only the dirty nodes, or every node when
 * the DaemonSet's generation or revision changed. Between those calls nothing moves, so each phase
 * of a sync sees a stable picture, as with a claim.
 *
 * Adoption and release still go through the API (see claim.ts); the view only tracks pods whose
 * controller reference names this DaemonSet. Counters that depend on the clock (minReadySeconds)
 * are left to the reference computation.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Selector } from '../../api/labels.js';
import { getTargetNodeName } from '../../api/scheduling.js';
import type { NodeToDaemonPods } from './manage.js';
import { groupPodsByNode } from './manage.js';
import { nodeShouldRunDaemonPod, placementPod, placementsFor } from './placement.js';
import { computeStatus } from './status.js';
import { RU, planFromView, planRollingUpdate, rollingUpdateBits } from './update.js';
import type { DaemonSetCounters } from './status.js';
import {
  comparePodsForKeep,
  isPodReady,
  isPodUpdated,
  isSettled,
  isTerminalPod,
  templateGeneration as templateGenerationOf,
} from './util.js';

// A node's bits: its share of the status counters, and what manage() must look at.
const DESIRED = 1;
const CURRENT = 2;
const MISSCHEDULED = 4;
const READY = 8;
const UPDATED = 16;
/** manage() may act here: not exactly one settled pod on an eligible node, or pods where none belong. */
const UNSETTLED = 32;
/** Pods target a node that is not in the cache. */
const MISSING = 64;

interface PodRecord {
  readonly pod: Pod;
  /** The labels match the selector (else the pod is to be released). */
  readonly matching: boolean;
  /** The node it is grouped under; undefined when not grouped (see {@link groupedUnder}). */
  readonly node: string | undefined;
}

/** How a count with flag `bit` changes when a node's bits go from `before` to `after`: -1, 0 or 1. */
function delta(before: number, after: number, bit: number): number {
  return (after & bit ? 1 : 0) - (before & bit ? 1 : 0);
}

/** groupPodsByNode's rule: terminal pods being deleted are left out, as are pods with no target. */
function groupedUnder(pod: Pod): string | undefined {
  if (isTerminalPod(pod) && pod.metadata?.deletionTimestamp) return undefined;
  return getTargetNodeName(pod);
}

export class DaemonSetView {
  private readonly records = new Map<string, PodRecord>();
  /** Owned, matching pods by target node (groupPodsByNode(claimed, false) of the reference path). */
  readonly byNode: NodeToDaemonPods = new Map();
  /** Owned pods whose labels no longer match: to release. */
  private readonly unmatched = new Set<string>();
  /** Pod changes since the last refresh: name → latest object, or null when gone or no longer owned. */
  private readonly staged = new Map<string, Pod | null>();
  private readonly dirty = new Set<string>();
  private readonly bits = new Map<string, number>();
  /** Nodes where manage() must look at the pods (the ones below aside). */
  private readonly unsettledNodes = new Set<string>();
  /** Eligible nodes without a pod: manage() creates one there, nothing else. */
  private readonly emptyNodes = new Set<string>();
  /** Per node, its rolling-update bits (RU in update.ts); per bit, how many nodes have it. */
  private readonly rolling = new Map<string, number>();
  private readonly rollingCounts = new Map<number, number>();
  /** For the bits that name nodes to act on: the nodes. */
  private readonly rollingSets = new Map<number, Set<string>>(ACTION_BITS.map((b) => [b, new Set<string>()]));
  private readonly missingNodes = new Set<string>();
  private desired = 0;
  private current = 0;
  private misscheduled = 0;
  private ready = 0;
  private updated = 0;
  /** Live matching pods not of the current revision (the rolling update's only subjects). */
  private outdated = 0;
  /** What the bits were computed for: DaemonSet generation, revision hash, template generation. */
  private basis = '';
  private hash = '';
  private templateGeneration: number | undefined;

  constructor(
    readonly uid: string,
    readonly namespace: string,
    private readonly selector: Selector,
    owned: Iterable<Pod>,
  ) {
    for (const pod of owned) this.apply(pod.metadata?.name ?? '', this.accepts(pod) ? pod : null);
  }

  private accepts(pod: Pod): boolean {
    return pod.metadata?.namespace === this.namespace;
  }

  /**
   * Informer handlers: a pod's latest state; `owned` false when it is gone or no longer names this
   * DaemonSet as its controller. Pods of other namespaces are never this DaemonSet's.
   */
  stagePod(pod: Pod, owned: boolean): void {
    if (!this.accepts(pod)) return;
    this.staged.set(pod.metadata?.name ?? '', owned ? pod : null);
  }

  /** Informer handlers: the node was added, changed or removed. */
  nodeChanged(name: string): void {
    this.dirty.add(name);
  }

  /** Applies the staged pod changes; true if there were any. */
  refreshPods(): boolean {
    if (this.staged.size === 0) return false;
    for (const [name, pod] of this.staged) this.apply(name, pod);
    this.staged.clear();
    return true;
  }

  private isOutdated(rec: PodRecord): boolean {
    return (
      rec.matching &&
      !rec.pod.metadata?.deletionTimestamp &&
      !isPodUpdated(rec.pod, this.hash, this.templateGeneration)
    );
  }

  private apply(name: string, pod: Pod | null): void {
    const old = this.records.get(name);
    if (old?.pod === pod) return;
    const matching = pod !== null && this.selector.matches(pod.metadata?.labels);
    const rec: PodRecord | undefined = pod
      ? { pod, matching, node: matching ? groupedUnder(pod) : undefined }
      : undefined;
    if (old && rec && this.replaceInPlace(name, old, rec)) return;
    if (old) {
      this.records.delete(name);
      if (!old.matching) this.unmatched.delete(name);
      if (this.isOutdated(old)) this.outdated--;
      if (old.node !== undefined) {
        const list = (this.byNode.get(old.node) ?? []).filter((p) => p !== old.pod);
        if (list.length > 0) this.byNode.set(old.node, list);
        else this.byNode.delete(old.node);
        this.dirty.add(old.node);
      }
    }
    if (!rec) return;
    this.records.set(name, rec);
    if (!rec.matching) this.unmatched.add(name);
    if (this.isOutdated(rec)) this.outdated++;
    if (rec.node !== undefined) {
      this.byNode.set(rec.node, [...(this.byNode.get(rec.node) ?? []), rec.pod]);
      this.dirty.add(rec.node);
    }
  }

  /**
   * A new version of a node's only pod that changes nothing the node's bits read (where it is,
   * whether it matches, is deleting, terminal, Ready, updated): it takes the old one's place and
   * the node stays clean. Most pod updates are such (a binding to the node it targeted).
   */
  private replaceInPlace(name: string, old: PodRecord, rec: PodRecord): boolean {
    if (old.node === undefined || !old.matching || !rec.matching || rec.node !== old.node) return false;
    const list = this.byNode.get(old.node);
    if (list?.length !== 1 || list[0] !== old.pod) return false;
    const was = old.pod;
    const pod = rec.pod;
    if (
      Boolean(was.metadata?.deletionTimestamp) !== Boolean(pod.metadata?.deletionTimestamp) ||
      isTerminalPod(was) !== isTerminalPod(pod) ||
      isPodReady(was) !== isPodReady(pod) ||
      isPodUpdated(was, this.hash, this.templateGeneration) !==
        isPodUpdated(pod, this.hash, this.templateGeneration)
    ) {
      return false;
    }
    this.records.set(name, rec);
    this.byNode.set(old.node, [pod]);
    return true;
  }

  /** Owned pods whose labels no longer match the selector. */
  unmatchedPods(): Pod[] {
    const out: Pod[] = [];
    for (const name of this.unmatched) {
      const rec = this.records.get(name);
      if (rec) out.push(rec.pod);
    }
    return out;
  }

  /** The claimed pods: owned and matching (terminal pods being deleted included). */
  claimedPods(): Pod[] {
    const out: Pod[] = [];
    for (const rec of this.records.values()) if (rec.matching) out.push(rec.pod);
    return out;
  }

  hasOutdatedPod(): boolean {
    return this.outdated > 0;
  }

  /**
   * Brings the per-node bits up to date for `ds` at revision `hash`: the dirty nodes only, or all
   * of them (plus every node with pods) when the DaemonSet's generation or revision changed.
   */
  settle(
    ds: DaemonSet,
    nodes: readonly Node[],
    hash: string,
    templateGeneration: number | undefined,
    getNode: (name: string) => Node | undefined,
  ): void {
    const basis = `${ds.metadata?.generation ?? 0}/${hash}/${templateGeneration ?? ''}`;
    if (basis !== this.basis) {
      this.basis = basis;
      this.hash = hash;
      this.templateGeneration = templateGeneration;
      this.outdated = 0;
      for (const rec of this.records.values()) if (this.isOutdated(rec)) this.outdated++;
      this.bits.clear();
      this.rolling.clear();
      this.rollingCounts.clear();
      for (const set of this.rollingSets.values()) set.clear();
      this.unsettledNodes.clear();
      this.emptyNodes.clear();
      this.missingNodes.clear();
      this.desired = this.current = this.misscheduled = this.ready = this.updated = 0;
      this.dirty.clear();
      const sim = placementPod(ds);
      for (const node of nodes) this.recompute(node.metadata?.name ?? '', node, ds, sim);
      for (const name of this.byNode.keys())
        if (!this.bits.has(name)) this.recompute(name, getNode(name), ds, sim);
      return;
    }
    if (this.dirty.size === 0) return;
    const sim = placementPod(ds);
    for (const name of this.dirty) this.recompute(name, getNode(name), ds, sim);
    this.dirty.clear();
  }

  /** `sim` is placementPod(ds), built once per settle for the nodes whose decision is not memoised. */
  private recompute(name: string, node: Node | undefined, ds: DaemonSet, sim: Pod): void {
    const shouldRun = node !== undefined && nodeShouldRunDaemonPod(node, ds, sim).shouldRun;
    const pods = this.byNode.get(name);
    this.recomputeRolling(
      name,
      rollingUpdateBits(
        pods ?? [],
        pods !== undefined || shouldRun,
        shouldRun,
        this.hash,
        this.templateGeneration,
      ),
    );
    const before = this.bits.get(name) ?? 0;
    const after = node === undefined ? (pods ? MISSING : 0) : this.nodeBits(pods, shouldRun);
    if (before === after) return;
    if (after === 0) this.bits.delete(name);
    else this.bits.set(name, after);
    this.desired += delta(before, after, DESIRED);
    this.current += delta(before, after, CURRENT);
    this.misscheduled += delta(before, after, MISSCHEDULED);
    this.ready += delta(before, after, READY);
    this.updated += delta(before, after, UPDATED);
    const empty = (after & DESIRED) !== 0 && (after & CURRENT) === 0;
    if (after & UNSETTLED && !empty) this.unsettledNodes.add(name);
    else this.unsettledNodes.delete(name);
    if (empty) this.emptyNodes.add(name);
    else this.emptyNodes.delete(name);
    if (after & MISSING) this.missingNodes.add(name);
    else this.missingNodes.delete(name);
  }

  private recomputeRolling(name: string, after: number): void {
    const before = this.rolling.get(name) ?? 0;
    if (before === after) return;
    if (after === 0) this.rolling.delete(name);
    else this.rolling.set(name, after);
    for (let bit = 1; bit <= (before | after); bit <<= 1) {
      const was = (before & bit) !== 0;
      const is = (after & bit) !== 0;
      if (was === is) continue;
      this.rollingCounts.set(bit, (this.rollingCounts.get(bit) ?? 0) + (is ? 1 : -1));
      const set = this.rollingSets.get(bit);
      if (is) set?.add(name);
      else set?.delete(name);
    }
  }

  /** computeStatus and decideAll's per-node rules, for a node in the cache and its pods. */
  private nodeBits(pods: readonly Pod[] | undefined, shouldRun: boolean): number {
    if (!shouldRun) return pods ? MISSCHEDULED | UNSETTLED : 0;
    if (!pods) return DESIRED | UNSETTLED;
    let bits = DESIRED | CURRENT;
    if (pods.length !== 1 || !isSettled(pods[0])) bits |= UNSETTLED;
    const first = pods.length === 1 ? pods[0] : [...pods].sort(comparePodsForKeep)[0];
    if (first) {
      if (isPodReady(first)) bits |= READY;
      if (isPodUpdated(first, this.hash, this.templateGeneration)) bits |= UPDATED;
    }
    return bits;
  }

  /**
   * The status counters as of the last {@link settle}. Only valid without minReadySeconds (then
   * available = ready); with it, availability depends on the clock and the caller recounts.
   */
  counters(): DaemonSetCounters {
    return {
      desiredNumberScheduled: this.desired,
      currentNumberScheduled: this.current,
      numberMisscheduled: this.misscheduled,
      numberReady: this.ready,
      numberAvailable: this.ready,
      updatedNumberScheduled: this.updated,
      numberUnavailable: this.desired - this.ready,
    };
  }

  /**
   * The first `limit` eligible nodes without a pod, in name order: manage() creates at most a
   * burst per sync, so a new DaemonSet on thousands of nodes need not list them all every sync.
   */
  emptyDesired(nodes: readonly Node[], limit: number): string[] {
    return inNameOrder(this.emptyNodes, nodes, limit);
  }

  /** Nodes (in the cache) where manage() must look at the pods, in name order. */
  unsettled(nodes: readonly Node[]): Node[] {
    const out: Node[] = [];
    for (const name of inNameOrder(this.unsettledNodes, nodes)) {
      const node = nodes[indexOf(nodes, name)];
      if (node?.metadata?.name === name) out.push(node);
    }
    return out;
  }

  /**
   * Whether {@link planFromView} may plan the rolling update: availability must not depend on
   * the clock, and every node with pods must be in the cache (the bits know nothing of others).
   */
  canPlanRollingUpdate(ds: DaemonSet): boolean {
    return (ds.spec?.minReadySeconds ?? 0) <= 0 && this.missingNodes.size === 0;
  }

  desiredCount(): number {
    return this.desired;
  }

  rollingCount(bit: number): number {
    return this.rollingCounts.get(bit) ?? 0;
  }

  rollingNodes(bit: number, nodes: readonly Node[], limit = Infinity): string[] {
    return inNameOrder(this.rollingSets.get(bit) ?? new Set<string>(), nodes, limit);
  }

  /** Unbound pods that target nodes no longer in the cache (unscheduledPodsWithoutNode). */
  podsWithoutNode(): Pod[] {
    const out: Pod[] = [];
    for (const name of this.missingNodes) {
      for (const pod of this.byNode.get(name) ?? []) if (!pod.spec?.nodeName) out.push(pod);
    }
    return out;
  }
}

/** The bits of RU that name nodes to act on (the others are only counted). */
const ACTION_BITS = [
  RU.deleteUnavailableOld,
  RU.candidateOld,
  RU.deleteOld,
  RU.newNow,
  RU.shouldNotRunOld,
  RU.candidateNew,
];

/**
 * The first `limit` names of `set` in name order, `nodes` being the name-sorted node list: a few
 * names are sorted, many are picked out of the list (a name not in the list is left out then).
 */
function inNameOrder(set: ReadonlySet<string>, nodes: readonly Node[], limit = Infinity): string[] {
  if (set.size === 0 || limit <= 0) return [];
  if (set.size * 8 < nodes.length) return [...set].sort().slice(0, limit);
  const out: string[] = [];
  for (const node of nodes) {
    if (out.length >= limit) break;
    const name = node.metadata?.name ?? '';
    if (set.has(name)) out.push(name);
  }
  return out;
}

/** Binary search in a name-sorted node list: the index where `name` is or would be. */
function indexOf(nodes: readonly Node[], name: string): number {
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((nodes[mid]?.metadata?.name ?? '') < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Test aid (EVERYNODE_CHECK_VIEWS=1): compares a settled view with the reference computation from
 * the claimed pods and every node — grouping, counters, and the nodes manage() must visit — and
 * crashes the process on any difference, so a test run cannot miss it.
 */
export function checkView(
  view: DaemonSetView,
  ds: DaemonSet,
  nodes: readonly Node[],
  hash: string,
  now: number,
): void {
  const reference = groupPodsByNode(view.claimedPods(), false);
  const problems: string[] = [];
  const names = (pods: readonly Pod[] | undefined): string =>
    (pods ?? [])
      .map((p) => p.metadata?.name ?? '')
      .sort()
      .join(',');
  for (const node of new Set([...reference.keys(), ...view.byNode.keys()])) {
    if (names(reference.get(node)) !== names(view.byNode.get(node)))
      problems.push(
        `pods on ${node}: view [${names(view.byNode.get(node))}], reference [${names(reference.get(node))}]`,
      );
  }
  if ((ds.spec?.minReadySeconds ?? 0) <= 0) {
    const want = computeStatus(ds, nodes, reference, hash, now);
    const got = view.counters();
    for (const k of Object.keys(want) as (keyof DaemonSetCounters)[]) {
      if (want[k] !== got[k]) problems.push(`${k}: view ${got[k]}, reference ${want[k]}`);
    }
  }
  const vector = placementsFor(nodes, ds);
  const unsettled = new Set([
    ...view.unsettled(nodes).map((n) => n.metadata?.name ?? ''),
    ...view.emptyDesired(nodes, Infinity),
  ]);
  nodes.forEach((node, i) => {
    const name = node.metadata?.name ?? '';
    const pods = reference.get(name);
    const p = vector[i];
    const settled = p?.shouldRun === true && pods?.length === 1 && isSettled(pods[0]);
    const idle = !p?.shouldRun && pods === undefined;
    if (!settled && !idle && !unsettled.has(name))
      problems.push(`node ${name} needs a decision but is not unsettled`);
  });
  const outdated = view
    .claimedPods()
    .some((p) => !p.metadata?.deletionTimestamp && !isPodUpdated(p, hash, templateGenerationOf(ds)));
  if (outdated !== view.hasOutdatedPod())
    problems.push(`outdated: view ${view.hasOutdatedPod()}, reference ${outdated}`);
  if (
    (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' &&
    view.canPlanRollingUpdate(ds)
  ) {
    const podNames = (pods: readonly Pod[]): string => pods.map((p) => p.metadata?.name ?? '').join(',');
    try {
      const want = planRollingUpdate(ds, nodes, reference, hash, now);
      const got = planFromView(ds, view, nodes, hash);
      if (podNames(want.podsToDelete) !== podNames(got.podsToDelete))
        problems.push(
          `rolling update deletes: view [${podNames(got.podsToDelete)}], reference [${podNames(want.podsToDelete)}]`,
        );
      if (want.nodesNeedingPods.join(',') !== got.nodesNeedingPods.join(','))
        problems.push(
          `rolling update creates: view [${got.nodesNeedingPods.join(',')}], reference [${want.nodesNeedingPods.join(',')}]`,
        );
    } catch {
      // An invalid budget: both paths throw the same error.
    }
  }
  if (problems.length > 0) {
    const err = new Error(
      `DaemonSet view of ${ds.metadata?.namespace ?? ''}/${ds.metadata?.name ?? ''} is wrong:\n  ${problems.join('\n  ')}`,
    );
    setImmediate(() => {
      throw err;
    });
  }
}
