/**
 * Authorization: may this user do this request? The {@link Authorizer} contract, upstream's RBAC
 * authorizer over the stored Roles, ClusterRoles, RoleBindings and ClusterRoleBindings
 * (plugin/pkg/auth/authorizer/rbac), and the 403 it leads to, worded as upstream's
 * `responsewriters.Forbidden`.
 *
 * Semantics, as upstream's:
 * - Members of `system:masters` may do anything (the privileged-groups authorizer).
 * - ClusterRoleBindings grant their ClusterRole everywhere; RoleBindings grant their Role or
 *   ClusterRole in their own namespace only. Subjects are Users (by name), Groups, and
 *   ServiceAccounts (user `system:serviceaccount:NS:NAME`; a RoleBinding's subject without a
 *   namespace means the binding's namespace).
 * - A rule matches when its verbs, apiGroups and resources match (`*` matches all;
 *   `resource/subresource`, and `* /subresource` for any resource's subresource), and when it
 *   has resourceNames, the request names one of them — so a list, watch or create without a
 *   name never matches a rule with resourceNames. Non-resource rules match a path exactly, `*`
 *   everything, or a prefix when they end in `*`.
 * - Every authenticated user may read the discovery, version, OpenAPI and health endpoints and
 *   create SelfSubjectAccessReviews, as upstream's bootstrap roles `system:discovery`,
 *   `system:public-info-viewer` and `system:basic-user` bound to `system:authenticated` allow.
 *   These are built in: they are not stored objects.
 * - A binding whose role does not exist grants nothing; a denial then gives the reason
 *   `RBAC: clusterrole.rbac.authorization.k8s.io "x" not found`.
 *
 * Speed: bindings are indexed by subject, and each (user, groups, namespace) resolves its rules
 * once; both are rebuilt lazily after any change of an RBAC object. Changes written through the
 * API server apply to the very next request ({@link RbacAuthorizer.invalidate}); other writers
 * (the in-process client) are seen through a store watch, i.e. within an event-loop turn.
 */
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  RoleRef,
  Subject,
} from 'kubernetes-types/rbac/v1.js';
import type { ForbiddenError } from '../api/errors.js';
import { forbidden } from '../api/errors.js';
import type { KubeObject, ResourceType } from '../api/resources.js';
import { resources } from '../api/resources.js';
import type { Store, WatchHandle } from '../store/types.js';
import type { User } from './authentication.js';
import { AUTHENTICATED_GROUP, MASTERS_GROUP, serviceAccountUserName } from './authentication.js';
import type { RequestInfo } from '../api/request-info.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface Decision {
  readonly allowed: boolean;
  /**
   * Why: `RBAC: allowed by ClusterRoleBinding "b" of ClusterRole "r" to User "u"` when allowed;
   * when denied, empty or the errors met on the way (`RBAC: role.rbac… "x" not found`).
   */
  readonly reason: string;
}

/** Decides requests of authenticated users. Synchronous: it is asked on every request. */
export interface Authorizer {
  authorize(user: User, request: RequestInfo): Decision;
  /** The rules of `user` in `namespace`, for SelfSubjectRulesReview; absent if not enumerable. */
  rulesFor?(user: User, namespace: string): { rules: PolicyRule[]; errors: string[] };
  /** Drops what the authorizer derived from stored objects (called after RBAC writes). */
  invalidate?(): void;
  /** Releases watches. */
  close?(): void;
}

/** Whether `type` is one of the RBAC kinds, whose writes change authorization decisions. */
export function isRbacResource(type: Pick<ResourceType, 'group'>): boolean {
  return type.group === RBAC_GROUP;
}

// ---------------------------------------------------------------------------------------------
// Rule matching (rbac.go RuleAllows and rbac/v1 helpers)

function has(list: readonly string[] | undefined, value: string): boolean {
  if (list === undefined) return false;
  for (const v of list) if (v === '*' || v === value) return true;
  return false;
}

/** `resources` match `resource` (with subresource as `resource/subresource`), `*`, or `* /subresource`. */
function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (
      subresource !== '' &&
      r.length === subresource.length + 2 &&
      r.startsWith('*/') &&
      r.endsWith(subresource)
    )
      return true;
  }
  return false;
}

function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return names.includes(name);
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))) return true;
  }
  return false;
}

/** Upstream's RuleAllows: whether `rule` grants `request`. */
export function ruleAllows(request: RequestInfo, rule: PolicyRule): boolean {
  if (!has(rule.verbs, request.verb)) return false;
  if (!request.isResourceRequest) return nonResourceURLMatches(rule, request.path);
  const combined =
    request.subresource === '' ? request.resource : `${request.resource}/${request.subresource}`;
  return (
    has(rule.apiGroups, request.apiGroup) &&
    resourceMatches(rule, combined, request.subresource) &&
    resourceNameMatches(rule, request.name)
  );
}

// ---------------------------------------------------------------------------------------------
// The 403

/**
 * Upstream's forbiddenMessage: `User "u" cannot list resource "pods" in API group "" in the
 * namespace "default"` (`at the cluster scope` without a namespace; `resource/subresource` for
 * subresources), or `User "u" cannot get path "/metrics"`.
 */
export function forbiddenMessage(user: User, request: RequestInfo): string {
  if (!request.isResourceRequest)
    return `User ${JSON.stringify(user.name)} cannot ${request.verb} path ${JSON.stringify(request.path)}`;
  const resource =
    request.subresource === '' ? request.resource : `${request.resource}/${request.subresource}`;
  const where =
    request.namespace !== ''
      ? `in the namespace ${JSON.stringify(request.namespace)}`
      : 'at the cluster scope';
  return `User ${JSON.stringify(user.name)} cannot ${request.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(request.apiGroup)} ${where}`;
}

/**
 * The 403 of a denied request: `daemonsets.apps "web" is forbidden: User "…" cannot patch
 * resource "daemonsets" in API group "apps" in the namespace "default"`, with `: <reason>`
 * appended when the authorizer gave one; `forbidden: User "…" cannot get path "/metrics"` for
 * non-resource URLs.
 */
export function forbiddenError(user: User, request: RequestInfo, reason = ''): ForbiddenError {
  const msg = forbiddenMessage(user, request) + (reason !== '' ? `: ${reason}` : '');
  if (!request.isResourceRequest) return forbidden('', '', '', msg);
  return forbidden(request.resource, request.apiGroup, request.name, msg);
}

// ---------------------------------------------------------------------------------------------
// Built-in policy for every authenticated user

const BUILT_IN_GRANTS: readonly Grant[] = [
  {
    binding: 'ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user"',
    subject: { kind: 'Group', name: AUTHENTICATED_GROUP },
    rules: [
      {
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
        verbs: ['create'],
      },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ],
  },
  {
    binding: 'ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery"',
    subject: { kind: 'Group', name: AUTHENTICATED_GROUP },
    rules: [
      {
        nonResourceURLs: [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
        verbs: ['get'],
      },
    ],
  },
  {
    binding: 'ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer"',
    subject: { kind: 'Group', name: AUTHENTICATED_GROUP },
    rules: [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }],
  },
];

// ---------------------------------------------------------------------------------------------
// The index

/** What one binding grants one of its subjects. */
interface Grant {
  /** `ClusterRoleBinding "b" of ClusterRole "r"` / `RoleBinding "b/ns" of Role "r"`. */
  readonly binding: string;
  readonly subject: Subject;
  /** The role's rules; undefined when the role does not exist (see `error`). */
  readonly rules?: readonly PolicyRule[];
  readonly error?: string;
  /** The binding's namespace, for describing ServiceAccount subjects without one. */
  readonly namespace?: string;
}

interface IndexedGrant extends Grant {
  /** Order of the binding in the index (cluster bindings first), then of the subject in it. */
  readonly order: number;
}

type SubjectIndex = Map<string, IndexedGrant[]>;

interface Index {
  readonly cluster: SubjectIndex;
  /** RoleBindings by namespace. */
  readonly namespaced: Map<string, SubjectIndex>;
}

/** Index keys of a user: `u:<name>` and `g:<group>` for each group. */
function subjectKey(subject: Subject, bindingNamespace: string): string | undefined {
  switch (subject.kind) {
    case 'User':
      return `u:${subject.name}`;
    case 'Group':
      return `g:${subject.name}`;
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return ns === '' ? undefined : `u:${serviceAccountUserName(ns, subject.name)}`;
    }
    default:
      return undefined;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount')
    return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

function describeRoleRef(ref: RoleRef): string {
  return `${ref.kind} ${JSON.stringify(ref.name)}`;
}

function add(index: SubjectIndex, key: string, grant: IndexedGrant): void {
  const list = index.get(key);
  if (list) list.push(grant);
  else index.set(key, [grant]);
}

/** Resolved grants of one (user, groups, namespace), in upstream's visiting order. */
type Resolved = readonly Grant[];

const RESOLVED_CACHE_SIZE = 10_000;

export interface RbacAuthorizerOptions {
  /** Where the RBAC objects live; watched for changes. */
  readonly store: Store;
}

export class RbacAuthorizer implements Authorizer {
  private index: Index | undefined;
  private readonly resolved = new Map<string, Resolved>();
  private watches: WatchHandle[] = [];
  private watching = false;
  private closed = false;

  constructor(private readonly options: RbacAuthorizerOptions) {}

  authorize(user: User, request: RequestInfo): Decision {
    if (user.groups.includes(MASTERS_GROUP)) return { allowed: true, reason: '' };
    const errors: string[] = [];
    for (const grant of this.grantsFor(user, request.isResourceRequest ? request.namespace : '')) {
      if (grant.rules === undefined) {
        if (grant.error !== undefined && !errors.includes(grant.error)) errors.push(grant.error);
        continue;
      }
      for (const rule of grant.rules) {
        if (ruleAllows(request, rule)) {
          return {
            allowed: true,
            reason: `RBAC: allowed by ${grant.binding} to ${describeSubject(grant.subject, grant.namespace ?? '')}`,
          };
        }
      }
    }
    const reason =
      errors.length === 0 ? '' : errors.length === 1 ? `RBAC: ${errors[0]}` : `RBAC: [${errors.join(', ')}]`;
    return { allowed: false, reason };
  }

  /**
   * The rules that apply to `user` in `namespace` ('' for cluster-wide ones only), with the
   * errors of bindings whose role is missing: what a SelfSubjectRulesReview reports.
   */
  rulesFor(user: User, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    if (user.groups.includes(MASTERS_GROUP)) {
      return {
        rules: [
          { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
          { nonResourceURLs: ['*'], verbs: ['*'] },
        ],
        errors: [],
      };
    }
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    for (const g of this.grantsFor(user, namespace)) {
      if (g.rules) rules.push(...g.rules);
      else if (g.error !== undefined && !errors.includes(g.error)) errors.push(g.error);
    }
    return { rules, errors };
  }

  invalidate(): void {
    this.index = undefined;
    this.resolved.clear();
  }

  close(): void {
    this.closed = true;
    for (const w of this.watches) w.stop();
    this.watches = [];
    this.watching = false;
  }

  private grantsFor(user: User, namespace: string): Resolved {
    const index = this.ensureIndex();
    const key = `${user.name}\u0000${namespace}\u0000${user.groups.join('\u0000')}`;
    let out = this.resolved.get(key);
    if (out !== undefined) return out;
    const found: IndexedGrant[] = [];
    const collect = (idx: SubjectIndex | undefined): void => {
      if (!idx) return;
      const mine = idx.get(`u:${user.name}`);
      if (mine) found.push(...mine);
      for (const g of user.groups) {
        const theirs = idx.get(`g:${g}`);
        if (theirs) found.push(...theirs);
      }
    };
    collect(index.cluster);
    if (namespace !== '') collect(index.namespaced.get(namespace));
    found.sort((a, b) => a.order - b.order);
    // One grant per binding: the first subject of it that applies, as upstream's appliesTo.
    const seen = new Set<string>();
    const unique: Grant[] = [];
    for (const g of found) {
      if (seen.has(g.binding)) continue;
      seen.add(g.binding);
      unique.push(g);
    }
    if (user.groups.includes(AUTHENTICATED_GROUP)) unique.push(...BUILT_IN_GRANTS);
    out = unique;
    if (this.resolved.size >= RESOLVED_CACHE_SIZE) this.resolved.clear();
    this.resolved.set(key, out);
    return out;
  }

  private ensureIndex(): Index {
    if (!this.watching && !this.closed) this.watch();
    if (this.index === undefined) this.index = this.build();
    return this.index;
  }

  /** Invalidates on every change of an RBAC object; a closed watch is re-opened on the next request. */
  private watch(): void {
    const { store } = this.options;
    const rev = store.revision();
    this.watching = true;
    const onClose = (): void => {
      for (const w of this.watches) w.stop();
      this.watches = [];
      this.watching = false;
      this.invalidate();
    };
    const types: ResourceType[] = [
      resources.roles,
      resources.clusterroles,
      resources.rolebindings,
      resources.clusterrolebindings,
    ] as ResourceType[];
    try {
      for (const type of types) {
        this.watches.push(
          store.watch<KubeObject>(
            type,
            { resourceVersion: rev },
            { onEvent: () => this.invalidate(), onClose },
          ),
        );
      }
    } catch {
      // The revision left the replay window between two calls: try again on the next request.
      onClose();
    }
  }

  private build(): Index {
    const { store } = this.options;
    const clusterRoles = new Map<string, readonly PolicyRule[]>();
    for (const r of store.list(resources.clusterroles).items as ClusterRole[])
      clusterRoles.set(r.metadata?.name ?? '', r.rules ?? []);
    const roles = new Map<string, readonly PolicyRule[]>();
    for (const r of store.list(resources.roles).items as Role[])
      roles.set(`${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`, r.rules ?? []);

    const cluster: SubjectIndex = new Map();
    const namespaced = new Map<string, SubjectIndex>();
    let order = 0;
    const indexBinding = (
      target: SubjectIndex,
      binding: RoleBinding | ClusterRoleBinding,
      bindingNamespace: string,
      description: string,
    ): void => {
      const ref = binding.roleRef;
      let rules: readonly PolicyRule[] | undefined;
      let error: string | undefined;
      if (ref.kind === 'ClusterRole') {
        rules = clusterRoles.get(ref.name);
        if (rules === undefined) error = `clusterrole.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found`;
      } else if (ref.kind === 'Role' && bindingNamespace !== '') {
        rules = roles.get(`${bindingNamespace}/${ref.name}`);
        if (rules === undefined) error = `role.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found`;
      } else {
        error = `unsupported role reference kind: ${JSON.stringify(ref.kind)}`;
      }
      const bindingOrder = order++;
      (binding.subjects ?? []).forEach((subject, i) => {
        const key = subjectKey(subject, bindingNamespace);
        if (key === undefined) return;
        add(target, key, {
          binding: `${description} of ${describeRoleRef(ref)}`,
          subject,
          ...(rules !== undefined ? { rules } : {}),
          ...(error !== undefined ? { error } : {}),
          ...(bindingNamespace !== '' ? { namespace: bindingNamespace } : {}),
          order: bindingOrder + i / 1000,
        });
      });
    };
    for (const b of store.list(resources.clusterrolebindings).items as ClusterRoleBinding[]) {
      indexBinding(cluster, b, '', `ClusterRoleBinding ${JSON.stringify(b.metadata?.name ?? '')}`);
    }
    for (const b of store.list(resources.rolebindings).items as RoleBinding[]) {
      const ns = b.metadata?.namespace ?? '';
      let idx = namespaced.get(ns);
      if (!idx) {
        idx = new Map();
        namespaced.set(ns, idx);
      }
      indexBinding(idx, b, ns, `RoleBinding ${JSON.stringify(`${b.metadata?.name ?? ''}/${ns}`)}`);
    }
    return { cluster, namespaced };
  }
}
