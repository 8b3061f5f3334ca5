/**
 * The seeds' kubectl workflows against `everynode up`, with every kubectl from 1.27 to 1.33: describe,
 * rollouts (set image, status, history, undo, restart), taint, cordon, drain, server-side apply,
 * server dry run, an immutable selector, delete -f; and bad input answered with proper Status
 * bodies while the server keeps serving.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubectlCluster } from './support/kubectl.js';
import { kubectlBinary, startKubectlCluster } from './support/kubectl.js';
import { eventuallyAsync } from './support/wait.js';

const example = (name: string): string => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));

function raw(
  c: KubectlCluster,
  method: string,
  path: string,
  body: string | Buffer | undefined,
  contentType = 'application/json',
): Promise<{ code: number; json: Record<string, unknown> }> {
  const ca = readFileSync(join(c.dir, 'data', 'pki', 'ca.crt'), 'utf8');
  return new Promise((resolve, reject) => {
    const req = request(
      `${c.running.url}${path}`,
      { method, ca, headers: { Authorization: `Bearer ${c.running.token}`, 'Content-Type': contentType } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({
            code: res.statusCode ?? 0,
            json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

for (const version of ['1.33', '1.32', '1.31', '1.30', '1.29', '1.28', '1.27'] as const) {
  const skip = kubectlBinary(version) ? false : `kubectl ${version} is not installed`;
  describe(`kubectl ${version} workflows`, { skip }, () => {
    let c: KubectlCluster;
    const k = (args: readonly string[]) => c.kubectl(args, { version });
    before(async () => {
      c = await startKubectlCluster({ controlPlane: true, nodes: 3 });
    });
    after(async () => {
      await c.close();
    });

    test('apply the seed 001 DaemonSet: it runs on every node; describe shows the upstream layout with events', async () => {
      const a = await k(['apply', '-f', example('fluentd-elasticsearch.yaml')]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(a.stdout.trim(), 'daemonset.apps/fluentd-elasticsearch created');
      const st = await k([
        '-n',
        'kube-system',
        'rollout',
        'status',
        'ds/fluentd-elasticsearch',
        '--timeout=60s',
      ]);
      assert.equal(st.code, 0, st.stderr);
      const wide = await k(['get', 'ds', '-A', '-o', 'wide']);
      assert.match(
        wide.stdout,
        /kube-system\s+fluentd-elasticsearch\s+4\s+4\s+4\s+4\s+4\s+<none>\s+\S+\s+fluentd-elasticsearch\s+quay\.io\/fluentd_elasticsearch\/fluentd:v5\.0\.1\s+name=fluentd-elasticsearch/,
      );
      const d = await eventuallyAsync(async () => {
        const r = await k(['-n', 'kube-system', 'describe', 'ds', 'fluentd-elasticsearch']);
        return /Created pod:/.test(r.stdout) ? r : undefined;
      });
      for (const line of [
        /^Name:\s+fluentd-elasticsearch$/m,
        /^Selector:\s+name=fluentd-elasticsearch$/m,
        /^Node-Selector:\s+<none>$/m,
        /^Labels:\s+k8s-app=fluentd-logging$/m,
        /^Annotations:\s+deprecated\.daemonset\.template\.generation: 1$/m,
        /^Desired Number of Nodes Scheduled: 4$/m,
        /^Current Number of Nodes Scheduled: 4$/m,
        /^Number of Nodes Scheduled with Up-to-date Pods: 4$/m,
        /^Number of Nodes Scheduled with Available Pods: 4$/m,
        /^Number of Nodes Misscheduled: 0$/m,
        /^Pods Status:\s+4 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m,
        /^Events:$/m,
        /Normal\s+SuccessfulCreate\s+\S+\s+daemonset-controller\s+Created pod: fluentd-elasticsearch-\w{5}/,
      ]) {
        assert.match(d.stdout, line);
      }
    });

    test('set image, rollout status, history, undo and restart', async () => {
      const ns = ['-n', 'kube-system'];
      const set = await k([
        ...ns,
        'set',
        'image',
        'ds/fluentd-elasticsearch',
        'fluentd-elasticsearch=fluentd:v2',
      ]);
      assert.equal(set.stdout.trim(), 'daemonset.apps/fluentd-elasticsearch image updated');
      const st = await k([...ns, 'rollout', 'status', 'ds/fluentd-elasticsearch', '--timeout=60s']);
      assert.equal(st.code, 0, st.stderr);
      assert.match(st.stdout, /daemon set "fluentd-elasticsearch" successfully rolled out/);
      const hist = await k([...ns, 'rollout', 'history', 'ds/fluentd-elasticsearch']);
      assert.match(hist.stdout, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
      const undo = await k([...ns, 'rollout', 'undo', 'ds/fluentd-elasticsearch']);
      assert.equal(undo.stdout.trim(), 'daemonset.apps/fluentd-elasticsearch rolled back');
      await k([...ns, 'rollout', 'status', 'ds/fluentd-elasticsearch', '--timeout=60s']);
      const hist2 = await k([...ns, 'rollout', 'history', 'ds/fluentd-elasticsearch']);
      assert.match(hist2.stdout, /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
      const images = await k([...ns, 'get', 'pods', '-o', 'jsonpath={.items[*].spec.containers[0].image}']);
      assert.deepEqual(
        [...new Set(images.stdout.split(' '))],
        ['quay.io/fluentd_elasticsearch/fluentd:v5.0.1'],
      );
      const restart = await k([...ns, 'rollout', 'restart', 'ds/fluentd-elasticsearch']);
      assert.equal(restart.stdout.trim(), 'daemonset.apps/fluentd-elasticsearch restarted');
      const st2 = await k([...ns, 'rollout', 'status', 'ds/fluentd-elasticsearch', '--timeout=60s']);
      assert.equal(st2.code, 0, st2.stderr);
    });

    test('taint, cordon and drain; the DaemonSet counts what it should', async () => {
      const t = await k(['taint', 'nodes', 'node-1', 'dedicated=infra:NoSchedule']);
      assert.equal(t.stdout.trim(), 'node/node-1 tainted');
      const c1 = await k(['cordon', 'node-2']);
      assert.equal(c1.stdout.trim(), 'node/node-2 cordoned');
      const nodes = await k(['get', 'nodes']);
      assert.match(nodes.stdout, /node-2\s+Ready,SchedulingDisabled/);
      const drain = await k(['drain', 'node-3', '--ignore-daemonsets', '--timeout=30s']);
      assert.equal(drain.code, 0, drain.stderr);
      assert.match(drain.stdout, /node\/node-3 drained/);
      // fluentd tolerates neither dedicated=infra nor … but cordoning is tolerated automatically.
      const ds = await eventuallyAsync(
        async () => {
          const r = await k([
            '-n',
            'kube-system',
            'get',
            'ds',
            'fluentd-elasticsearch',
            '-o',
            'jsonpath={.status.desiredNumberScheduled}/{.status.numberMisscheduled}',
          ]);
          return r.stdout === '3/1' ? r : undefined;
        },
        { what: 'desired 3, misscheduled 1' },
      );
      assert.equal(ds.stdout, '3/1');
      await k(['taint', 'nodes', 'node-1', 'dedicated-']);
      await k(['uncordon', 'node-2']);
      await k(['uncordon', 'node-3']);
    });

    test('server-side apply, server dry run, and an immutable selector', async () => {
      const ssa = await k(['apply', '--server-side', '-f', example('fluentd-ssd.yaml')]);
      assert.equal(ssa.code, 0, ssa.stderr);
      assert.equal(ssa.stdout.trim(), 'daemonset.apps/fluentd serverside-applied');
      const dry = await k(['apply', '--dry-run=server', '-f', example('nginx-daemonset.yaml')]);
      assert.equal(dry.stdout.trim(), 'daemonset.apps/nginx-daemonset created (server dry run)');
      const none = await k(['get', 'ds', 'nginx-daemonset']);
      assert.notEqual(none.code, 0, 'the dry run stored nothing');
      assert.match(none.stderr, /daemonsets.apps "nginx-daemonset" not found/);
      await k(['apply', '-f', example('nginx-daemonset.yaml')]);
      const changed = join(c.dir, 'changed.yaml');
      writeFileSync(
        changed,
        readFileSync(example('nginx-daemonset.yaml'), 'utf8').replace(/app: nginx$/gm, 'app: nginx2'),
      );
      const r = await k(['apply', '-f', changed]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /spec\.selector: Invalid value: .*field is immutable/);
    });

    test('delete -f removes the DaemonSet and its pods', async () => {
      const del = await k(['delete', '-f', example('nginx-daemonset.yaml')]);
      assert.equal(del.code, 0, del.stderr);
      await eventuallyAsync(
        async () => {
          const r = await k(['get', 'pods', '-l', 'app=nginx', '-o', 'name']);
          return r.stdout.trim() === '' ? true : undefined;
        },
        { what: 'pods gone' },
      );
    });

    test('bad input gets a proper Status and the server keeps serving', async () => {
      const bad = await raw(c, 'POST', '/apis/apps/v1/namespaces/default/daemonsets', '{"kind": ');
      assert.equal(bad.code, 400);
      assert.equal(bad.json['reason'], 'BadRequest');
      const yaml = await raw(
        c,
        'POST',
        '/api/v1/namespaces/default/pods',
        'metadata: [unclosed',
        'application/yaml',
      );
      assert.equal(yaml.code, 400);
      const big = await raw(c, 'POST', '/api/v1/namespaces/default/pods', Buffer.alloc(4 * 1024 * 1024, 'a'));
      assert.equal(big.code, 413);
      assert.equal(big.json['reason'], 'RequestEntityTooLarge');
      const media = await raw(c, 'POST', '/api/v1/namespaces/default/pods', '{}', 'text/plain');
      assert.equal(media.code, 415);
      const sel = await raw(c, 'GET', '/api/v1/pods?labelSelector=app%20in%20(', undefined);
      assert.equal(sel.code, 400);
      const ok = await k(['get', 'ns']);
      assert.equal(ok.code, 0);
      assert.match(ok.stdout, /kube-system\s+Active/);
    });
  });
}
