/**
 * Defaulting of every served kind (the apiserver's SetDefaults_* functions plus the few defaults
 * upstream applies in create strategies that are observable on the stored object). Every
 * defaulter returns a new object and never touches its argument, which may be deep-frozen.
 * Validation runs on the defaulted object.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap, Namespace, Node, Secret } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { ClusterRoleBinding, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { clone } from '../../util/objects.js';
import { BadRequestError } from '../errors.js';
import type { KubeObject } from '../resources.js';
import { defaultPod, defaultPodSpec } from './pod.js';

export {
  defaultContainer,
  defaultImagePullPolicy,
  defaultPod,
  defaultPodSpec,
  DefaultSchedulerName,
  DefaultTerminationGracePeriodSeconds,
  DefaultTerminationMessagePath,
  DefaultVolumeFileMode,
  imageTag,
} from './pod.js';

/** Default `spec.revisionHistoryLimit` of a DaemonSet. */
export const DefaultRevisionHistoryLimit = 10;

/**
 * SetDefaults_DaemonSet: empty `updateStrategy.type` → `RollingUpdate`; for RollingUpdate a
 * missing `rollingUpdate` becomes `{}` and missing `maxUnavailable`/`maxSurge` become the ints 1
 * and 0 (OnDelete gets no `rollingUpdate` block); `revisionHistoryLimit` 10; the template spec
 * through {@link defaultPodSpec}. Consequence: writing only `maxSurge: 1` yields
 * `maxUnavailable: 1` and the object is rejected by validation — surge needs an explicit
 * `maxUnavailable: 0`.
 */
export function defaultDaemonSet(ds: DaemonSet): DaemonSet {
  const out = clone(ds);
  const spec = (out.spec ??= {} as NonNullable<DaemonSet['spec']>);
  const strategy = (spec.updateStrategy ??= {});
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= DefaultRevisionHistoryLimit;
  spec.template ??= {};
  spec.template.spec = defaultPodSpec(spec.template.spec ?? { containers: [] });
  return out;
}

/** SetDefaults_Node / SetDefaults_NodeStatus: `status.allocatable` defaults to `status.capacity`. */
export function defaultNode(node: Node): Node {
  const out = clone(node);
  if (out.status?.capacity && !out.status.allocatable) out.status.allocatable = { ...out.status.capacity };
  return out;
}

/**
 * Namespace defaults: label `kubernetes.io/metadata.name=<name>` (SetDefaults_Namespace),
 * `spec.finalizers: ["kubernetes"]` (create strategy) and `status.phase: Active`.
 */
export function defaultNamespace(ns: Namespace): Namespace {
  const out = clone(ns);
  const name = out.metadata?.name;
  if (name) {
    const meta = (out.metadata ??= {});
    meta.labels = { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': name };
  }
  const spec = (out.spec ??= {});
  if (!spec.finalizers || spec.finalizers.length === 0) spec.finalizers = ['kubernetes'];
  const status = (out.status ??= {});
  status.phase ||= 'Active';
  return out;
}

/** SetDefaults_PriorityClass: `preemptionPolicy: PreemptLowerPriority`. */
export function defaultPriorityClass(pc: PriorityClass): PriorityClass {
  const out = clone(pc);
  out.preemptionPolicy ??= 'PreemptLowerPriority';
  return out;
}

/**
 * Where standard, padded base64 (Go's StdEncoding, as a Secret's `data` is decoded) goes wrong in
 * `s`, or -1 when it decodes.
 */
function illegalBase64At(s: string): number {
  let end = s.length;
  if (end % 4 === 0 && s.endsWith('==')) end -= 2;
  else if (end % 4 === 0 && s.endsWith('=')) end -= 1;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (!ok) return i;
  }
  return s.length % 4 === 0 ? -1 : s.length - (s.length % 4);
}

/**
 * Refuses a map of byte values (a Secret's `data`, a ConfigMap's `binaryData`) that upstream's
 * decoder would not read: a 400 naming the first bad byte.
 */
function decodeBytes(kind: string, values: Readonly<Record<string, string>> | undefined): void {
  for (const v of Object.values(values ?? {})) {
    const at = illegalBase64At(v);
    if (at >= 0)
      throw new BadRequestError(
        `${kind} in version "v1" cannot be handled as a ${kind}: illegal base64 data at input byte ${at}`,
      );
  }
}

/** A ConfigMap has no defaults; its `binaryData` must decode. */
export function defaultConfigMap(cm: ConfigMap): ConfigMap {
  decodeBytes('ConfigMap', cm.binaryData);
  return clone(cm);
}

/**
 * SetDefaults_Secret (`type: Opaque`) and the v1 conversion of `stringData`: each of its values is
 * stored in `data`, base64-encoded, over a `data` value of the same key; `stringData` itself is
 * write-only and never stored. `data` must decode.
 */
export function defaultSecret(secret: Secret): Secret {
  decodeBytes('Secret', secret.data);
  const out = clone(secret);
  if (!out.type) out.type = 'Opaque';
  if (out.stringData) {
    const data = (out.data ??= {});
    for (const [k, v] of Object.entries(out.stringData)) data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete out.stringData;
  }
  return out;
}

/** The API group of RBAC, which `roleRef.apiGroup` and User/Group subjects default to. */
export const RbacGroupName = 'rbac.authorization.k8s.io';

/**
 * SetDefaults_RoleBinding / SetDefaults_ClusterRoleBinding / SetDefaults_Subject: an empty
 * `roleRef.apiGroup` becomes `rbac.authorization.k8s.io`; an empty subject `apiGroup` becomes
 * `rbac.authorization.k8s.io` for User and Group subjects and stays `""` for ServiceAccounts.
 */
export function defaultRoleBinding<T extends RoleBinding | ClusterRoleBinding>(binding: T): T {
  const out = clone(binding as RoleBinding);
  if (out.roleRef && !out.roleRef.apiGroup) out.roleRef.apiGroup = RbacGroupName;
  for (const s of out.subjects ?? []) {
    if (s.apiGroup) continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RbacGroupName;
    else if (s.kind === 'ServiceAccount') s.apiGroup = '';
  }
  return out as T;
}

/** A defaulter: returns a defaulted copy of the object. */
export type Defaulter = (obj: KubeObject) => KubeObject;

const identity: Defaulter = (obj) => clone(obj);

/**
 * The defaulter of each served kind, keyed by `kind` (Event, ControllerRevision, Lease,
 * ServiceAccount, Role and ClusterRole have no defaults and are returned as copies). Unknown kinds
 * are absent.
 */
export const defaulters: Readonly<Record<string, Defaulter>> = Object.freeze({
  Namespace: (o: KubeObject) => defaultNamespace(o as Namespace),
  Node: (o: KubeObject) => defaultNode(o as Node),
  Pod: (o: KubeObject) => defaultPod(o as Parameters<typeof defaultPod>[0]),
  Event: identity,
  DaemonSet: (o: KubeObject) => defaultDaemonSet(o as DaemonSet),
  ControllerRevision: identity,
  Lease: identity,
  PriorityClass: (o: KubeObject) => defaultPriorityClass(o as PriorityClass),
  ServiceAccount: identity,
  ConfigMap: (o: KubeObject) => defaultConfigMap(o as ConfigMap),
  Secret: (o: KubeObject) => defaultSecret(o as Secret),
  Role: identity,
  ClusterRole: identity,
  RoleBinding: (o: KubeObject) => defaultRoleBinding(o as RoleBinding),
  ClusterRoleBinding: (o: KubeObject) => defaultRoleBinding(o as ClusterRoleBinding),
});

/** `defaulters[kind]`, or a copying identity for kinds without defaults. */
export function defaultObject<T extends KubeObject>(obj: T): T {
  const fn = obj.kind !== undefined ? defaulters[obj.kind] : undefined;
  return (fn ?? identity)(obj) as T;
}
