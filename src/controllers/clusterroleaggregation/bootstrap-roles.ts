/**
 * The user-facing ClusterRoles every cluster starts with (upstream's bootstrap policy):
 * `cluster-admin`, and `admin`, `edit` and `view`, which hold no rules of their own but aggregate
 * those of the ClusterRoles labelled `rbac.authorization.k8s.io/aggregate-to-<role>: "true"` —
 * among them `system:aggregate-to-admin`, `-edit` and `-view` with upstream's rules, `view` itself
 * (into `edit`) and `edit` (into `admin`). Rules for kinds this server does not serve are kept
 * as upstream has them: they grant nothing here, and a manifest binding these roles reads the same.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from 'kubernetes-types/rbac/v1.js';

const AGGREGATE = 'rbac.authorization.k8s.io/aggregate-to-';
const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AUTOUPDATE = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function rule(apiGroups: string[], resources: string[], verbs: string[]): PolicyRule {
  return { apiGroups, resources, verbs };
}

function role(name: string, labels: Record<string, string>, rest: Partial<ClusterRole>): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { ...BOOTSTRAP_LABELS, ...labels }, annotations: AUTOUPDATE },
    ...rest,
  };
}

function aggregated(name: string, labels: Record<string, string> = {}): ClusterRole {
  return role(name, labels, {
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`${AGGREGATE}${name}`]: 'true' } }] },
  });
}

export const BOOTSTRAP_CLUSTER_ROLES: readonly ClusterRole[] = [
  role(
    'cluster-admin',
    {},
    {
      rules: [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
      ],
    },
  ),
  aggregated('admin'),
  aggregated('edit', { [`${AGGREGATE}admin`]: 'true' }),
  aggregated('view', { [`${AGGREGATE}edit`]: 'true' }),
  role(
    'system:aggregate-to-admin',
    { [`${AGGREGATE}admin`]: 'true' },
    {
      rules: [
        rule(['authorization.k8s.io'], ['localsubjectaccessreviews'], ['create']),
        rule(['rbac.authorization.k8s.io'], ['rolebindings', 'roles'], ALL),
      ],
    },
  ),
  role(
    'system:aggregate-to-edit',
    { [`${AGGREGATE}edit`]: 'true' },
    {
      rules: [
        rule(
          [''],
          ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'],
          READ,
        ),
        rule([''], ['serviceaccounts'], ['impersonate']),
        rule([''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], WRITE),
        rule([''], ['pods/eviction'], ['create']),
        rule(
          [''],
          [
            'configmaps',
            'events',
            'persistentvolumeclaims',
            'replicationcontrollers',
            'replicationcontrollers/scale',
            'secrets',
            'serviceaccounts',
            'services',
            'services/proxy',
          ],
          WRITE,
        ),
        rule([''], ['serviceaccounts/token'], ['create']),
        rule(
          ['apps'],
          [
            'daemonsets',
            'deployments',
            'deployments/rollback',
            'deployments/scale',
            'replicasets',
            'replicasets/scale',
            'statefulsets',
            'statefulsets/scale',
          ],
          WRITE,
        ),
        rule(['autoscaling'], ['horizontalpodautoscalers'], WRITE),
        rule(['batch'], ['cronjobs', 'jobs'], WRITE),
        rule(
          ['extensions'],
          [
            'daemonsets',
            'deployments',
            'deployments/rollback',
            'deployments/scale',
            'ingresses',
            'networkpolicies',
            'replicasets',
            'replicasets/scale',
            'replicationcontrollers/scale',
          ],
          WRITE,
        ),
        rule(['policy'], ['poddisruptionbudgets'], WRITE),
        rule(['networking.k8s.io'], ['ingresses', 'networkpolicies'], WRITE),
        rule(['coordination.k8s.io'], ['leases'], ALL),
      ],
    },
  ),
  role(
    'system:aggregate-to-view',
    { [`${AGGREGATE}view`]: 'true' },
    {
      rules: [
        rule(
          [''],
          [
            'configmaps',
            'endpoints',
            'persistentvolumeclaims',
            'persistentvolumeclaims/status',
            'pods',
            'replicationcontrollers',
            'replicationcontrollers/scale',
            'serviceaccounts',
            'services',
            'services/status',
          ],
          READ,
        ),
        rule(
          [''],
          [
            'bindings',
            'events',
            'limitranges',
            'namespaces/status',
            'pods/log',
            'pods/status',
            'replicationcontrollers/status',
            'resourcequotas',
            'resourcequotas/status',
          ],
          READ,
        ),
        rule([''], ['namespaces'], READ),
        rule(['discovery.k8s.io'], ['endpointslices'], READ),
        rule(
          ['apps'],
          [
            'controllerrevisions',
            'daemonsets',
            'daemonsets/status',
            'deployments',
            'deployments/scale',
            'deployments/status',
            'replicasets',
            'replicasets/scale',
            'replicasets/status',
            'statefulsets',
            'statefulsets/scale',
            'statefulsets/status',
          ],
          READ,
        ),
        rule(['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], READ),
        rule(['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], READ),
        rule(
          ['extensions'],
          [
            'daemonsets',
            'daemonsets/status',
            'deployments',
            'deployments/scale',
            'deployments/status',
            'ingresses',
            'ingresses/status',
            'networkpolicies',
            'replicasets',
            'replicasets/scale',
            'replicasets/status',
            'replicationcontrollers/scale',
          ],
          READ,
        ),
        rule(['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status'], READ),
        rule(['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies'], READ),
      ],
    },
  ),
];

/** `cluster-admin` for `system:masters`, as upstream binds it. */
export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: readonly ClusterRoleBinding[] = [
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'cluster-admin', labels: BOOTSTRAP_LABELS, annotations: AUTOUPDATE },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }],
  },
];
