/**
 * A continuous observer of one DaemonSet's rolling update (spec §4.1–§4.4). It watches pods and
 * the DaemonSet and, after every watch event and every step of the fake clock, checks the budgets
 * against a consistent snapshot of the store (watch events arrive asynchronously, so the store,
 * not the event, is the state that is judged). Violations are collected with the time, the step
 * of the scenario, the node and its pods; `violations` is read by the test.
 *
 * Fairness. The controller decides from its informer cache with the DaemonSet generation it last
 * saw, which can be older than the stored one. So every budget is computed over the *window* of
 * generations the controller may be acting on: from `status.observedGeneration` (as of the
 * previous evaluation: a sync writes it after its pod writes) up to `metadata.generation`. Within
 * the window the lenient value is used for each bound (largest budget, smallest minReadySeconds
 * when deciding that a node is unavailable) and the strict one when deciding that a pod the
 * controller removed or surged beside *was* available (largest minReadySeconds), so no check
 * blames the controller for what a still-valid older spec allowed.
 *
 * The invariants, for the desired nodes D (nodes where the DaemonSet should run):
 *
 * (1) maxUnavailable (§4.2, §4.3). U = nodes of D without a non-deleting available pod. A node
 *     enters U either *charged* — an available pod of it was deleted (the non-surge path deleting
 *     an old available pod) — or *exempt*: its pods were never available (first pod, replacement
 *     not ready yet), or the pod deleted was already unavailable (§4.3: replaced outside the
 *     budget). A charged node that is still unavailable when its (unavailable) pod is replaced
 *     becomes exempt from then on. A node keeps its episode until it is available again.
 *     (1a) When a charged episode starts, |U| ≤ maxUnavailable. This is §4.3 exactly: the
 *          non-surge path counts every unavailable node — replaced unavailable old pods included
 *          — before taking candidates, and deletes at most maxUnavailable − unavailable of them
 *          (both-zero fallback: 1; surge specs: 0, the surge path never takes a node's only
 *          available pod). (Older upstream releases did not count the replaced pods; only
 *          (1b) would hold for them.)
 *     (1b) At every observation, |U| ≤ maxUnavailable + |exempt nodes in U|, where
 *          maxUnavailable is the larger of the window's budget and the budget each still-open
 *          charged episode started under (shrinking the budget does not retroactively make
 *          earlier deletions wrong).
 * (2) Pods per node (§3.3, §3.7, §4.4). (2a) Never two non-deleting pods of one revision hash on
 *     a node. (2b) Once the controller has observed the current generation
 *     (observedGeneration ≥ generation), at most one non-deleting old pod and at most one new pod
 *     per node (before that, a template change can itself turn a new pod into a second old one;
 *     the next full sync removes the extra), and with a non-surge spec at most one pod.
 *     (2c) When a pod appears: its hash is one of the window's templates' hashes; with only
 *     non-surge specs in the window no other pod of the DaemonSet is on the node (a terminating
 *     pod blocks its replacement, §3.3); with surge at most one other non-deleting pod, of a
 *     different revision.
 * (3) maxSurge (§4.4). S = nodes of D with two non-deleting pods. A node enters S when a pod is
 *     created beside another; *charged* if that other pod was available (a surge candidate),
 *     *exempt* if it was not (§4.4: a node whose old pod is unavailable gets a new pod regardless
 *     of the budget). (3a) When a charged episode starts, the charged nodes in S ≤ maxSurge.
 *     (3b) At every observation |S| ≤ maxSurge + |exempt nodes in S| (maxSurge as in 1b).
 */
import type { DaemonSet, DaemonSetSpec } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../../src/api/resources.js';
import type { Client, ClientWatch } from '../../src/client/types.js';
import { computeHash } from '../../src/controllers/daemonset/hash.js';
import type { StoreReader } from '../../src/store/types.js';
import type { Clock } from '../../src/util/clock.js';
import {
  REVISION_HASH_LABEL,
  daemonPods,
  independentPlacement,
  isAvailable,
  isDeleting,
  isReady,
  targetNodeOf,
} from './daemonset-checks.js';

export interface Violation {
  /** Fake-clock time (ms since the epoch) of the first observation. */
  readonly at: number;
  /** The scenario step that was running (see {@link RolloutMonitor.step}). */
  readonly step: string;
  /** What triggered the evaluation: a watch event or a clock step. */
  readonly trigger: string;
  readonly invariant: string;
  readonly node?: string;
  readonly detail: string;
  /** The pods involved (or every pod of the DaemonSet by node). */
  readonly pods: string;
  /** How many evaluations in a row saw it. */
  count: number;
}

type IntOrString = number | string | undefined;

function scaled(v: IntOrString, total: number): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) throw new Error(`rollout monitor: bad IntOrString ${v}`);
  return Math.ceil((Number(m[1]) * total) / 100);
}

/** Spec §4.2: the two budgets for `desired` nodes (percentages round up; both zero → 1 unavailable). */
export function specBudgets(
  spec: DaemonSetSpec | undefined,
  desired: number,
): { maxUnavailable: number; maxSurge: number } {
  const s = spec?.updateStrategy;
  if ((s?.type ?? 'RollingUpdate') !== 'RollingUpdate') return { maxUnavailable: 0, maxSurge: 0 };
  const maxSurge = scaled(s?.rollingUpdate?.maxSurge, desired);
  let maxUnavailable = scaled(s?.rollingUpdate?.maxUnavailable, desired);
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxUnavailable, maxSurge };
}

interface PodView {
  readonly uid: string;
  readonly name: string;
  readonly hash: string;
  readonly deleting: boolean;
  /** Available with the window's smallest minReadySeconds. */
  readonly availLenient: boolean;
  /** Available with the window's largest minReadySeconds. */
  readonly availStrict: boolean;
  readonly text: string;
}

interface Snapshot {
  readonly observedGeneration: number;
  readonly byNode: ReadonlyMap<string, readonly PodView[]>;
  readonly uids: ReadonlySet<string>;
}

interface Episode {
  readonly charged: boolean;
  /** The budget in force when a charged episode started. */
  readonly budget: number;
  readonly since: number;
}

interface Window {
  readonly lo: number;
  readonly hi: number;
  readonly maxUnavailable: number;
  readonly maxSurge: number;
  readonly anySurge: boolean;
  readonly minReadyMin: number;
  readonly minReadyMax: number;
  readonly hashes: ReadonlySet<string>;
  readonly text: string;
}

const fmtBudget = (spec: DaemonSetSpec | undefined): string => {
  const r = spec?.updateStrategy?.rollingUpdate;
  return `maxUnavailable=${r?.maxUnavailable ?? '-'} maxSurge=${r?.maxSurge ?? '-'} minReadySeconds=${spec?.minReadySeconds ?? 0}`;
};

export class RolloutMonitor {
  readonly violations: Violation[] = [];
  /** Label of the running scenario step, copied into violations. */
  step = 'start';
  evaluations = 0;
  private readonly open = new Map<string, Violation>();
  private readonly specs = new Map<number, DaemonSetSpec>();
  private readonly hashCache = new Map<number, string>();
  private prev: Snapshot | undefined;
  private readonly unavailable = new Map<string, Episode>();
  private readonly surging = new Map<string, Episode>();
  private watches: ClientWatch[] = [];
  private readonly start: number;

  constructor(
    private readonly store: StoreReader,
    private readonly clock: Clock,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.start = clock.now();
  }

  /** Subscribes to pods and DaemonSets of the namespace; evaluates after every event. */
  async watch(client: Client): Promise<void> {
    const onClose = (err?: unknown): void => {
      this.add('watch', 'watch', undefined, `a watch closed: ${String(err)}`, '');
    };
    this.watches.push(
      await client.watch<Pod>(
        resources.pods,
        { namespace: this.namespace },
        {
          onEvent: (ev) => this.evaluate(`pod ${ev.type} ${ev.object.metadata?.name ?? ''}`),
          onClose,
        },
      ),
      await client.watch<DaemonSet>(
        resources.daemonsets,
        { namespace: this.namespace },
        {
          onEvent: (ev) => {
            if (ev.object.metadata?.name !== this.name) return;
            this.recordSpec(ev.object);
            this.evaluate(`daemonset ${ev.type} generation ${ev.object.metadata?.generation ?? 0}`);
          },
          onClose,
        },
      ),
    );
  }

  stop(): void {
    for (const w of this.watches) w.stop();
    this.watches = [];
  }

  /** Remembers the spec of a generation (also called by the test right after each write). */
  recordSpec(ds: DaemonSet): void {
    const gen = ds.metadata?.generation ?? 0;
    if (ds.spec && !this.specs.has(gen)) this.specs.set(gen, structuredClone(ds.spec));
  }

  private seconds(t: number): string {
    return `t=${((t - this.start) / 1000).toFixed(1)}s`;
  }

  /** Records a violation; `context` (the budgets in force) is not part of the dedupe key. */
  private add(
    trigger: string,
    invariant: string,
    node: string | undefined,
    detail: string,
    pods: string,
    context = '',
  ): void {
    const key = `${invariant}\u0000${node ?? ''}\u0000${detail}`;
    const existing = this.open.get(key);
    if (existing) {
      existing.count++;
      return;
    }
    const v: Violation = {
      at: this.clock.now(),
      step: this.step,
      trigger,
      invariant,
      ...(node !== undefined ? { node } : {}),
      detail: context ? `${detail} (${context})` : detail,
      pods,
      count: 1,
    };
    this.open.set(key, v);
    this.violations.push(v);
  }

  /** One line per violation: time, step, trigger, invariant, node, detail, pods. */
  describe(v: Violation): string {
    return (
      `${this.seconds(v.at)} during "${v.step}" after ${v.trigger}: ${v.invariant}` +
      `${v.node ? ` on ${v.node}` : ''}: ${v.detail}${v.pods ? ` — pods: ${v.pods}` : ''}` +
      `${v.count > 1 ? ` (seen ${v.count} times)` : ''}`
    );
  }

  private hashOf(gen: number, spec: DaemonSetSpec, collisionCount: number | undefined): string {
    const cached = this.hashCache.get(gen);
    if (cached !== undefined) return cached;
    const h = computeHash(spec.template, collisionCount);
    this.hashCache.set(gen, h);
    return h;
  }

  private window(ds: DaemonSet, desired: number): Window {
    const hi = ds.metadata?.generation ?? 1;
    const observed = ds.status?.observedGeneration ?? 0;
    const lo = Math.max(1, Math.min(observed, this.prev?.observedGeneration ?? observed, hi));
    let maxUnavailable = 0;
    let maxSurge = 0;
    let anySurge = false;
    let minReadyMin = Infinity;
    let minReadyMax = 0;
    const hashes = new Set<string>();
    const texts: string[] = [];
    for (let g = lo; g <= hi; g++) {
      const spec = g === hi ? ds.spec : this.specs.get(g);
      if (!spec) continue;
      const b = specBudgets(spec, desired);
      maxUnavailable = Math.max(maxUnavailable, b.maxUnavailable);
      maxSurge = Math.max(maxSurge, b.maxSurge);
      anySurge ||= b.maxSurge > 0;
      const mr = spec.minReadySeconds ?? 0;
      minReadyMin = Math.min(minReadyMin, mr);
      minReadyMax = Math.max(minReadyMax, mr);
      hashes.add(this.hashOf(g, spec, ds.status?.collisionCount));
      texts.push(`gen ${g}: ${fmtBudget(spec)} → ${b.maxUnavailable} unavailable / ${b.maxSurge} surge`);
    }
    return {
      lo,
      hi,
      maxUnavailable,
      maxSurge,
      anySurge,
      minReadyMin: minReadyMin === Infinity ? 0 : minReadyMin,
      minReadyMax,
      hashes,
      text: texts.join('; '),
    };
  }

  /** Checks every invariant against the store as it is now. */
  evaluate(trigger: string): void {
    const ds = this.store.get(resources.daemonsets, this.namespace, this.name);
    if (!ds?.spec) return;
    this.evaluations++;
    this.recordSpec(ds);
    const now = this.clock.now();
    const nodes = this.store.list(resources.nodes).items;
    const desired = new Set(
      nodes.filter((n) => independentPlacement(n, ds).shouldRun).map((n) => n.metadata?.name ?? ''),
    );
    const w = this.window(ds, desired.size);
    const hashNow = this.hashOf(ds.metadata?.generation ?? 1, ds.spec, ds.status?.collisionCount);
    const synced = (ds.status?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 1);
    const currentSurge = specBudgets(ds.spec, desired.size).maxSurge > 0;

    const byNode = new Map<string, PodView[]>();
    const uids = new Set<string>();
    for (const p of daemonPods(this.store, ds)) {
      const terminal = p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
      if (terminal && isDeleting(p)) continue;
      const node = targetNodeOf(p) ?? '<none>';
      const hash = p.metadata?.labels?.[REVISION_HASH_LABEL] ?? '';
      const deleting = isDeleting(p);
      const availLenient = !deleting && isAvailable(p, w.minReadyMin, now);
      const availStrict = !deleting && isAvailable(p, w.minReadyMax, now);
      const uid = p.metadata?.uid ?? '';
      uids.add(uid);
      const view: PodView = {
        uid,
        name: p.metadata?.name ?? '',
        hash,
        deleting,
        availLenient,
        availStrict,
        text:
          `${p.metadata?.name}[${hash === hashNow ? 'new' : 'old'} ${hash}` +
          `${deleting ? ' deleting' : ''}${availLenient ? ' available' : isReady(p) ? ' ready' : ' unready'}]`,
      };
      byNode.set(node, [...(byNode.get(node) ?? []), view]);
    }
    const podsText = (node: string): string =>
      `${node}: ${(byNode.get(node) ?? []).map((p) => p.text).join(', ') || 'none'}`;
    const allText = (set: Iterable<string>): string => [...set].sort().map(podsText).join('; ');
    const prevByNode = this.prev?.byNode;

    // (2) pods per node.
    for (const [node, pods] of byNode) {
      const live = pods.filter((p) => !p.deleting);
      const perHash = new Map<string, number>();
      for (const p of live) perHash.set(p.hash, (perHash.get(p.hash) ?? 0) + 1);
      for (const [h, n] of perHash)
        if (n > 1)
          this.add(
            trigger,
            '(2a) one pod per revision',
            node,
            `${n} non-deleting pods of ${h}`,
            podsText(node),
          );
      if (synced) {
        const old = live.filter((p) => p.hash !== hashNow);
        if (old.length > 1 || live.length > 2)
          this.add(
            trigger,
            '(2b) one new and one old pod',
            node,
            `${live.length} non-deleting pods (${old.length} old) after the controller observed generation ${ds.metadata?.generation}`,
            podsText(node),
          );
        if (!currentSurge && w.lo === w.hi && live.length > 1)
          this.add(
            trigger,
            '(2b) one pod without surge',
            node,
            `${live.length} non-deleting pods with ${fmtBudget(ds.spec)}`,
            podsText(node),
          );
      }
      // (2c) pods that appeared since the last evaluation.
      if (!this.prev) continue;
      const before = prevByNode?.get(node) ?? [];
      for (const p of pods) {
        if (this.prev.uids.has(p.uid)) continue;
        if (!w.hashes.has(p.hash))
          this.add(
            trigger,
            '(2c) created from the current template',
            node,
            `${p.name} has hash ${p.hash}, not one of the window's templates ${[...w.hashes].join(', ')}`,
            podsText(node),
            w.text,
          );
        const others = before.filter((o) => uids.has(o.uid));
        if (!w.anySurge && others.length > 0)
          this.add(
            trigger,
            '(2c) no pod beside another without surge',
            node,
            `${p.name} was created while ${others.map((o) => o.name).join(', ')} still existed`,
            podsText(node),
            w.text,
          );
        const liveOthers = others.filter((o) => !o.deleting && live.some((x) => x.uid === o.uid));
        if (w.anySurge && (liveOthers.length > 1 || liveOthers.some((o) => o.hash === p.hash)))
          this.add(
            trigger,
            '(2c) surge adds one new pod beside one old',
            node,
            `${p.name} was created beside ${liveOthers.map((o) => o.name).join(', ')}`,
            podsText(node),
          );
      }
    }

    // (1) unavailable nodes.
    const unavailableNow = new Set(
      [...desired].filter((n) => !(byNode.get(n) ?? []).some((p) => p.availLenient)),
    );
    let chargedStart: string | undefined;
    for (const node of unavailableNow) {
      const removed = (prevByNode?.get(node) ?? []).filter(
        (o) => !o.deleting && !(byNode.get(node) ?? []).some((p) => p.uid === o.uid && !p.deleting),
      );
      const episode = this.unavailable.get(node);
      if (episode) {
        // Already unavailable: a pod removed now was not available, so it was replaced outside
        // the budget (§4.3) and the node counts as exempt from here on.
        if (episode.charged && removed.length > 0) this.unavailable.set(node, { ...episode, charged: false });
        continue;
      }
      const charged = removed.some((o) => o.availStrict);
      if (charged) chargedStart = node;
      this.unavailable.set(node, { charged, budget: w.maxUnavailable, since: now });
    }
    for (const node of [...this.unavailable.keys()])
      if (!unavailableNow.has(node)) this.unavailable.delete(node);
    if (chargedStart !== undefined && unavailableNow.size > w.maxUnavailable)
      this.add(
        trigger,
        '(1a) maxUnavailable when deleting an available pod',
        chargedStart,
        `an available pod was deleted while ${unavailableNow.size} nodes are unavailable > maxUnavailable ${w.maxUnavailable}`,
        allText(unavailableNow),
        w.text,
      );
    {
      const episodes = [...this.unavailable.values()];
      const exempt = episodes.filter((e) => !e.charged).length;
      const budget = Math.max(w.maxUnavailable, ...episodes.filter((e) => e.charged).map((e) => e.budget));
      if (unavailableNow.size > budget + exempt)
        this.add(
          trigger,
          '(1b) unavailable ≤ maxUnavailable + exempt',
          undefined,
          `${unavailableNow.size} unavailable nodes > maxUnavailable ${budget} + ${exempt} exempt`,
          allText(unavailableNow),
          w.text,
        );
    }

    // (3) surging nodes.
    const surgingNow = new Set(
      [...desired].filter((n) => (byNode.get(n) ?? []).filter((p) => !p.deleting).length >= 2),
    );
    let surgeStart: string | undefined;
    for (const node of surgingNow) {
      if (this.surging.has(node)) continue;
      const before = prevByNode?.get(node) ?? [];
      const live = (byNode.get(node) ?? []).filter((p) => !p.deleting);
      const beside = before.filter((o) => !o.deleting && live.some((p) => p.uid === o.uid));
      const charged = beside.some((o) => o.availStrict);
      if (charged) surgeStart = node;
      this.surging.set(node, { charged, budget: w.maxSurge, since: now });
    }
    for (const node of [...this.surging.keys()]) if (!surgingNow.has(node)) this.surging.delete(node);
    {
      const episodes = [...this.surging.entries()];
      const charged = episodes.filter(([, e]) => e.charged);
      if (surgeStart !== undefined && charged.length > w.maxSurge)
        this.add(
          trigger,
          '(3a) maxSurge when surging beside an available pod',
          surgeStart,
          `${charged.length} nodes surge beside an available pod > maxSurge ${w.maxSurge}`,
          allText(charged.map(([n]) => n)),
          w.text,
        );
      const exempt = episodes.length - charged.length;
      const budget = Math.max(w.maxSurge, ...charged.map(([, e]) => e.budget));
      if (surgingNow.size > budget + exempt)
        this.add(
          trigger,
          '(3b) surging ≤ maxSurge + exempt',
          undefined,
          `${surgingNow.size} nodes with two pods > maxSurge ${budget} + ${exempt} exempt`,
          allText(surgingNow),
          w.text,
        );
    }

    this.prev = { observedGeneration: ds.status?.observedGeneration ?? 0, byNode, uids };
  }
}
