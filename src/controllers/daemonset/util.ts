/**
 * DaemonSet helpers of upstream's pkg/controller/daemon/util: the automatic tolerations, the pod
 * template a daemon pod is built from, "updated" and "available", and the keep order of pods on a
 * node. Pure functions.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod, PodSpec, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { replaceDaemonSetPodNodeNameNodeAffinity } from '../../api/scheduling.js';
import { parseTime } from '../../util/clock.js';
import type { Mutable } from '../../util/objects.js';
import { clone } from '../../util/objects.js';
import { TEMPLATE_GENERATION_ANNOTATION } from '../../store/strategies.js';

/** Pod and ControllerRevision label: the revision hash of the template a pod was made from. */
export const REVISION_HASH_LABEL = 'controller-revision-hash';
/** Legacy pod label: the DaemonSet's template generation at creation. */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
export { TEMPLATE_GENERATION_ANNOTATION };

/** The tolerations every daemon pod gets, in upstream's order (spec §2.4). */
export function daemonPodAutoTolerations(hostNetwork: boolean): Toleration[] {
  const t: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork)
    t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t;
}

const sameToleration = (a: Toleration, b: Toleration): boolean =>
  (a.key ?? '') === (b.key ?? '') &&
  (a.operator ?? 'Equal') === (b.operator ?? 'Equal') &&
  (a.value ?? '') === (b.value ?? '') &&
  (a.effect ?? '') === (b.effect ?? '');

/**
 * AddOrUpdateTolerationInPodSpec for each automatic toleration: a toleration with the same key,
 * operator, value and effect is replaced (dropping e.g. its tolerationSeconds); otherwise appended.
 */
export function withDaemonPodTolerations(
  tolerations: readonly Toleration[] | undefined,
  hostNetwork: boolean,
): Toleration[] {
  const out = [...(tolerations ?? [])];
  for (const auto of daemonPodAutoTolerations(hostNetwork)) {
    const i = out.findIndex((t) => sameToleration(t, auto));
    if (i >= 0) out[i] = auto;
    else out.push(auto);
  }
  return out;
}

export function templateGeneration(ds: DaemonSet): number | undefined {
  const v = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

/**
 * The template every new daemon pod is copied from (syncNodes step 3): the DS template with the
 * automatic tolerations and the `pod-template-generation` and `controller-revision-hash` labels.
 */
export function daemonPodTemplate(ds: DaemonSet, hash: string): Mutable<PodTemplateSpec> {
  const template: Mutable<PodTemplateSpec> = clone<PodTemplateSpec>(ds.spec?.template ?? {});
  const spec = (template.spec ??= { containers: [] });
  spec.tolerations = withDaemonPodTolerations(spec.tolerations, spec.hostNetwork === true);
  const labels = ((template.metadata ??= {}).labels ??= {});
  const gen = templateGeneration(ds);
  if (gen !== undefined) labels[TEMPLATE_GENERATION_LABEL] = String(gen);
  if (hash) labels[REVISION_HASH_LABEL] = hash;
  return template;
}

/** A pod object for `nodeName` from a daemon pod template (GetPodFromTemplate + node affinity). */
export function newDaemonPod(ds: DaemonSet, template: PodTemplateSpec, nodeName: string): Pod {
  const name = ds.metadata?.name ?? '';
  const spec: PodSpec = {
    ...(template.spec ?? { containers: [] }),
    affinity: replaceDaemonSetPodNodeNameNodeAffinity(template.spec?.affinity, nodeName),
  };
  const meta = template.metadata ?? {};
  return {
    metadata: {
      generateName: `${name}-`,
      namespace: ds.metadata?.namespace ?? '',
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          name,
          uid: ds.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec,
  };
}

/** Updated (spec §4.1): hash label equals the current hash, or template generation label matches. */
export function isPodUpdated(pod: Pod, hash: string, dsTemplateGeneration: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  if (hash !== '' && labels[REVISION_HASH_LABEL] === hash) return true;
  if (dsTemplateGeneration === undefined) return false;
  return labels[TEMPLATE_GENERATION_LABEL] === String(dsTemplateGeneration);
}

const readySinceMemo = new WeakMap<Pod, number>();

/**
 * Since when the pod is Ready, by its first Ready condition (as upstream's GetPodReadyCondition):
 * NaN when not Ready, else the condition's lastTransitionTime in ms (-Infinity when unknown).
 */
export function readySince(pod: Pod): number {
  const hit = readySinceMemo.get(pod);
  if (hit !== undefined) return hit;
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const since =
    ready?.status !== 'True' ? Number.NaN : (parseTime(ready.lastTransitionTime) ?? Number.NEGATIVE_INFINITY);
  // Cached pods are frozen: their conditions cannot change under the memo.
  if (Object.isFrozen(pod) && Object.isFrozen(pod.status ?? {})) readySinceMemo.set(pod, since);
  return since;
}

/** Ready: the first Ready condition says True (no timestamp to parse, nothing to remember). */
export function isPodReady(pod: Pod): boolean {
  const conditions = pod.status?.conditions;
  if (conditions) for (const c of conditions) if (c.type === 'Ready') return c.status === 'True';
  return false;
}

/** Available (spec §4.1): Ready, and Ready for longer than minReadySeconds at `now`. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const since = readySince(pod);
  if (Number.isNaN(since)) return false;
  if (minReadySeconds <= 0) return true;
  return since !== Number.NEGATIVE_INFINITY && since + minReadySeconds * 1000 < now;
}

/** Upstream's podByCreationTimestampAndPhase: bound first, then oldest, then by name. */
export function comparePodsForKeep(a: Pod, b: Pod): number {
  const aBound = Boolean(a.spec?.nodeName);
  const bBound = Boolean(b.spec?.nodeName);
  if (aBound !== bBound) return aBound ? -1 : 1;
  const at = parseTime(a.metadata?.creationTimestamp) ?? 0;
  const bt = parseTime(b.metadata?.creationTimestamp) ?? 0;
  if (at !== bt) return at - bt;
  const an = a.metadata?.name ?? '';
  const bn = b.metadata?.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

export function isTerminalPod(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** A pod podsShouldBeOnNode keeps as it is when it is a node's only pod: not deleting, not terminal. */
export function isSettled(pod: Pod | undefined): boolean {
  return pod !== undefined && !pod.metadata?.deletionTimestamp && !isTerminalPod(pod);
}
