/**
 * Server-side apply with managedFields, driven by the real kubectl: create, removal of fields
 * dropped from the configuration, conflicts with another manager and --force-conflicts; the
 * manager of a status write.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubectlCluster } from './support/kubectl.js';
import { kubectlBinary, startKubectlCluster } from './support/kubectl.js';

const skip = kubectlBinary() ? false : 'kubectl is not installed';

function manifest(image: string, labels: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'ssa', labels },
    spec: {
      selector: { matchLabels: { app: 'ssa' } },
      template: {
        metadata: { labels: { app: 'ssa' } },
        spec: { containers: [{ name: 'nginx', image }] },
      },
    },
  });
}

interface Entry {
  manager: string;
  operation: string;
  fieldsV1: unknown;
}

describe('kubectl apply --server-side', { skip }, () => {
  let c: KubectlCluster;
  before(async () => {
    c = await startKubectlCluster({ persistence: 'memory' } as never);
  });
  after(async () => {
    await c.close();
  });

  const getDs = async (): Promise<{
    metadata: { labels?: Record<string, string>; managedFields?: Entry[] };
  }> => {
    const r = await c.kubectl(['get', 'ds', 'ssa', '-o', 'json', '--show-managed-fields']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { metadata: { labels?: Record<string, string>; managedFields?: Entry[] } };
  };

  test('creates, then removes a label dropped from the configuration', async () => {
    let r = await c.kubectl(['apply', '--server-side', '-f', '-'], {
      input: manifest('nginx:1.25', { app: 'ssa', tier: 'web' }),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /daemonset\.apps\/ssa serverside-applied/);
    let ds = await getDs();
    assert.deepEqual(ds.metadata.labels, { app: 'ssa', tier: 'web' });
    const apply = ds.metadata.managedFields?.find((e) => e.manager === 'kubectl');
    assert.equal(apply?.operation, 'Apply');
    assert.match(JSON.stringify(apply?.fieldsV1), /"k:\{\\"name\\":\\"nginx\\"\}"/);

    r = await c.kubectl(['apply', '--server-side', '-f', '-'], {
      input: manifest('nginx:1.25', { app: 'ssa' }),
    });
    assert.equal(r.code, 0, r.stderr);
    ds = await getDs();
    assert.deepEqual(ds.metadata.labels, { app: 'ssa' });
  });

  test('conflicts with kubectl set image; --force-conflicts takes over', async () => {
    let r = await c.kubectl(['set', 'image', 'ds/ssa', 'nginx=nginx:1.26']);
    assert.equal(r.code, 0, r.stderr);
    let ds = await getDs();
    const managers = (ds.metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}`);
    assert.ok(managers.includes('kubectl/Apply'), managers.join(','));
    assert.ok(managers.includes('kubectl-set/Update'), managers.join(','));

    r = await c.kubectl(['apply', '--server-side', '-f', '-'], {
      input: manifest('nginx:1.27', { app: 'ssa' }),
    });
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /Apply failed with 1 conflict: conflict with "kubectl-set" using apps\/v1 at \S+: \.spec\.template\.spec\.containers\[name="nginx"\]\.image/,
    );
    assert.match(r.stderr, /force-conflicts/);

    r = await c.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], {
      input: manifest('nginx:1.27', { app: 'ssa' }),
    });
    assert.equal(r.code, 0, r.stderr);
    r = await c.kubectl(['get', 'ds', 'ssa', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
    assert.equal(r.stdout, 'nginx:1.27');
    ds = await getDs();
    const set = ds.metadata.managedFields?.find((e) => e.manager === 'kubectl-set');
    assert.ok(!JSON.stringify(set?.fieldsV1 ?? {}).includes('f:image'));

    r = await c.kubectl(['get', 'ds', 'ssa', '-o', 'yaml']);
    assert.doesNotMatch(r.stdout, /managedFields/, 'hidden without --show-managed-fields');
  });

  test('a status patch is recorded under subresource status: advertising an extended resource', async () => {
    let r = await c.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']);
    assert.equal(r.code, 0, r.stderr);
    const node = r.stdout;
    r = await c.kubectl([
      'patch',
      'node',
      node,
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"capacity":{"example.com/dongle":"4"}}}',
    ]);
    assert.equal(r.code, 0, r.stderr);
    r = await c.kubectl(['get', 'node', node, '-o', 'json', '--show-managed-fields']);
    assert.equal(r.code, 0, r.stderr);
    const n = JSON.parse(r.stdout) as {
      status: { capacity: Record<string, string> };
      metadata: { managedFields?: (Entry & { subresource?: string })[] };
    };
    assert.equal(n.status.capacity['example.com/dongle'], '4');
    const entry = n.metadata.managedFields?.find((e) => e.manager === 'kubectl-patch');
    assert.equal(entry?.operation, 'Update');
    assert.equal(entry?.subresource, 'status');
    assert.deepEqual(entry?.fieldsV1, { 'f:status': { 'f:capacity': { 'f:example.com/dongle': {} } } });
  });
});
