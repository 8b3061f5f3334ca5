/**
 * The API types everynode serves and the typed tokens code uses to name them. A token carries the
 * object type as a phantom parameter so that `client.get(resources.pods, ns, name)` returns a Pod.
 */
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { Mutable } from '../util/objects.js';
import type {
  ConfigMap,
  Namespace,
  Node,
  Pod,
  Event,
  Secret,
  ServiceAccount,
} from 'kubernetes-types/core/v1.js';
import type { DaemonSet, ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { Event as EventV1 } from 'kubernetes-types/events/v1.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';

export type {
  Namespace,
  Node,
  Pod,
  Event,
  EventV1,
  DaemonSet,
  ControllerRevision,
  Lease,
  PriorityClass,
  ServiceAccount,
  Role,
  ClusterRole,
  RoleBinding,
  ClusterRoleBinding,
  ObjectMeta,
};

/** Any Kubernetes object: what the store and the client move around. */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
}

/** A writable object with open fields: what strategies and the store build before committing. */
export interface MutableObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Mutable<ObjectMeta>;
  spec?: unknown;
  status?: unknown;
}

/** A resource type, e.g. `daemonsets` in `apps/v1`. `T` is the object type it holds. */
export interface ResourceType<T extends KubeObject = KubeObject> {
  readonly group: string;
  readonly version: string;
  /** `apps/v1`, or `v1` for the core group. */
  readonly apiVersion: string;
  readonly kind: string;
  readonly listKind: string;
  /** Plural lower-case name used in URLs. */
  readonly resource: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** Whether the type has a `/status` subresource whose writes are separate from spec writes. */
  readonly hasStatus: boolean;
  /** Phantom field: never set, only carries T. */
  readonly __type?: T;
}

function define<T extends KubeObject>(
  r: Omit<ResourceType<T>, 'apiVersion' | 'listKind' | 'singular' | '__type'> & { singular?: string },
): ResourceType<T> {
  return Object.freeze({
    ...r,
    apiVersion: r.group === '' ? r.version : `${r.group}/${r.version}`,
    listKind: `${r.kind}List`,
    singular: r.singular ?? r.kind.toLowerCase(),
  });
}

export const resources = {
  namespaces: define<Namespace>({
    group: '',
    version: 'v1',
    kind: 'Namespace',
    resource: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    categories: [],
    hasStatus: true,
  }),
  nodes: define<Node>({
    group: '',
    version: 'v1',
    kind: 'Node',
    resource: 'nodes',
    namespaced: false,
    shortNames: ['no'],
    categories: [],
    hasStatus: true,
  }),
  pods: define<Pod>({
    group: '',
    version: 'v1',
    kind: 'Pod',
    resource: 'pods',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    hasStatus: true,
  }),
  events: define<Event>({
    group: '',
    version: 'v1',
    kind: 'Event',
    resource: 'events',
    namespaced: true,
    shortNames: ['ev'],
    categories: [],
    hasStatus: false,
  }),
  daemonsets: define<DaemonSet>({
    group: 'apps',
    version: 'v1',
    kind: 'DaemonSet',
    resource: 'daemonsets',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    hasStatus: true,
  }),
  controllerrevisions: define<ControllerRevision>({
    group: 'apps',
    version: 'v1',
    kind: 'ControllerRevision',
    resource: 'controllerrevisions',
    namespaced: true,
    shortNames: [],
    categories: [],
    hasStatus: false,
  }),
  leases: define<Lease>({
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    resource: 'leases',
    namespaced: true,
    shortNames: [],
    categories: [],
    hasStatus: false,
  }),
  /**
   * `events.k8s.io/v1` Events: a second view of the same stored core/v1 Events (the API server
   * converts between the two); never stored under this type.
   */
  eventsV1: define<EventV1>({
    group: 'events.k8s.io',
    version: 'v1',
    kind: 'Event',
    resource: 'events',
    namespaced: true,
    shortNames: [],
    categories: [],
    hasStatus: false,
  }),
  priorityclasses: define<PriorityClass>({
    group: 'scheduling.k8s.io',
    version: 'v1',
    kind: 'PriorityClass',
    resource: 'priorityclasses',
    namespaced: false,
    shortNames: ['pc'],
    categories: [],
    hasStatus: false,
  }),
  /** Configuration for pods (a DaemonSet's agent configuration, mounted or read as env). */
  configmaps: define<ConfigMap>({
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    resource: 'configmaps',
    namespaced: true,
    shortNames: ['cm'],
    categories: [],
    hasStatus: false,
  }),
  /** Credentials for pods; `stringData` is written as base64 `data`. */
  secrets: define<Secret>({
    group: '',
    version: 'v1',
    kind: 'Secret',
    resource: 'secrets',
    namespaced: true,
    shortNames: [],
    categories: [],
    hasStatus: false,
  }),
  /** Identities for processes; tokens come from the `serviceaccounts/token` subresource. */
  serviceaccounts: define<ServiceAccount>({
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    resource: 'serviceaccounts',
    namespaced: true,
    shortNames: ['sa'],
    categories: [],
    hasStatus: false,
  }),
  roles: define<Role>({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'Role',
    resource: 'roles',
    namespaced: true,
    shortNames: [],
    categories: [],
    hasStatus: false,
  }),
  clusterroles: define<ClusterRole>({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    resource: 'clusterroles',
    namespaced: false,
    shortNames: [],
    categories: [],
    hasStatus: false,
  }),
  rolebindings: define<RoleBinding>({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'RoleBinding',
    resource: 'rolebindings',
    namespaced: true,
    shortNames: [],
    categories: [],
    hasStatus: false,
  }),
  clusterrolebindings: define<ClusterRoleBinding>({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRoleBinding',
    resource: 'clusterrolebindings',
    namespaced: false,
    shortNames: [],
    categories: [],
    hasStatus: false,
  }),
} as const;

export type ResourceName = keyof typeof resources;

export const allResources: readonly ResourceType[] = Object.values(resources);

/** Finds a resource type by `group` and plural `resource` name. */
export function findResource(group: string, resource: string): ResourceType | undefined {
  return allResources.find((r) => r.group === group && r.resource === resource);
}

/**
 * The last frozen object asked for and its key. An informer computes the key of each change it
 * applies, and then every handler of the change asks for it again: a key built anew is a new
 * string, which each map lookup flattens and hashes again. A frozen object's key cannot change.
 */
let lastObject: KubeObject | undefined;
let lastKey = '';

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones: the key of caches and queues. */
export function objectKey(obj: KubeObject): string {
  if (obj === lastObject) return lastKey;
  const m = obj.metadata;
  const ns = m?.namespace;
  const name = m?.name ?? '';
  const key = ns ? `${ns}/${name}` : name;
  if (Object.isFrozen(obj) && (m === undefined || Object.isFrozen(m))) {
    lastObject = obj;
    lastKey = key;
  }
  return key;
}

/**
 * The owner reference that names the object's controller, if any (upstream's GetControllerOf). A
 * loop, not find(): stored reference lists are frozen, and V8 (Node 20) runs Array builtins on
 * frozen arrays through a slow generic path (find ~17× slower), while every pod event asks this a
 * few times.
 */
export function controllerOf(meta: ObjectMeta | undefined): OwnerReference | undefined {
  const refs = meta?.ownerReferences;
  if (refs) {
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i] as OwnerReference;
      if (r.controller === true) return r;
    }
  }
  return undefined;
}

export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a `namespace/name` key. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
