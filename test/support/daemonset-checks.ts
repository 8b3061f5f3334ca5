/**
 * Checks on a running cluster for DaemonSet scenarios, in the style of upstream's e2e framework
 * (test/e2e/framework/daemonset): which pods a DaemonSet controls, whether one available pod runs
 * on every node that should run one (`checkRunningOnAllNodes`), and an independent recount of the
 * status counters from pods and nodes (spec §5) — written from the spec, not from the controller,
 * so the two can disagree. Checks answer with a problem description (or undefined when fine) so
 * `untilOk` can report why a condition never held.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type {
  Node,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Pod,
  Taint,
  Toleration,
} from 'kubernetes-types/core/v1.js';
import { resources } from '../../src/api/resources.js';
import type { StoreReader } from '../../src/store/types.js';
import { nodeShouldRunDaemonPod } from '../../src/controllers/daemonset/placement.js';
import type { FakeClock } from '../../src/util/clock.js';

export const REVISION_HASH_LABEL = 'controller-revision-hash';
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

// ---------------------------------------------------------------------------------------------
// Pods of a DaemonSet

/** Whether `obj` is controlled by the DaemonSet with `uid`. */
export function isControlledBy(obj: Pod | ControllerRevision, uid: string | undefined): boolean {
  const ref = (obj.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
  return ref !== undefined && ref.kind === 'DaemonSet' && ref.uid === uid;
}

/** Every pod (deleting or not) the DaemonSet controls, by name. */
export function daemonPods(store: StoreReader, ds: DaemonSet): Pod[] {
  return store
    .list(resources.pods, { namespace: ds.metadata?.namespace ?? '' })
    .items.filter((p) => isControlledBy(p, ds.metadata?.uid));
}

/** `spec.nodeName`, else the single `metadata.name In [x]` matchFields value the controller pins with. */
export function targetNodeOf(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms)
    for (const f of t.matchFields ?? [])
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  return undefined;
}

export const isDeleting = (p: Pod): boolean => p.metadata?.deletionTimestamp !== undefined;

export function isReady(p: Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Available with minReadySeconds (spec §4.1). */
export function isAvailable(p: Pod, minReadySeconds: number, now: number): boolean {
  const ready = (p.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(ready.lastTransitionTime ?? '');
  return !Number.isNaN(since) && since + minReadySeconds * 1000 < now;
}

/** The current revision: the ControllerRevision of the DaemonSet with the highest `revision`. */
export function currentRevision(store: StoreReader, ds: DaemonSet): ControllerRevision | undefined {
  const revs = store
    .list(resources.controllerrevisions, { namespace: ds.metadata?.namespace ?? '' })
    .items.filter((r) => isControlledBy(r, ds.metadata?.uid));
  return revs.sort((a, b) => b.revision - a.revision)[0];
}

export function currentHash(store: StoreReader, ds: DaemonSet): string | undefined {
  return currentRevision(store, ds)?.metadata?.labels?.[REVISION_HASH_LABEL];
}

/** Updated (spec §4.1): the hash label, or the template-generation label, matches. */
export function isUpdated(p: Pod, ds: DaemonSet, hash: string | undefined): boolean {
  const labels = p.metadata?.labels ?? {};
  if (hash && labels[REVISION_HASH_LABEL] === hash) return true;
  const gen = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return gen !== undefined && labels[TEMPLATE_GENERATION_LABEL] === gen;
}

// ---------------------------------------------------------------------------------------------
// Placement, written again from spec §2 for cross-checking

const AUTO_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return (t.operator ?? 'Equal') === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}

function requirementHolds(r: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(v ?? '');
    case 'NotIn':
      return !has || !(r.values ?? []).includes(v ?? '');
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      throw new Error(`independentPlacement: operator ${r.operator} not modelled`);
  }
}

function termHolds(t: NodeSelectorTerm, node: Node): boolean {
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  const name = node.metadata?.name ?? '';
  return (
    exprs.every((r) => requirementHolds(r, labels)) &&
    fields.every((f) => requirementHolds({ ...f, key: 'name' }, { name }))
  );
}

/**
 * spec §2.2 over nodeName, nodeSelector, required node affinity (In, NotIn, Exists,
 * DoesNotExist; metadata.name fields) and NoSchedule/NoExecute taints with the automatic
 * tolerations (hostNetwork is not modelled).
 */
export function independentPlacement(
  node: Node,
  ds: DaemonSet,
): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = ds.spec?.template.spec;
  if (spec?.nodeName && spec.nodeName !== node.metadata?.name)
    return { shouldRun: false, shouldContinueRunning: false };
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {}))
    if (labels[k] !== v) return { shouldRun: false, shouldContinueRunning: false };
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !required.nodeSelectorTerms.some((t) => termHolds(t, node)))
    return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = [...(spec?.tolerations ?? []), ...AUTO_TOLERATIONS];
  const untolerated = (node.spec?.taints ?? []).filter(
    (t) =>
      (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerations.some((x) => tolerates(x, t)),
  );
  return {
    shouldRun: untolerated.length === 0,
    shouldContinueRunning: !untolerated.some((t) => t.effect === 'NoExecute'),
  };
}

// ---------------------------------------------------------------------------------------------
// Status recount (spec §5)

export interface Counters {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  numberAvailable: number;
  updatedNumberScheduled: number;
  numberUnavailable: number;
}

export const COUNTER_NAMES = [
  'desiredNumberScheduled',
  'currentNumberScheduled',
  'numberMisscheduled',
  'numberReady',
  'numberAvailable',
  'updatedNumberScheduled',
  'numberUnavailable',
] as const;

/** Upstream's keep order: bound first, then older, then by name. */
export function keepOrder(a: Pod, b: Pod): number {
  const ab = a.spec?.nodeName ? 0 : 1;
  const bb = b.spec?.nodeName ? 0 : 1;
  if (ab !== bb) return ab - bb;
  const at = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const bt = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (at !== bt) return at - bt;
  const an = a.metadata?.name ?? '';
  const bn = b.metadata?.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/**
 * The DaemonSet's pods grouped by target node, as status counts them: pods that are terminal and
 * being deleted are left out, pods being deleted gracefully stay in.
 */
export function podsByNode(pods: readonly Pod[]): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const p of pods) {
    const terminal = p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
    if (terminal && isDeleting(p)) continue;
    const node = targetNodeOf(p);
    if (node === undefined) continue;
    out.set(node, [...(out.get(node) ?? []), p]);
  }
  return out;
}

/** The seven counters recounted from the pods the DaemonSet controls and the node list. */
export function recountStatus(
  ds: DaemonSet,
  nodes: readonly Node[],
  pods: readonly Pod[],
  hash: string | undefined,
  now: number,
): Counters {
  const byNode = podsByNode(pods);
  const c: Counters = {
    desiredNumberScheduled: 0,
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    numberAvailable: 0,
    updatedNumberScheduled: 0,
    numberUnavailable: 0,
  };
  for (const node of nodes) {
    const onNode = byNode.get(node.metadata?.name ?? '') ?? [];
    if (!independentPlacement(node, ds).shouldRun) {
      if (onNode.length > 0) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    const first = [...onNode].sort(keepOrder)[0];
    if (!first) continue;
    c.currentNumberScheduled++;
    if (isReady(first)) {
      c.numberReady++;
      if (isAvailable(first, ds.spec?.minReadySeconds ?? 0, now)) c.numberAvailable++;
    }
    if (isUpdated(first, ds, hash)) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}

/** The counters as the DaemonSet's status reports them (absent = 0). */
export function statusCounters(ds: DaemonSet): Counters {
  const s = ds.status;
  return {
    desiredNumberScheduled: s?.desiredNumberScheduled ?? 0,
    currentNumberScheduled: s?.currentNumberScheduled ?? 0,
    numberMisscheduled: s?.numberMisscheduled ?? 0,
    numberReady: s?.numberReady ?? 0,
    numberAvailable: s?.numberAvailable ?? 0,
    updatedNumberScheduled: s?.updatedNumberScheduled ?? 0,
    numberUnavailable: s?.numberUnavailable ?? 0,
  };
}

/** `desiredNumberScheduled 3 ≠ 2; numberReady …`, or undefined when equal. */
export function diffCounters(
  label: string,
  actual: Readonly<Counters>,
  expected: Readonly<Counters>,
): string | undefined {
  const diffs = COUNTER_NAMES.filter((k) => actual[k] !== expected[k]).map(
    (k) => `${k} ${actual[k]} (expected ${expected[k]})`,
  );
  return diffs.length > 0 ? `${label}: ${diffs.join(', ')}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// Upstream e2e helpers

/** Names of the nodes where the DaemonSet should run a pod (nodeShouldRunDaemonPod). */
export function schedulableNodeNames(store: StoreReader, ds: DaemonSet): string[] {
  return store
    .list(resources.nodes)
    .items.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun)
    .map((n) => n.metadata?.name ?? '');
}

/**
 * checkDaemonPodOnNodes: exactly one available, non-deleting pod controlled by the DaemonSet on
 * each of `nodeNames`, and no available pod anywhere else.
 */
export function checkRunningOnNodes(
  store: StoreReader,
  ds: DaemonSet,
  nodeNames: readonly string[],
  now = Date.now(),
): string | undefined {
  const count = new Map<string, string[]>();
  for (const p of daemonPods(store, ds)) {
    if (isDeleting(p) || !isAvailable(p, ds.spec?.minReadySeconds ?? 0, now)) continue;
    const node = p.spec?.nodeName ?? '<unbound>';
    count.set(node, [...(count.get(node) ?? []), p.metadata?.name ?? '']);
  }
  const problems: string[] = [];
  for (const n of nodeNames) {
    const pods = count.get(n) ?? [];
    if (pods.length !== 1)
      problems.push(`node ${n} has ${pods.length} available daemon pods [${pods.join(', ')}]`);
  }
  for (const [n, pods] of count)
    if (!nodeNames.includes(n)) problems.push(`node ${n} should have no pod but runs [${pods.join(', ')}]`);
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/** CheckRunningOnAllNodes: {@link checkRunningOnNodes} on every node where shouldRun holds. */
export function checkRunningOnAllNodes(
  store: StoreReader,
  ds: DaemonSet,
  now = Date.now(),
): string | undefined {
  const current = store.get(resources.daemonsets, ds.metadata?.namespace ?? '', ds.metadata?.name ?? '');
  if (!current) return 'the DaemonSet is gone';
  return checkRunningOnNodes(store, current, schedulableNodeNames(store, current), now);
}

/** No pod of the DaemonSet that is not being deleted. */
export function checkNoDaemonPods(store: StoreReader, ds: DaemonSet): string | undefined {
  const live = daemonPods(store, ds).filter((p) => !isDeleting(p));
  return live.length > 0
    ? `daemon pods still live: ${live.map((p) => `${p.metadata?.name} on ${targetNodeOf(p)}`).join(', ')}`
    : undefined;
}

/**
 * CheckDaemonStatus, stricter than upstream's (which only fails when desired ≠ current AND
 * desired ≠ ready): all of desired, current, ready, available and updated equal `expected`,
 * nothing misscheduled, and the status is for the current generation.
 */
export function checkDaemonStatus(store: StoreReader, ds: DaemonSet, expected: number): string | undefined {
  const d = store.get(resources.daemonsets, ds.metadata?.namespace ?? '', ds.metadata?.name ?? '');
  if (!d) return 'the DaemonSet is gone';
  const s = statusCounters(d);
  const want: Counters = {
    desiredNumberScheduled: expected,
    currentNumberScheduled: expected,
    numberMisscheduled: 0,
    numberReady: expected,
    numberAvailable: expected,
    updatedNumberScheduled: expected,
    numberUnavailable: 0,
  };
  const diff = diffCounters('status', s, want);
  if (diff) return diff;
  if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0))
    return `observedGeneration ${d.status?.observedGeneration} < generation ${d.metadata?.generation}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Waiting

export interface UntilOkOptions {
  /** Real milliseconds. Default 5,000. */
  readonly timeoutMs?: number;
  readonly what?: string;
  /** Advance this fake clock by `stepMs` (default 1,000) between polls. */
  readonly clock?: FakeClock;
  readonly stepMs?: number;
}

/** Polls `check` until it reports no problem; on timeout fails with the last problem it reported. */
export async function untilOk(check: () => string | undefined, options: UntilOkOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  for (;;) {
    const problem = check();
    if (problem === undefined) return;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${options.what ?? 'condition'}: ${problem}`);
    if (options.clock) options.clock.advance(options.stepMs ?? 1_000);
    await new Promise((r) => setTimeout(r, options.clock ? 1 : 5));
  }
}
