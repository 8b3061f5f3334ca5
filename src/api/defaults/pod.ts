/**
 * Pod and PodSpec defaulting (pkg/apis/core/v1/defaults.go). Every function returns a new object
 * and never touches its argument, which may be deep-frozen. {@link defaultPod} may share
 * deep-frozen parts between the pods it returns (see there).
 */
import type {
  Container,
  EnvVar,
  HTTPGetAction,
  Lifecycle,
  Pod,
  PodSpec,
  Probe,
  Toleration,
  Volume,
} from 'kubernetes-types/core/v1.js';
import { CloneRecord, clone, deepFreeze } from '../../util/objects.js';

export const DefaultTerminationGracePeriodSeconds = 30;
export const DefaultSchedulerName = 'default-scheduler';
export const DefaultTerminationMessagePath = '/dev/termination-log';
/** 0644, the default file mode of secret, configMap, downwardAPI and projected volumes. */
export const DefaultVolumeFileMode = 420;

/**
 * The image tag as the kubelet's `ParseImageName` sees it: the part after the last `:` of the
 * last path segment (before any `@digest`); an image with neither tag nor digest is `latest`;
 * an empty image yields no tag.
 */
export function imageTag(image: string): string {
  if (image.trim() === '') return '';
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : '';
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : '';
  return tag === '' && digest === '' ? 'latest' : tag;
}

/** `Always` for `:latest` or untagged (and undigested) images, else `IfNotPresent`. */
export function defaultImagePullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  return imageTag(image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHTTPGet(h: HTTPGetAction): void {
  if (!h.path) h.path = '/';
  if (!h.scheme) h.scheme = 'HTTP';
}

function defaultProbe(p: Probe): void {
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) defaultHTTPGet(p.httpGet);
}

function defaultLifecycle(l: Lifecycle): void {
  if (l.postStart?.httpGet) defaultHTTPGet(l.postStart.httpGet);
  if (l.preStop?.httpGet) defaultHTTPGet(l.preStop.httpGet);
}

function defaultEnv(env: EnvVar[]): void {
  for (const ev of env) {
    const ref = ev.valueFrom?.fieldRef;
    if (ref && !ref.apiVersion) ref.apiVersion = 'v1';
  }
}

/** SetDefaults_Container & co. on a mutable copy. */
function defaultContainerInPlace(c: Container): void {
  c.imagePullPolicy ||= defaultImagePullPolicy(c.image);
  c.terminationMessagePath ||= DefaultTerminationMessagePath;
  c.terminationMessagePolicy ||= 'File';
  for (const p of c.ports ?? []) p.protocol ||= 'TCP';
  c.resources ??= {};
  if (c.env) defaultEnv(c.env);
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (probe) defaultProbe(probe);
  if (c.lifecycle) defaultLifecycle(c.lifecycle);
}

const volumeSourceKeys = (v: Volume): string[] =>
  Object.keys(v).filter((k) => k !== 'name' && (v as unknown as Record<string, unknown>)[k] != null);

function defaultVolume(v: Volume): void {
  if (volumeSourceKeys(v).length === 0) v.emptyDir = {};
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.secret) v.secret.defaultMode ??= DefaultVolumeFileMode;
  if (v.configMap) v.configMap.defaultMode ??= DefaultVolumeFileMode;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= DefaultVolumeFileMode;
    for (const item of v.downwardAPI.items ?? [])
      if (item.fieldRef && !item.fieldRef.apiVersion) item.fieldRef.apiVersion = 'v1';
  }
  if (v.projected) v.projected.defaultMode ??= DefaultVolumeFileMode;
}

/** SetDefaults_PodSpec on a mutable copy (`sharedContainers`: the containers are already defaulted). */
function defaultPodSpecInPlace(s: PodSpec, sharedContainers = false): void {
  s.dnsPolicy ||= 'ClusterFirst';
  s.restartPolicy ||= 'Always';
  s.securityContext ??= {};
  s.terminationGracePeriodSeconds ??= DefaultTerminationGracePeriodSeconds;
  s.schedulerName ||= DefaultSchedulerName;
  // v1 conversion keeps the deprecated serviceAccount alias in step with serviceAccountName
  if (!s.serviceAccountName && s.serviceAccount) s.serviceAccountName = s.serviceAccount;
  if (s.serviceAccountName && !s.serviceAccount) s.serviceAccount = s.serviceAccountName;
  s.containers ??= [];
  if (!sharedContainers) for (const c of s.containers) defaultContainerInPlace(c);
  for (const c of s.initContainers ?? []) defaultContainerInPlace(c);
  for (const v of s.volumes ?? []) defaultVolume(v);
}

/** A copy of `c` with the container defaults: pull policy, termination message path/policy, port protocol `TCP`, `resources: {}`, probe timings. */
export function defaultContainer(c: Container): Container {
  const out = clone(c);
  defaultContainerInPlace(out);
  return out;
}

/**
 * A copy of `spec` with the PodSpec defaults that apply to pods and pod templates alike:
 * restartPolicy `Always`, dnsPolicy `ClusterFirst`, terminationGracePeriodSeconds 30,
 * schedulerName `default-scheduler`, securityContext `{}`; per container and init container
 * terminationMessagePath `/dev/termination-log`, terminationMessagePolicy `File`, imagePullPolicy
 * (`Always` for `:latest`/untagged, else `IfNotPresent`), port protocol `TCP`, `resources: {}`,
 * probe timings (1s timeout, 10s period, thresholds 1/3) and HTTP probe path `/`/scheme `HTTP`;
 * env and downward-API field refs get apiVersion `v1`; volumes without a source become `emptyDir`,
 * hostPath gets `type: ""` and secret/configMap/downwardAPI/projected get `defaultMode: 420`.
 * Tolerations and priority are left alone (admission owns them). `enableServiceLinks` is a pod-only
 * default (see {@link defaultPod}): upstream does not write it into templates.
 */
export function defaultPodSpec(spec: PodSpec): PodSpec {
  const out = clone(spec) ?? { containers: [] };
  defaultPodSpecInPlace(out);
  return out;
}

function defaultRequestsFromLimits(c: Container): void {
  const limits = c.resources?.limits;
  if (!limits || !c.resources) return;
  c.resources.requests ??= {};
  for (const [k, v] of Object.entries(limits)) if (!(k in c.resources.requests)) c.resources.requests[k] = v;
}

/** The pod-only container defaults: requests from limits; with hostNetwork, hostPort from containerPort. */
function defaultPodContainer(c: Container, hostNetwork: boolean): void {
  defaultRequestsFromLimits(c);
  if (hostNetwork) for (const p of c.ports ?? []) if (!p.hostPort) p.hostPort = p.containerPort;
}

/** A list defaulted for sharing: `input` records the list it was made from. */
interface SharedList<T> {
  readonly input: CloneRecord;
  readonly hostNetwork: boolean;
  /** Deep-frozen: the defaulted containers, or the copied tolerations. */
  readonly shared: readonly T[];
}

/**
 * Pods made from one template (GetPodFromTemplate spreads the template's spec into each pod) hold
 * the very same `containers` and `tolerations` lists. From the second pod with such a list on,
 * {@link defaultPod} gives every pod one deep-frozen defaulted copy of it instead of a copy each:
 * stored objects are frozen and shared anyway, so nothing can tell, and the store then neither
 * copies, freezes nor validates that part again (see `validatePodSpec`). The copy is used only
 * while the list still equals — in content, key order included — the list it was made from (a
 * {@link CloneRecord} of it): the caller may have changed the list in between. Entries go with the input lists (WeakMap).
 */
const seenLists = new WeakSet<readonly unknown[]>();
const sharedContainers = new WeakMap<readonly Container[], SharedList<Container>>();
const sharedTolerations = new WeakMap<readonly Toleration[], SharedList<Toleration>>();

function sharedList<T>(
  memo: WeakMap<readonly T[], SharedList<T>>,
  list: readonly T[],
  hostNetwork: boolean,
  defaultItem: ((item: T, hostNetwork: boolean) => void) | undefined,
): readonly T[] | undefined {
  const hit = memo.get(list);
  if (hit !== undefined) {
    if (hit.hostNetwork === hostNetwork && hit.input.matches(list)) return hit.shared;
    memo.delete(list);
    return undefined;
  }
  if (!seenLists.has(list)) {
    seenLists.add(list);
    return undefined;
  }
  const input = CloneRecord.of(list);
  if (input === undefined) return undefined;
  const copy = clone(list) as T[];
  if (defaultItem) for (const item of copy) defaultItem(item, hostNetwork);
  const shared = deepFreeze(copy);
  memo.set(list, { input, hostNetwork, shared });
  return shared;
}

function defaultSharedContainer(c: Container, hostNetwork: boolean): void {
  defaultContainerInPlace(c);
  defaultPodContainer(c, hostNetwork);
}

/**
 * A copy of `pod` with {@link defaultPodSpec} applied plus the pod-only defaults
 * (SetDefaults_Pod): enableServiceLinks `true`, container requests copied from limits where unset,
 * and with `hostNetwork` every unset hostPort set to its containerPort. `status.phase` is left to
 * the create strategy; `priority` to admission. The containers and tolerations of pods made from
 * one template may be one deep-frozen list shared by those pods (see {@link sharedContainers}).
 */
export function defaultPod(pod: Pod): Pod {
  const inSpec = pod.spec;
  const hostNetwork = inSpec?.hostNetwork === true;
  const containers =
    Array.isArray(inSpec?.containers) && !hasToJSON(pod) && !hasToJSON(inSpec)
      ? sharedList(sharedContainers, inSpec.containers, hostNetwork, defaultSharedContainer)
      : undefined;
  const tolerations =
    containers !== undefined && Array.isArray(inSpec?.tolerations)
      ? sharedList(sharedTolerations, inSpec.tolerations, false, undefined)
      : undefined;
  const out = containers !== undefined ? clonePodWith(pod, containers, tolerations) : clone(pod);
  const spec: PodSpec = out.spec ?? { containers: [] };
  out.spec = spec;
  defaultPodSpecInPlace(spec, containers !== undefined);
  if (containers === undefined) for (const c of spec.containers) defaultPodContainer(c, hostNetwork);
  for (const c of spec.initContainers ?? []) defaultPodContainer(c, hostNetwork);
  spec.enableServiceLinks ??= true;
  return out;
}

function hasToJSON(v: unknown): boolean {
  return typeof (v as { toJSON?: unknown } | undefined)?.toJSON === 'function';
}

/** `clone(pod)`, but with the given deep-frozen lists in place of `spec.containers` and `spec.tolerations`. */
function clonePodWith(
  pod: Pod,
  containers: readonly Container[],
  tolerations: readonly Toleration[] | undefined,
): Pod {
  return cloneKeys(pod, (k, v) =>
    k === 'spec'
      ? cloneKeys(v as object, (sk, sv) =>
          sk === 'containers'
            ? containers
            : sk === 'tolerations' && tolerations !== undefined
              ? tolerations
              : clone(sv),
        )
      : clone(v),
  );
}

/** A copy of `obj` with each key's value from `value` (clone's rule: undefined values are dropped). */
function cloneKeys(obj: object, value: (key: string, v: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in obj) {
    const x = value(k, (obj as Record<string, unknown>)[k]);
    if (x !== undefined) out[k] = x;
  }
  return out;
}
