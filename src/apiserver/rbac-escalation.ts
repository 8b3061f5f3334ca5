/**
 * RBAC escalation prevention, as upstream's policy-based RBAC storage: a user may write a Role or
 * ClusterRole only with rules it holds itself (in that namespace; cluster-wide for ClusterRoles)
 * or with the `escalate` verb on it, and may write a binding only to a role whose rules it holds
 * or with the `bind` verb on that role. Members of `system:masters` are not checked. A refusal is
 * upstream's 403: `clusterroles.rbac.authorization.k8s.io "x" is forbidden: user "u"
 * (groups=["a" "b"]) is attempting to grant RBAC permissions not currently held:` followed by the
 * missing rules, one per line, as `{APIGroups:["apps"], Resources:["daemonsets"], Verbs:["get"]}`.
 *
 * Applied as a {@link Store} wrapper around the writes of one request, so creates, updates and
 * every patch type are checked on the object that would be stored.
 */
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
} from 'kubernetes-types/rbac/v1.js';
import { NotFoundError, forbidden } from '../api/errors.js';
import type { KubeObject, ResourceType } from '../api/resources.js';
import { resources } from '../api/resources.js';
import type { Store } from '../store/types.js';
import type { User } from './authentication.js';
import { MASTERS_GROUP } from './authentication.js';
import type { Authorizer } from './rbac.js';
import { RBAC_GROUP } from './rbac.js';

/** BreakdownRule: one rule per group × resource × verb (× name), and per URL × verb. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? [])
    for (const resource of rule.resources ?? [])
      for (const verb of rule.verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length > 0) {
          for (const n of names)
            out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [n] });
        } else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
  for (const url of rule.nonResourceURLs ?? [])
    for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

const has = (set: readonly string[] | undefined, v: string): boolean => (set ?? []).includes(v);
const hasAll = (set: readonly string[] | undefined, vs: readonly string[] | undefined): boolean =>
  (vs ?? []).every((v) => has(set, v));

function resourceCoversAll(
  set: readonly string[] | undefined,
  covers: readonly string[] | undefined,
): boolean {
  if (has(set, '*') || hasAll(set, covers)) return true;
  for (const path of covers ?? []) {
    if (has(set, path)) continue;
    const i = path.indexOf('/');
    if (i < 0 || !has(set, `*/${path.slice(i + 1)}`)) return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, sub: string): boolean {
  return owner === sub || (owner.endsWith('*') && sub.startsWith(owner.replace(/\*+$/, '')));
}

/** Upstream's ruleCovers: whether `owner` grants everything the (broken-down) `sub` rule does. */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const res = resourceCoversAll(owner.resources, sub.resources);
  const urls = (sub.nonResourceURLs ?? []).every((p) =>
    (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, p)),
  );
  const ownerNames = owner.resourceNames ?? [];
  const names =
    (sub.resourceNames ?? []).length === 0
      ? ownerNames.length === 0
      : ownerNames.length === 0 || hasAll(ownerNames, sub.resourceNames);
  return verbs && groups && res && names && urls;
}

/** Upstream's Covers: the broken-down rules of `servant` that no rule of `owner` covers. */
export function missingRules(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of servant)
    for (const sub of breakdownRule(rule)) if (!owner.some((o) => ruleCovers(o, sub))) missing.push(sub);
  return missing;
}

/** Go's `%q` of a `[]string`: `["a" "b"]`. */
function q(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
}

/** Upstream's CompactString: `{APIGroups:["apps"], Resources:["daemonsets"], Verbs:["get" "list"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if ((r.apiGroups ?? []).length > 0) parts.push(`APIGroups:${q(r.apiGroups ?? [])}`);
  if ((r.resources ?? []).length > 0) parts.push(`Resources:${q(r.resources ?? [])}`);
  if ((r.nonResourceURLs ?? []).length > 0) parts.push(`NonResourceURLs:${q(r.nonResourceURLs ?? [])}`);
  if ((r.resourceNames ?? []).length > 0) parts.push(`ResourceNames:${q(r.resourceNames ?? [])}`);
  if (r.verbs.length > 0) parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** Upstream's CompactRules: simple rules on the same group/resource/name merge their verbs. */
function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule & { verbs: string[] }>();
  for (const r of rules) {
    const isSimple =
      (r.apiGroups ?? []).length === 1 &&
      (r.resources ?? []).length === 1 &&
      (r.resourceNames ?? []).length <= 1 &&
      (r.nonResourceURLs ?? []).length === 0;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = `${r.apiGroups?.[0] ?? ''}\u0000${r.resources?.[0] ?? ''}\u0000${r.resourceNames?.[0] ?? ''}`;
    const existing = simple.get(key);
    if (existing) existing.verbs.push(...r.verbs);
    else simple.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...out, ...simple.values()];
}

/** The escalation message of `user` lacking `missing`, as ConfirmNoEscalation words it. */
export function escalationMessage(
  user: User,
  missing: readonly PolicyRule[],
  errors: readonly string[],
): string {
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=${q(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (errors.length > 0) msg += `; resolution errors: [${errors.join(' ')}]`;
  return msg;
}

function isAllowed(
  authorizer: Authorizer,
  user: User,
  verb: string,
  resource: string,
  namespace: string,
  name: string,
): boolean {
  return authorizer.authorize(user, {
    isResourceRequest: true,
    verb,
    apiGroup: RBAC_GROUP,
    apiVersion: 'v1',
    resource,
    subresource: '',
    namespace,
    name,
  }).allowed;
}

/**
 * `store` with the escalation checks of `user` on writes of RBAC objects; the store itself when
 * `user` is in `system:masters` or there is nothing to check with.
 */
export function escalationGuard(store: Store, user: User, authorizer: Authorizer | undefined): Store {
  if (!authorizer || user.groups.includes(MASTERS_GROUP)) return store;
  const rulesFor = (namespace: string): { rules: PolicyRule[]; errors: string[] } =>
    authorizer.rulesFor?.(user, namespace) ?? { rules: [], errors: [] };

  const confirm = (
    type: ResourceType,
    namespace: string,
    name: string,
    rules: readonly PolicyRule[],
  ): void => {
    const own = rulesFor(namespace);
    const missing = missingRules(own.rules, rules);
    if (missing.length > 0)
      throw forbidden(type.resource, type.group, name, escalationMessage(user, missing, own.errors));
  };

  const check = (type: ResourceType, obj: KubeObject): void => {
    if (type.group !== RBAC_GROUP) return;
    const namespace = type.namespaced ? (obj.metadata?.namespace ?? '') : '';
    const name = obj.metadata?.name ?? '';
    if (type.kind === 'Role' || type.kind === 'ClusterRole') {
      if (isAllowed(authorizer, user, 'escalate', type.resource, namespace, name)) return;
      confirm(type, namespace, name, (obj as Role | ClusterRole).rules ?? []);
      return;
    }
    const ref = (obj as RoleBinding | ClusterRoleBinding).roleRef;
    const roleResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
    const roleNamespace = ref.kind === 'Role' ? namespace : '';
    if (isAllowed(authorizer, user, 'bind', roleResource, roleNamespace, ref.name)) return;
    const role =
      ref.kind === 'Role'
        ? store.get(resources.roles, namespace, ref.name)
        : ref.kind === 'ClusterRole'
          ? store.get(resources.clusterroles, '', ref.name)
          : undefined;
    if (!role) throw new NotFoundError(roleResource, RBAC_GROUP, ref.name);
    confirm(type, namespace, name, role.rules ?? []);
  };

  return {
    revision: () => store.revision(),
    get: (t, namespace, name) => store.get(t, namespace, name),
    list: (t, options) => store.list(t, options),
    create: (t, obj, options) => {
      check(t, obj);
      return store.create(t, obj, options);
    },
    update: (t, obj, options) => {
      if (options?.subresource === undefined) check(t, obj);
      return store.update(t, obj, options);
    },
    delete: (t, namespace, name, options) => store.delete(t, namespace, name, options),
    watch: (t, options, handlers) => store.watch(t, options, handlers),
    bookmark: () => store.bookmark(),
    flush: () => store.flush(),
    close: () => store.close(),
  };
}
