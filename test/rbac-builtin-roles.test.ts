/**
 * The built-in ClusterRoles through the real kubectl: `cluster-admin`, `admin`, `edit` and `view`
 * exist from the start; `view`, `edit` and `admin` get their rules by aggregation; a binding to
 * `view` lets a ServiceAccount read but not write; and a ClusterRole labelled
 * `rbac.authorization.k8s.io/aggregate-to-view: "true"` extends `view` while it exists.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { KubectlCluster } from './support/kubectl.js';
import { kubectlBinary, kubectlOk, startKubectlCluster } from './support/kubectl.js';
import { eventuallyAsync } from './support/wait.js';

const skip = kubectlBinary() ? false : 'kubectl is not installed';
const SA = 'system:serviceaccount:kube-system:log-agent';

describe('built-in ClusterRoles and aggregation with kubectl', { skip }, () => {
  let c: KubectlCluster;
  let token: string;
  const ok = (args: string[], input?: string): Promise<string> => kubectlOk(c, args, input);
  const rules = async (role: string): Promise<PolicyRule[]> =>
    (JSON.parse(await ok(['get', 'clusterrole', role, '-o', 'json'])) as { rules?: PolicyRule[] | null })
      .rules ?? [];
  /** Polls until `check` holds (aggregation runs in the controller, a moment after a change). */
  const eventually = (what: string, check: () => Promise<boolean>): Promise<true> =>
    eventuallyAsync(async () => (await check()) || undefined, { what });
  const grants = (rs: readonly PolicyRule[], group: string, resource: string, verb: string): boolean =>
    rs.some(
      (r) =>
        (r.apiGroups ?? []).includes(group) &&
        (r.resources ?? []).includes(resource) &&
        (r.verbs.includes(verb) || r.verbs.includes('*')),
    );
  const canI = async (...args: string[]): Promise<string> =>
    (await c.kubectl(['--token', token, 'auth', 'can-i', ...args])).stdout.trim();

  before(async () => {
    c = await startKubectlCluster({ nodes: 1 });
  });
  after(async () => {
    await c.close();
  });

  test('cluster-admin, admin, edit and view exist; view, edit and admin aggregate their rules', async () => {
    const names = (await ok(['get', 'clusterroles', '-o', 'name'])).trim().split('\n');
    for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:aggregate-to-view'])
      assert.ok(names.includes(`clusterrole.rbac.authorization.k8s.io/${n}`), `${n} in ${names.join(' ')}`);
    assert.match(await ok(['get', 'clusterrolebinding', 'cluster-admin', '-o', 'wide']), /system:masters/);
    await eventually('view, edit and admin aggregated', async () => {
      const [view, edit, admin] = [await rules('view'), await rules('edit'), await rules('admin')];
      return (
        grants(view, '', 'pods', 'list') &&
        grants(view, 'apps', 'daemonsets', 'watch') &&
        !grants(view, '', 'pods', 'delete') &&
        grants(edit, '', 'pods', 'list') &&
        grants(edit, 'apps', 'daemonsets', 'update') &&
        !grants(edit, 'rbac.authorization.k8s.io', 'roles', 'create') &&
        grants(admin, 'apps', 'daemonsets', 'update') &&
        grants(admin, 'rbac.authorization.k8s.io', 'roles', 'create')
      );
    });
    const yaml = await ok(['get', 'clusterrole', 'view', '-o', 'yaml']);
    assert.match(
      yaml,
      /aggregationRule:\n\s+clusterRoleSelectors:\n\s+- matchLabels:\n\s+rbac\.authorization\.k8s\.io\/aggregate-to-view: "true"/,
    );
  });

  test('a ServiceAccount bound to view reads pods and DaemonSets, and may not delete them', async () => {
    await ok(['create', 'serviceaccount', 'log-agent', '-n', 'kube-system']);
    await ok([
      'create',
      'clusterrolebinding',
      'log-agent-view',
      '--clusterrole=view',
      '--serviceaccount=kube-system:log-agent',
    ]);
    token = (await ok(['create', 'token', 'log-agent', '-n', 'kube-system'])).trim();
    const pods = await c.kubectl(['--token', token, 'get', 'pods,daemonsets', '-A']);
    assert.equal(pods.code, 0, pods.stderr);
    assert.equal(await canI('watch', 'daemonsets.apps', '-n', 'default'), 'yes');
    const del = await c.kubectl(['--token', token, 'delete', 'pod', 'nothing', '-n', 'default']);
    assert.notEqual(del.code, 0);
    assert.equal(
      del.stderr.trim(),
      `Error from server (Forbidden): pods "nothing" is forbidden: User "${SA}" cannot delete resource "pods" in API group "" in the namespace "default"`,
    );
    assert.equal(await canI('list', 'nodes'), 'no');
  });

  test('a ClusterRole labelled aggregate-to-view extends view while it exists', async () => {
    await ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'view-nodes', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
        rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }],
      }),
    );
    await eventually('view to grant nodes', async () => grants(await rules('view'), '', 'nodes', 'list'));
    // edit aggregates view, and admin aggregates edit: the rule reaches both.
    await eventually(
      'edit and admin to grant nodes',
      async () =>
        grants(await rules('edit'), '', 'nodes', 'list') && grants(await rules('admin'), '', 'nodes', 'list'),
    );
    assert.equal(await canI('list', 'nodes'), 'yes');
    await ok(['delete', 'clusterrole', 'view-nodes']);
    await eventually('view to lose nodes', async () => !grants(await rules('view'), '', 'nodes', 'list'));
    assert.equal(await canI('list', 'nodes'), 'no');
  });
});
