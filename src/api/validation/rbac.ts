/**
 * Validation of ServiceAccount (core/v1) and the rbac.authorization.k8s.io/v1 kinds, after
 * upstream's pkg/apis/core/validation (ValidateServiceAccount) and pkg/apis/rbac/validation:
 * Role, ClusterRole, RoleBinding and ClusterRoleBinding with their field paths and messages.
 */
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  RoleRef,
  Subject,
} from 'kubernetes-types/rbac/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrors } from '../errors.js';
import { validateLabelSelector } from '../labels.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import type { NameValidator } from './util.js';
import { asString, child, goStringSlice, index, invalidRaw, nameIsDNSSubdomain } from './util.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

// ---------------------------------------------------------------------------------------------
// ServiceAccount

/** `ValidateServiceAccount`: namespaced, DNS-1123 subdomain name (`ValidateServiceAccountName`). */
export function validateServiceAccount(sa: ServiceAccount): FieldError[] {
  return validateObjectMeta(sa.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
}

/** `ValidateServiceAccountUpdate`: metadata update rules, then the create rules. */
export function validateServiceAccountUpdate(newSa: ServiceAccount, oldSa: ServiceAccount): FieldError[] {
  return [...validateObjectMetaUpdate(newSa.metadata, oldSa.metadata), ...validateServiceAccount(newSa)];
}

// ---------------------------------------------------------------------------------------------
// Names and rules

/**
 * `ValidateRBACName` (path.ValidatePathSegmentName): RBAC names only have to be usable as a URL
 * path segment — `may not be '.'`, `may not be '..'`, `may not contain '/'`, `may not contain '%'`
 * (so `everynode:daemonset-controller` is a valid name). A generateName prefix is only checked for
 * the forbidden characters.
 */
export const nameIsPathSegment: NameValidator = (name, prefix) => {
  if (!prefix) {
    for (const illegal of ['.', '..']) if (name === illegal) return [`may not be '${illegal}'`];
  }
  const errs: string[] = [];
  for (const illegal of ['/', '%']) if (name.includes(illegal)) errs.push(`may not contain '${illegal}'`);
  return errs;
};

/**
 * `ValidatePolicyRule`: `verbs: Required value: verbs must contain at least one value`; rules
 * with `nonResourceURLs` may not be namespaced nor name groups, resources or resourceNames
 * (`Invalid value: []string{"/x"}: …`); resource rules need `apiGroups` and `resources`.
 */
export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if ((rule.verbs ?? []).length === 0) {
    errs.push(fieldErrors.required(child(path, 'verbs'), 'verbs must contain at least one value'));
  }
  const urls = rule.nonResourceURLs ?? [];
  if (urls.length > 0) {
    const raw = goStringSlice(urls.map(asString));
    if (namespaced) {
      errs.push(
        invalidRaw(child(path, 'nonResourceURLs'), raw, 'namespaced rules cannot apply to non-resource URLs'),
      );
    }
    if (
      (rule.apiGroups ?? []).length > 0 ||
      (rule.resources ?? []).length > 0 ||
      (rule.resourceNames ?? []).length > 0
    ) {
      errs.push(
        invalidRaw(
          child(path, 'nonResourceURLs'),
          raw,
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    }
    return errs;
  }
  if ((rule.apiGroups ?? []).length === 0) {
    errs.push(
      fieldErrors.required(child(path, 'apiGroups'), 'resource rules must supply at least one api group'),
    );
  }
  if ((rule.resources ?? []).length === 0) {
    errs.push(
      fieldErrors.required(child(path, 'resources'), 'resource rules must supply at least one resource'),
    );
  }
  return errs;
}

function validateRules(rules: readonly PolicyRule[] | undefined, namespaced: boolean): FieldError[] {
  return (rules ?? []).flatMap((r, i) => validatePolicyRule(r, namespaced, index('rules', i)));
}

// ---------------------------------------------------------------------------------------------
// Role and ClusterRole

/** `ValidateRole`: namespaced, RBAC name, every rule (no non-resource URLs in a namespace). */
export function validateRole(role: Role): FieldError[] {
  return [
    ...validateObjectMeta(role.metadata, { namespaced: true, nameFn: nameIsPathSegment }),
    ...validateRules(role.rules, true),
  ];
}

/** `ValidateRoleUpdate`: the create rules and the metadata update rules. */
export function validateRoleUpdate(newRole: Role, oldRole: Role): FieldError[] {
  return [...validateRole(newRole), ...validateObjectMetaUpdate(newRole.metadata, oldRole.metadata)];
}

/**
 * `ValidateClusterRole`: cluster-scoped, RBAC name, every rule; an `aggregationRule` needs at
 * least one valid `clusterRoleSelectors` entry. (Aggregation itself — the controller that fills
 * `rules` from the selected ClusterRoles — is not implemented.)
 */
export function validateClusterRole(role: ClusterRole): FieldError[] {
  const errs = [
    ...validateObjectMeta(role.metadata, { namespaced: false, nameFn: nameIsPathSegment }),
    ...validateRules(role.rules, false),
  ];
  const agg = role.aggregationRule;
  if (agg !== undefined && agg !== null) {
    const selectors = agg.clusterRoleSelectors ?? [];
    const path = 'aggregationRule.clusterRoleSelectors';
    if (selectors.length === 0) {
      errs.push(
        fieldErrors.required(path, 'at least one clusterRoleSelector required if aggregationRule is non-nil'),
      );
    }
    selectors.forEach((s, i) => errs.push(...validateLabelSelector(s, index(path, i))));
  }
  return errs;
}

/** `ValidateClusterRoleUpdate`: the create rules and the metadata update rules. */
export function validateClusterRoleUpdate(newRole: ClusterRole, oldRole: ClusterRole): FieldError[] {
  return [...validateClusterRole(newRole), ...validateObjectMetaUpdate(newRole.metadata, oldRole.metadata)];
}

// ---------------------------------------------------------------------------------------------
// Bindings

/**
 * `ValidateRoleBindingSubject`: a name; ServiceAccount subjects have a DNS-1123 subdomain name,
 * apiGroup `""` and (in cluster bindings) a namespace; User and Group subjects have apiGroup
 * `rbac.authorization.k8s.io`; any other kind is `Unsupported value`.
 */
export function validateSubject(subject: Subject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = asString(subject.name);
  const apiGroup = asString(subject.apiGroup);
  if (name === '') errs.push(fieldErrors.required(child(path, 'name')));
  switch (subject.kind) {
    case 'ServiceAccount':
      if (name !== '') {
        for (const msg of nameIsDNSSubdomain(name, false))
          errs.push(fieldErrors.invalid(child(path, 'name'), name, msg));
      }
      if (apiGroup !== '') errs.push(fieldErrors.notSupported(child(path, 'apiGroup'), apiGroup, ['']));
      if (!namespaced && asString(subject.namespace) === '')
        errs.push(fieldErrors.required(child(path, 'namespace')));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP)
        errs.push(fieldErrors.notSupported(child(path, 'apiGroup'), apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(
        fieldErrors.notSupported(child(path, 'kind'), asString(subject.kind), [
          'ServiceAccount',
          'User',
          'Group',
        ]),
      );
  }
  return errs;
}

function validateRoleRef(ref: RoleRef | undefined, kinds: readonly string[]): FieldError[] {
  const errs: FieldError[] = [];
  const apiGroup = asString(ref?.apiGroup);
  if (apiGroup !== RBAC_GROUP)
    errs.push(fieldErrors.notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kind = asString(ref?.kind);
  if (!kinds.includes(kind)) errs.push(fieldErrors.notSupported('roleRef.kind', kind, kinds));
  const name = asString(ref?.name);
  if (name === '') errs.push(fieldErrors.required('roleRef.name'));
  else
    for (const msg of nameIsPathSegment(name, false))
      errs.push(fieldErrors.invalid('roleRef.name', name, msg));
  return errs;
}

/**
 * `roleRef: Invalid value: rbac.RoleRef{APIGroup:"…", Kind:"…", Name:"…"}: cannot change roleRef`
 * when an update changes any part of the role reference (Go's `%#v` of the internal type).
 */
function validateRoleRefUnchanged(newRef: RoleRef | undefined, oldRef: RoleRef | undefined): FieldError[] {
  const n = {
    apiGroup: asString(newRef?.apiGroup),
    kind: asString(newRef?.kind),
    name: asString(newRef?.name),
  };
  const o = {
    apiGroup: asString(oldRef?.apiGroup),
    kind: asString(oldRef?.kind),
    name: asString(oldRef?.name),
  };
  if (n.apiGroup === o.apiGroup && n.kind === o.kind && n.name === o.name) return [];
  const raw = `rbac.RoleRef{APIGroup:${JSON.stringify(n.apiGroup)}, Kind:${JSON.stringify(n.kind)}, Name:${JSON.stringify(n.name)}}`;
  return [invalidRaw('roleRef', raw, 'cannot change roleRef')];
}

/** `ValidateRoleBinding`: namespaced, RBAC name, roleRef to a Role or ClusterRole, subjects. */
export function validateRoleBinding(binding: RoleBinding): FieldError[] {
  return [
    ...validateObjectMeta(binding.metadata, { namespaced: true, nameFn: nameIsPathSegment }),
    ...validateRoleRef(binding.roleRef, ['Role', 'ClusterRole']),
    ...(binding.subjects ?? []).flatMap((s, i) => validateSubject(s, true, index('subjects', i))),
  ];
}

/** `ValidateRoleBindingUpdate`: the create rules, metadata update rules, and roleRef immutable. */
export function validateRoleBindingUpdate(newB: RoleBinding, oldB: RoleBinding): FieldError[] {
  return [
    ...validateRoleBinding(newB),
    ...validateObjectMetaUpdate(newB.metadata, oldB.metadata),
    ...validateRoleRefUnchanged(newB.roleRef, oldB.roleRef),
  ];
}

/** `ValidateClusterRoleBinding`: cluster-scoped, roleRef to a ClusterRole, namespaced SA subjects. */
export function validateClusterRoleBinding(binding: ClusterRoleBinding): FieldError[] {
  return [
    ...validateObjectMeta(binding.metadata, { namespaced: false, nameFn: nameIsPathSegment }),
    ...validateRoleRef(binding.roleRef, ['ClusterRole']),
    ...(binding.subjects ?? []).flatMap((s, i) => validateSubject(s, false, index('subjects', i))),
  ];
}

/** `ValidateClusterRoleBindingUpdate`: as for RoleBindings. */
export function validateClusterRoleBindingUpdate(
  newB: ClusterRoleBinding,
  oldB: ClusterRoleBinding,
): FieldError[] {
  return [
    ...validateClusterRoleBinding(newB),
    ...validateObjectMetaUpdate(newB.metadata, oldB.metadata),
    ...validateRoleRefUnchanged(newB.roleRef, oldB.roleRef),
  ];
}
