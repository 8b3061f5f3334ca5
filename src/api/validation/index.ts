/**
 * The validators of every served kind, keyed by `kind`. Validation runs AFTER defaulting (see
 * `../defaults/index.js`); each function returns the field errors (empty when valid) that the
 * store turns into a 422 `Invalid` error.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type {
  ConfigMap,
  Event,
  Namespace,
  Node,
  Pod,
  Secret,
  ServiceAccount,
} from 'kubernetes-types/core/v1.js';
import { validateSecret, validateSecretUpdate } from './secret.js';
import { validateConfigMap, validateConfigMapUpdate } from './configmap.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../resources.js';
import { validateDaemonSet, validateDaemonSetStatusUpdate, validateDaemonSetUpdate } from './daemonset.js';
import { validateNode, validateNodeUpdate } from './node.js';
import {
  validateControllerRevision,
  validateControllerRevisionUpdate,
  validateEvent,
  validateEventUpdate,
  validateLease,
  validateLeaseUpdate,
  validateNamespace,
  validateNamespaceStatusUpdate,
  validateNamespaceUpdate,
  validatePriorityClass,
  validatePriorityClassUpdate,
} from './other.js';
import { validatePod, validatePodStatusUpdate, validatePodUpdate } from './pod.js';
import {
  validateClusterRole,
  validateClusterRoleBinding,
  validateClusterRoleBindingUpdate,
  validateClusterRoleUpdate,
  validateRole,
  validateRoleBinding,
  validateRoleBindingUpdate,
  validateRoleUpdate,
  validateServiceAccount,
  validateServiceAccountUpdate,
} from './rbac.js';

export * from './daemonset.js';
export * from './meta.js';
export * from './node.js';
export * from './other.js';
export * from './pod.js';
export * from './rbac.js';
export type { NameValidator } from './util.js';
export { nameIsDNSLabel, nameIsDNSSubdomain, semanticEqual } from './util.js';

/** The validation entry points of one kind. */
export interface KindValidator {
  /** Create: the whole (defaulted) object. */
  create(obj: KubeObject): FieldError[];
  /** Update of the main resource (`newObj` after the strategy kept what it keeps). */
  update(newObj: KubeObject, oldObj: KubeObject): FieldError[];
  /** Update through the `/status` subresource, for kinds that have one. */
  status?(newObj: KubeObject, oldObj: KubeObject): FieldError[];
}

function kind<T>(
  create: (o: T) => FieldError[],
  update: (n: T, o: T) => FieldError[],
  status?: (n: T, o: T) => FieldError[],
): KindValidator {
  const v: KindValidator = {
    create: (o) => create(o as T),
    update: (n, o) => update(n as T, o as T),
  };
  if (status) v.status = (n, o) => status(n as T, o as T);
  return Object.freeze(v);
}

/**
 * Validators for Namespace, Node, Pod, Event, DaemonSet, ControllerRevision, Lease,
 * PriorityClass, ServiceAccount, ConfigMap, Secret, Role, ClusterRole, RoleBinding and ClusterRoleBinding. `status`
 * exists for Namespace, Node, Pod and DaemonSet.
 */
export const validators: Readonly<Record<string, KindValidator>> = Object.freeze({
  Namespace: kind<Namespace>(validateNamespace, validateNamespaceUpdate, validateNamespaceStatusUpdate),
  Node: kind<Node>(validateNode, validateNodeUpdate, validateNodeUpdate),
  Pod: kind<Pod>(validatePod, validatePodUpdate, validatePodStatusUpdate),
  Event: kind<Event>(validateEvent, validateEventUpdate),
  DaemonSet: kind<DaemonSet>(validateDaemonSet, validateDaemonSetUpdate, validateDaemonSetStatusUpdate),
  ControllerRevision: kind<ControllerRevision>(validateControllerRevision, validateControllerRevisionUpdate),
  Lease: kind<Lease>(validateLease, validateLeaseUpdate),
  PriorityClass: kind<PriorityClass>(validatePriorityClass, validatePriorityClassUpdate),
  ServiceAccount: kind<ServiceAccount>(validateServiceAccount, validateServiceAccountUpdate),
  ConfigMap: kind<ConfigMap>(validateConfigMap, validateConfigMapUpdate),
  Secret: kind<Secret>(validateSecret, validateSecretUpdate),
  Role: kind<Role>(validateRole, validateRoleUpdate),
  ClusterRole: kind<ClusterRole>(validateClusterRole, validateClusterRoleUpdate),
  RoleBinding: kind<RoleBinding>(validateRoleBinding, validateRoleBindingUpdate),
  ClusterRoleBinding: kind<ClusterRoleBinding>(validateClusterRoleBinding, validateClusterRoleBindingUpdate),
});
