/**
 * `everynode up` driven by the real kubectl over HTTPS with a bearer token: the seeds' basic
 * workflow (apply, get, get -o wide, label, rollout status, delete) and authentication.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KubectlCluster } from './support/kubectl.js';
import { kubectlBinary, startKubectlCluster } from './support/kubectl.js';
import { eventuallyAsync } from './support/wait.js';

const example = (name: string): string => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
const skip = kubectlBinary() ? false : 'kubectl is not installed';

function rawGet(
  url: string,
  path: string,
  ca: string,
  token?: string,
): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { ca, headers: token ? { Authorization: `Bearer ${token}` } : {} },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('kubectl against everynode up (kubectl 1.33)', { skip }, () => {
  let c: KubectlCluster;
  before(async () => {
    c = await startKubectlCluster({ controlPlane: true, nodes: 3 });
  });
  after(async () => {
    await c.close();
  });

  test('requests without a valid token get 401 Unauthorized; list resourceVersion semantics', async () => {
    const ca = readFileSync(`${c.running.kubeconfig.replace(/kubeconfig$/, '')}pki/ca.crt`, 'utf8');
    const anon = await rawGet(c.running.url, '/api/v1/nodes', ca);
    assert.equal(anon.code, 401);
    assert.deepEqual(JSON.parse(anon.body), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    const ok = await rawGet(c.running.url, '/api/v1/nodes', ca, c.running.token);
    assert.equal(ok.code, 200);
    // List resourceVersion semantics: any, not-older-than, exact, too large.
    const rv = Number(
      (JSON.parse(ok.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
    );
    assert.equal(
      (await rawGet(c.running.url, '/api/v1/nodes?resourceVersion=0', ca, c.running.token)).code,
      200,
    );
    assert.equal(
      (
        await rawGet(
          c.running.url,
          `/api/v1/nodes?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`,
          ca,
          c.running.token,
        )
      ).code,
      200,
    );
    const tooLarge = await rawGet(
      c.running.url,
      `/api/v1/nodes?resourceVersion=${rv + 1_000_000}`,
      ca,
      c.running.token,
    );
    assert.equal(tooLarge.code, 504);
    assert.match(tooLarge.body, /Too large resource version/);
    const exactOld = await rawGet(
      c.running.url,
      '/api/v1/nodes?resourceVersion=1&resourceVersionMatch=Exact',
      ca,
      c.running.token,
    );
    assert.equal(exactOld.code, 410);
    const badMatch = await rawGet(
      c.running.url,
      '/api/v1/nodes?resourceVersionMatch=Exact',
      ca,
      c.running.token,
    );
    assert.equal(badMatch.code, 400);
  });

  test('kubectl get nodes shows the control plane and the workers with roles and status', async () => {
    const r = await eventuallyAsync(
      async () => {
        const out = await c.kubectl(['get', 'nodes']);
        return out.stdout.split('\n').filter((l) => / Ready /.test(l)).length === 4 ? out : undefined;
      },
      { what: 'four Ready nodes' },
    );
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    assert.match(r.stdout, /control-plane\s+Ready\s+control-plane\s+\S+\s+v1\.30\.0-everynode/);
    assert.match(r.stdout, /node-1\s+Ready\s+<none>/);
  });

  test('apply, get ds, get pods -o wide, rollout status, delete: the seed 002 workflow', async () => {
    const applied = await c.kubectl(['apply', '-f', example('nginx-daemonset.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stdout.trim(), 'daemonset.apps/nginx-daemonset created');
    const status = await c.kubectl(['rollout', 'status', 'daemonset/nginx-daemonset', '--timeout=60s']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /daemon set "nginx-daemonset" successfully rolled out/);
    const ds = await c.kubectl(['get', 'ds']);
    assert.match(
      ds.stdout,
      /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE/,
    );
    assert.match(ds.stdout, /nginx-daemonset\s+3\s+3\s+3\s+3\s+3\s+<none>\s+\S+/);
    const wide = await c.kubectl(['get', 'pods', '-o', 'wide', '-l', 'app=nginx']);
    const rows = wide.stdout.trim().split('\n').slice(1);
    assert.equal(rows.length, 3);
    const nodes = rows.map((r) => r.split(/\s+/)[6]).sort();
    assert.deepEqual(nodes, ['node-1', 'node-2', 'node-3']);
    const again = await c.kubectl(['apply', '-f', example('nginx-daemonset.yaml')]);
    assert.equal(again.stdout.trim(), 'daemonset.apps/nginx-daemonset unchanged');
    const deleted = await c.kubectl(['delete', '-f', example('nginx-daemonset.yaml')]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /daemonset.apps "nginx-daemonset" deleted/);
  });

  test('kubectl apply -f node.yaml adds a simulated node that becomes Ready; delete node removes it', async () => {
    const node = 'apiVersion: v1\nkind: Node\nmetadata:\n  name: extra\n  labels:\n    zone: b\n';
    const a = await c.kubectl(['apply', '-f', '-'], { input: node });
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout.trim(), 'node/extra created');
    await eventuallyAsync(
      async () => {
        const r = await c.kubectl([
          'get',
          'node',
          'extra',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]);
        return r.stdout === 'True' ? true : undefined;
      },
      { what: 'the new node Ready' },
    );
    const d = await c.kubectl(['delete', 'node', 'extra']);
    assert.equal(d.stdout.trim(), 'node "extra" deleted');
    const gone = await c.kubectl(['get', 'node', 'extra']);
    assert.notEqual(gone.code, 0);
  });

  test('kubectl get -w prints Table rows as objects change', async () => {
    const watch = c.kubectl(['get', 'pods', '-w', '--request-timeout=4s'], { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 1_000));
    const created = await c.kubectl(['run', 'watched', '--image=nginx:1.27', '--restart=Always']);
    assert.equal(created.code, 0, created.stderr);
    const out = await watch;
    assert.match(out.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/m);
    assert.match(out.stdout, /watched\s+\d\/1\s+\w+/);
  });

  test('label nodes and get nodes --selector', async () => {
    const l = await c.kubectl(['label', 'nodes', 'node-2', 'ssd=true']);
    assert.equal(l.code, 0, l.stderr);
    assert.equal(l.stdout.trim(), 'node/node-2 labeled');
    const sel = await c.kubectl(['get', 'nodes', '--selector', 'ssd=true', '-o', 'name']);
    assert.equal(sel.stdout.trim(), 'node/node-2');
  });
});
