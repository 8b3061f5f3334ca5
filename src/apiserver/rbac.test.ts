/**
 * The RBAC authorizer on its own: rule matching (verbs, groups, resources, subresources,
 * resourceNames, non-resource URLs), subjects (users, groups, service accounts), the scope of
 * RoleBindings, upstream's 403 wording, request info as upstream derives it, and the index
 * following the store.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { ResourceType } from '../api/resources.js';
import { resources } from '../api/resources.js';
import { toStatus } from '../api/errors.js';
import { ObjectStore } from '../store/object-store.js';
import { defaultStrategies } from '../store/strategies.js';
import { FakeClock } from '../util/clock.js';
import type { User } from './authentication.js';
import { parseServiceAccountUserName, serviceAccountUserName } from './authentication.js';
import { RbacAuthorizer, forbiddenError, ruleAllows } from './rbac.js';
import { compactString, escalationMessage, missingRules } from './rbac-escalation.js';
import type { RequestInfo, ResourceRequestInfo } from '../api/request-info.js';
import { requestInfo } from '../api/request-info.js';

function res(verb: string, resource: string, more: Partial<ResourceRequestInfo> = {}): ResourceRequestInfo {
  return {
    isResourceRequest: true,
    verb,
    apiGroup: '',
    apiVersion: 'v1',
    resource,
    subresource: '',
    namespace: 'default',
    name: '',
    ...more,
  };
}

function path(verb: string, p: string): RequestInfo {
  return { isResourceRequest: false, verb, path: p };
}

function info(method: string, url: string): RequestInfo {
  const u = new URL(url, 'http://x');
  return requestInfo(method, u.pathname, u.searchParams);
}

describe('ruleAllows', () => {
  const rule = (r: Partial<PolicyRule>): PolicyRule => ({ verbs: ['get'], ...r });

  test('verbs, apiGroups and resources must all match; "*" matches anything', () => {
    const pods = rule({ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] });
    assert.equal(ruleAllows(res('get', 'pods'), pods), true);
    assert.equal(ruleAllows(res('list', 'pods'), pods), true);
    assert.equal(ruleAllows(res('delete', 'pods'), pods), false);
    assert.equal(ruleAllows(res('get', 'pods', { apiGroup: 'apps' }), pods), false);
    assert.equal(ruleAllows(res('get', 'nodes'), pods), false);
    const all = rule({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] });
    assert.equal(ruleAllows(res('deletecollection', 'daemonsets', { apiGroup: 'apps' }), all), true);
    assert.equal(
      ruleAllows(res('update', 'daemonsets', { apiGroup: 'apps', subresource: 'status' }), all),
      true,
    );
  });

  test('subresources are matched as resource/subresource or */subresource, never by the bare resource', () => {
    const ds = rule({ apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['update'] });
    const status = res('update', 'daemonsets', { apiGroup: 'apps', subresource: 'status', name: 'web' });
    assert.equal(ruleAllows(status, ds), false);
    assert.equal(ruleAllows(status, { ...ds, resources: ['daemonsets/status'] }), true);
    assert.equal(ruleAllows(status, { ...ds, resources: ['*/status'] }), true);
    assert.equal(ruleAllows(status, { ...ds, resources: ['*/scale'] }), false);
    assert.equal(
      ruleAllows(res('update', 'daemonsets', { apiGroup: 'apps' }), { ...ds, resources: ['*/status'] }),
      false,
    );
    const binding = res('create', 'pods', { subresource: 'binding', name: 'p' });
    assert.equal(
      ruleAllows(binding, rule({ apiGroups: [''], resources: ['pods/binding'], verbs: ['create'] })),
      true,
    );
    assert.equal(
      ruleAllows(binding, rule({ apiGroups: [''], resources: ['pods'], verbs: ['create'] })),
      false,
    );
  });

  test('resourceNames restrict only requests that name an object', () => {
    const named = rule({
      apiGroups: [''],
      resources: ['pods'],
      resourceNames: ['a'],
      verbs: ['get', 'list', 'create'],
    });
    assert.equal(ruleAllows(res('get', 'pods', { name: 'a' }), named), true);
    assert.equal(ruleAllows(res('get', 'pods', { name: 'b' }), named), false);
    assert.equal(ruleAllows(res('list', 'pods'), named), false, 'a list names nothing');
    assert.equal(ruleAllows(res('create', 'pods'), named), false, 'a create names nothing');
    assert.equal(ruleAllows(res('list', 'pods', { name: 'a' }), named), true, 'list with metadata.name=a');
  });

  test('non-resource URLs: exact, "*", and trailing-"*" prefixes; resource rules never match them', () => {
    const urls = rule({ nonResourceURLs: ['/metrics', '/apis/*', '/logs*'], verbs: ['get'] });
    assert.equal(ruleAllows(path('get', '/metrics'), urls), true);
    assert.equal(ruleAllows(path('get', '/metrics/x'), urls), false);
    assert.equal(ruleAllows(path('get', '/apis/apps/v1'), urls), true);
    assert.equal(ruleAllows(path('get', '/apis'), urls), false);
    assert.equal(ruleAllows(path('get', '/logsfoo'), urls), true);
    assert.equal(ruleAllows(path('post', '/metrics'), urls), false);
    assert.equal(ruleAllows(path('get', '/anything'), rule({ nonResourceURLs: ['*'] })), true);
    assert.equal(ruleAllows(path('get', '/metrics'), rule({ apiGroups: ['*'], resources: ['*'] })), false);
    assert.equal(ruleAllows(res('get', 'pods'), urls), false);
  });
});

describe('request info as upstream derives it', () => {
  test('verbs from method, collection, watch and name', () => {
    const cases: [string, string, Partial<ResourceRequestInfo>][] = [
      ['GET', '/api/v1/namespaces/default/pods', { verb: 'list', resource: 'pods', namespace: 'default' }],
      ['GET', '/api/v1/pods?watch=true', { verb: 'watch', namespace: '' }],
      ['GET', '/api/v1/pods?watch=1', { verb: 'watch' }],
      ['GET', '/api/v1/pods?watch=false', { verb: 'list' }],
      ['GET', '/api/v1/namespaces/default/pods/p', { verb: 'get', name: 'p' }],
      ['POST', '/api/v1/namespaces/default/pods', { verb: 'create', name: '' }],
      ['PUT', '/api/v1/namespaces/default/pods/p', { verb: 'update', name: 'p' }],
      [
        'PATCH',
        '/apis/apps/v1/namespaces/default/daemonsets/web',
        { verb: 'patch', apiGroup: 'apps', name: 'web' },
      ],
      ['DELETE', '/api/v1/namespaces/default/pods/p', { verb: 'delete', name: 'p' }],
      ['DELETE', '/api/v1/namespaces/default/pods', { verb: 'deletecollection' }],
      [
        'PUT',
        '/apis/apps/v1/namespaces/default/daemonsets/web/status',
        { verb: 'update', resource: 'daemonsets', subresource: 'status', name: 'web' },
      ],
      [
        'POST',
        '/api/v1/namespaces/default/pods/p/binding',
        { verb: 'create', subresource: 'binding', name: 'p' },
      ],
      ['POST', '/api/v1/namespaces/default/pods/p/eviction', { verb: 'create', subresource: 'eviction' }],
      ['GET', '/api/v1/namespaces/default/pods/p/log', { verb: 'get', subresource: 'log' }],
      [
        'POST',
        '/api/v1/namespaces/ns/serviceaccounts/sa/token',
        { verb: 'create', resource: 'serviceaccounts', subresource: 'token', name: 'sa', namespace: 'ns' },
      ],
      [
        'GET',
        '/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dp&watch=true',
        { verb: 'watch', name: 'p' },
      ],
      ['GET', '/api/v1/namespaces/x', { verb: 'get', resource: 'namespaces', namespace: 'x', name: 'x' }],
      ['PUT', '/api/v1/namespaces/x/status', { resource: 'namespaces', name: 'x', subresource: 'status' }],
      ['GET', '/api/v1/namespaces', { verb: 'list', resource: 'namespaces', namespace: '' }],
      ['GET', '/api/v1/nodes/n1', { verb: 'get', resource: 'nodes', namespace: '', name: 'n1' }],
    ];
    for (const [method, url, want] of cases) {
      const got = info(method, url);
      assert.equal(got.isResourceRequest, true, url);
      for (const [k, v] of Object.entries(want))
        assert.equal((got as unknown as Record<string, unknown>)[k], v, `${method} ${url}: ${k}`);
    }
  });

  test('discovery, version, OpenAPI and metrics are non-resource requests', () => {
    for (const p of [
      '/api',
      '/api/v1',
      '/apis',
      '/apis/apps',
      '/apis/apps/v1',
      '/version',
      '/openapi/v3',
      '/metrics',
    ])
      assert.deepEqual(info('GET', p), { isResourceRequest: false, verb: 'get', path: p });
  });
});

describe('forbidden messages', () => {
  const user: User = { name: 'system:serviceaccount:everynode-system:everynode-controller', groups: [] };

  test('worded as upstream, with the name only when the request names an object', () => {
    const patch = forbiddenError(user, res('patch', 'daemonsets', { apiGroup: 'apps', name: 'web' }));
    assert.equal(
      patch.message,
      'daemonsets.apps "web" is forbidden: User "system:serviceaccount:everynode-system:everynode-controller" cannot patch resource "daemonsets" in API group "apps" in the namespace "default"',
    );
    assert.deepEqual(toStatus(patch).details, { name: 'web', group: 'apps', kind: 'daemonsets' });
    assert.equal(toStatus(patch).code, 403);
    assert.equal(toStatus(patch).reason, 'Forbidden');
    const x: User = { name: 'x', groups: [] };
    assert.equal(
      forbiddenError(x, res('list', 'pods', { namespace: '' })).message,
      'pods is forbidden: User "x" cannot list resource "pods" in API group "" at the cluster scope',
    );
    assert.equal(
      forbiddenError(x, res('update', 'daemonsets', { apiGroup: 'apps', name: 'web', subresource: 'status' }))
        .message,
      'daemonsets.apps "web" is forbidden: User "x" cannot update resource "daemonsets/status" in API group "apps" in the namespace "default"',
    );
    assert.equal(
      forbiddenError(x, res('create', 'pods', { name: 'p', subresource: 'binding' })).message,
      'pods "p" is forbidden: User "x" cannot create resource "pods/binding" in API group "" in the namespace "default"',
    );
    assert.equal(
      forbiddenError(x, res('create', 'pods')).message,
      'pods is forbidden: User "x" cannot create resource "pods" in API group "" in the namespace "default"',
    );
    const metrics = forbiddenError(x, path('get', '/metrics'));
    assert.equal(metrics.message, 'forbidden: User "x" cannot get path "/metrics"');
    assert.equal(toStatus(metrics).details, undefined);
    assert.equal(
      forbiddenError(
        x,
        res('get', 'pods', { name: 'p' }),
        'RBAC: role.rbac.authorization.k8s.io "r" not found',
      ).message,
      'pods "p" is forbidden: User "x" cannot get resource "pods" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "r" not found',
    );
  });
});

describe('service account user names', () => {
  test('round-trip system:serviceaccount:NS:NAME', () => {
    assert.equal(serviceAccountUserName('ns', 'sa'), 'system:serviceaccount:ns:sa');
    assert.deepEqual(parseServiceAccountUserName('system:serviceaccount:ns:sa'), {
      namespace: 'ns',
      name: 'sa',
    });
    assert.equal(parseServiceAccountUserName('system:serviceaccount:ns'), undefined);
    assert.equal(parseServiceAccountUserName('alice'), undefined);
  });
});

describe('RbacAuthorizer over a store', () => {
  let store: ObjectStore;
  let authz: RbacAuthorizer;
  const sa: User = {
    name: 'system:serviceaccount:team:bot',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
  };
  const alice: User = { name: 'alice', groups: ['devs', 'system:authenticated'] };
  const allowed = (u: User, r: RequestInfo): boolean => authz.authorize(u, r).allowed;

  before(() => {
    store = new ObjectStore({ clock: new FakeClock(0), strategies: defaultStrategies });
    for (const name of ['team', 'other', 'kube-system'])
      store.create(resources.namespaces, { metadata: { name } });
  });
  after(() => store.close());
  beforeEach(() => {
    const types = [
      resources.clusterroles,
      resources.clusterrolebindings,
      resources.roles,
      resources.rolebindings,
    ] as ResourceType[];
    for (const t of types)
      for (const o of store.list(t).items)
        store.delete(t, o.metadata?.namespace ?? '', o.metadata?.name ?? '');
    authz?.close();
    authz = new RbacAuthorizer({ store });
  });

  /** Direct store writes reach the authorizer through its watch, within an event-loop turn. */
  async function settle(): Promise<void> {
    await store.flush();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
  }

  function clusterRole(name: string, rules: PolicyRule[]): void {
    store.create(resources.clusterroles, { metadata: { name }, rules });
  }

  test('system:masters may do anything; nobody else may do anything without a binding', () => {
    const admin: User = { name: 'admin', groups: ['system:masters'] };
    assert.deepEqual(authz.authorize(admin, res('delete', 'nodes', { name: 'n' })), {
      allowed: true,
      reason: '',
    });
    assert.equal(allowed(admin, path('get', '/metrics')), true);
    assert.equal(allowed(sa, res('list', 'pods')), false);
    assert.equal(allowed(sa, path('get', '/metrics')), false);
  });

  test('every authenticated user may read discovery, version and OpenAPI and review itself', () => {
    for (const p of [
      '/api',
      '/api/v1',
      '/apis',
      '/apis/apps/v1',
      '/version',
      '/openapi/v3',
      '/openapi/v3/api/v1',
      '/healthz',
    ])
      assert.equal(allowed(sa, path('get', p)), true, p);
    assert.equal(allowed(sa, path('post', '/api')), false);
    assert.equal(
      allowed(
        sa,
        res('create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io', namespace: '' }),
      ),
      true,
    );
    assert.equal(allowed({ name: 'anon', groups: [] }, path('get', '/api')), false);
  });

  test('a ClusterRoleBinding grants its ClusterRole to users, groups and service accounts everywhere', () => {
    clusterRole('reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    store.create(resources.clusterrolebindings, {
      metadata: { name: 'readers' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
      subjects: [
        { kind: 'ServiceAccount', name: 'bot', namespace: 'team' },
        { kind: 'Group', name: 'devs' },
      ],
    });
    assert.equal(allowed(sa, res('list', 'pods', { namespace: 'other' })), true);
    assert.equal(allowed(sa, res('list', 'pods', { namespace: '' })), true);
    assert.equal(allowed(sa, res('delete', 'pods', { name: 'p' })), false);
    assert.equal(allowed(alice, res('watch', 'pods')), true);
    assert.deepEqual(authz.authorize(sa, res('get', 'pods', { name: 'p' })), {
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "reader" to ServiceAccount "bot/team"',
    });
    const otherSa: User = { ...sa, name: 'system:serviceaccount:other:bot' };
    assert.equal(allowed(otherSa, res('list', 'pods')), false, 'same name, other namespace');
  });

  test('a RoleBinding grants only in its namespace, its Role or a ClusterRole; SA subjects default to it', async () => {
    store.create(resources.roles, {
      metadata: { name: 'leases', namespace: 'kube-system' },
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          resourceNames: ['mine'],
          verbs: ['get', 'update'],
        },
      ],
    });
    store.create(resources.rolebindings, {
      metadata: { name: 'leases', namespace: 'kube-system' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'leases' },
      subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'team' }],
    });
    const lease = (verb: string, more: Partial<ResourceRequestInfo> = {}): ResourceRequestInfo =>
      res(verb, 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-system', ...more });
    assert.equal(allowed(sa, lease('create')), true);
    assert.equal(allowed(sa, lease('get', { name: 'mine' })), true);
    assert.equal(allowed(sa, lease('update', { name: 'mine' })), true);
    assert.equal(allowed(sa, lease('get', { name: 'theirs' })), false, 'resourceNames');
    assert.equal(allowed(sa, lease('list')), false);
    assert.equal(allowed(sa, lease('create', { namespace: 'team' })), false, 'other namespace');
    assert.equal(allowed(sa, lease('create', { namespace: '' })), false, 'cluster scope');

    clusterRole('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]);
    store.create(resources.rolebindings, {
      metadata: { name: 'local-bot', namespace: 'team' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'bot' }],
    });
    await settle();
    assert.equal(allowed(sa, res('list', 'pods', { namespace: 'team' })), true);
    assert.equal(allowed(sa, res('list', 'pods', { namespace: 'other' })), false);
    assert.equal(allowed(sa, res('list', 'pods', { namespace: '' })), false);
  });

  test('a binding to a missing role grants nothing and says so in the reason', () => {
    store.create(resources.rolebindings, {
      metadata: { name: 'dangling', namespace: 'team' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'nope' },
      subjects: [{ kind: 'User', name: 'alice' }],
    });
    assert.deepEqual(authz.authorize(alice, res('get', 'pods', { namespace: 'team', name: 'p' })), {
      allowed: false,
      reason: 'RBAC: role.rbac.authorization.k8s.io "nope" not found',
    });
    assert.deepEqual(authz.authorize(sa, res('get', 'pods', { namespace: 'team', name: 'p' })), {
      allowed: false,
      reason: '',
    });
  });

  test('follows changes of roles and bindings made directly in the store', async () => {
    clusterRole('writer', [{ apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['patch', 'update'] }]);
    store.create(resources.clusterrolebindings, {
      metadata: { name: 'writers' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'writer' },
      subjects: [{ kind: 'User', name: 'alice' }],
    });
    const patch = res('patch', 'daemonsets', { apiGroup: 'apps', name: 'web' });
    assert.equal(allowed(alice, patch), true);
    const role = store.get(resources.clusterroles, '', 'writer');
    assert.ok(role);
    store.update(resources.clusterroles, {
      ...role,
      rules: [{ apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['update'] }],
    });
    await settle();
    assert.equal(allowed(alice, patch), false, 'the verb removed from the ClusterRole');
    store.delete(resources.clusterrolebindings, '', 'writers');
    authz.invalidate();
    assert.equal(allowed(alice, res('update', 'daemonsets', { apiGroup: 'apps', name: 'web' })), false);
  });

  test('rulesFor lists the rules of a user in a namespace', () => {
    clusterRole('reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]);
    store.create(resources.clusterrolebindings, {
      metadata: { name: 'readers' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
      subjects: [{ kind: 'User', name: 'alice' }],
    });
    const { rules, errors } = authz.rulesFor(alice, 'team');
    assert.deepEqual(rules[0], { apiGroups: [''], resources: ['pods'], verbs: ['list'] });
    assert.deepEqual(errors, []);
  });
});

describe('escalation prevention', () => {
  const bot: User = { name: 'bot', groups: ['team', 'system:authenticated'] };

  test('missingRules breaks rules down and checks each piece against the owner rules', () => {
    const owner: PolicyRule[] = [
      { apiGroups: [''], resources: ['pods', '*/status'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['daemonsets'], resourceNames: ['web'], verbs: ['*'] },
      { nonResourceURLs: ['/metrics*'], verbs: ['get'] },
    ];
    assert.deepEqual(missingRules(owner, [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]), []);
    assert.deepEqual(
      missingRules(owner, [{ apiGroups: [''], resources: ['nodes/status'], verbs: ['get'] }]),
      [],
    );
    assert.deepEqual(
      missingRules(owner, [
        { apiGroups: ['apps'], resources: ['daemonsets'], resourceNames: ['web'], verbs: ['patch'] },
      ]),
      [],
    );
    assert.deepEqual(
      missingRules(owner, [{ apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['patch'] }]),
      [{ apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['patch'] }],
    );
    assert.deepEqual(missingRules(owner, [{ nonResourceURLs: ['/metrics/x'], verbs: ['get'] }]), []);
    assert.deepEqual(missingRules(owner, [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]), [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    ]);
  });

  test('the refusal lists the missing rules, compacted, as upstream', () => {
    const missing = missingRules(
      [],
      [
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] },
        { nonResourceURLs: ['/metrics'], verbs: ['get'] },
      ],
    );
    assert.equal(
      escalationMessage(bot, missing, []),
      'user "bot" (groups=["team" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}\n' +
        '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
    );
    assert.equal(
      compactString({
        apiGroups: ['apps'],
        resources: ['daemonsets'],
        resourceNames: ['web'],
        verbs: ['get'],
      }),
      '{APIGroups:["apps"], Resources:["daemonsets"], ResourceNames:["web"], Verbs:["get"]}',
    );
  });
});
