/**
 * OpenAPI schemas and server-side field validation through the real kubectl (1.33 unless noted)
 * against `everynode up`: `kubectl explain` walks the served v3 schemas, and `kubectl apply`
 * honours `--validate=strict|warn|false` through the `fieldValidation` parameter; a raw HTTPS
 * client sees the duplicate-field checks and the `Warning` headers themselves.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubectlCluster } from './support/kubectl.js';
import { kubectlBinary, startKubectlCluster } from './support/kubectl.js';

const skip = kubectlBinary() ? false : 'kubectl is not installed';

function manifest(name: string, extraSpec = ''): string {
  return `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ${name}
spec:
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: c
          image: nginx
${extraSpec}`;
}

interface RawResponse {
  readonly code: number;
  readonly body: string;
  readonly warnings: readonly string[];
}

function rawRequest(c: KubectlCluster, method: string, path: string, body: string): Promise<RawResponse> {
  const ca = readFileSync(join(c.dir, 'data', 'pki', 'ca.crt'), 'utf8');
  return new Promise((resolve, reject) => {
    const req = request(
      `${c.running.url}${path}`,
      {
        method,
        ca,
        headers: {
          Authorization: `Bearer ${c.running.token}`,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          const w = res.headers.warning;
          const warnings = w === undefined ? [] : Array.isArray(w) ? w : [w];
          resolve({ code: res.statusCode ?? 0, body: text, warnings });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('kubectl explain and field validation against everynode up', { skip }, () => {
  let c: KubectlCluster;
  before(async () => {
    c = await startKubectlCluster({ nodes: 1 });
  });
  after(async () => {
    await c.close();
  });

  test('kubectl explain daemonset.spec.updateStrategy prints the field, its type and its docs', async () => {
    const r = await c.kubectl(['explain', 'daemonset.spec.updateStrategy']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^GROUP:\s+apps\nKIND:\s+DaemonSet\nVERSION:\s+v1\n/);
    assert.match(r.stdout, /FIELD: updateStrategy <DaemonSetUpdateStrategy>/);
    assert.match(
      r.stdout,
      /DESCRIPTION:\n\s+An update strategy to replace existing DaemonSet pods with new pods\./,
    );
    assert.match(
      r.stdout,
      /FIELDS:\n\s+rollingUpdate\t<RollingUpdateDaemonSet>\n\s+Rolling update config params\./,
    );
    assert.match(
      r.stdout,
      /\n\s+type\t<string>\n\s+Type of daemon set update\. Can be "RollingUpdate" or "OnDelete"\./,
    );
  });

  test('kubectl explain pod.spec.containers.image walks through the containers list', async () => {
    const r = await c.kubectl(['explain', 'pod.spec.containers.image']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^KIND:\s+Pod\nVERSION:\s+v1\n/);
    assert.match(r.stdout, /FIELD: image <string>/);
    assert.match(r.stdout, /DESCRIPTION:\n\s+Container image name\. More info:/);
  });

  test(
    'kubectl explain works from the v3 schemas on kubectl 1.27 too',
    { skip: !kubectlBinary('1.27') },
    async () => {
      const r = await c.kubectl(['explain', 'daemonset.spec.updateStrategy.rollingUpdate.maxSurge'], {
        version: '1.27',
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /FIELD: maxSurge <IntOrString>/);
      assert.match(r.stdout, /The maximum number of nodes with an existing available DaemonSet pod/);
    },
  );

  test('kubectl apply of an unknown field fails under the default --validate=strict, nothing is created', async () => {
    const r = await c.kubectl(['apply', '-f', '-'], { input: manifest('strict', '  foo: bar\n') });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      'Error from server (BadRequest): error when creating "STDIN": DaemonSet in version "v1" cannot be handled as a DaemonSet: strict decoding error: unknown field "spec.foo"\n',
    );
    const get = await c.kubectl(['get', 'ds', 'strict']);
    assert.match(get.stderr, /daemonsets\.apps "strict" not found/);
  });

  test('kubectl apply --validate=warn applies with a warning and stores no unknown field', async () => {
    const r = await c.kubectl(['apply', '--validate=warn', '-f', '-'], {
      input: manifest('warn', '  foo: bar\n'),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'daemonset.apps/warn created\n');
    assert.equal(r.stderr, 'Warning: unknown field "spec.foo"\n');
    const spec = await c.kubectl(['get', 'ds', 'warn', '-o', 'jsonpath={.spec}']);
    assert.equal((JSON.parse(spec.stdout) as Record<string, unknown>)['foo'], undefined);
  });

  test('kubectl apply --validate=false applies silently; re-applying strictly goes through PATCH', async () => {
    const r = await c.kubectl(['apply', '--validate=false', '-f', '-'], {
      input: manifest('lenient', '  foo: bar\n'),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'daemonset.apps/lenient created\n');
    assert.equal(r.stderr, '');
    const spec = await c.kubectl(['get', 'ds', 'lenient', '-o', 'jsonpath={.spec}']);
    assert.equal((JSON.parse(spec.stdout) as Record<string, unknown>)['foo'], undefined);

    // The object exists: kubectl sends a strategic merge patch, which upstream rejects with a 422.
    const again = await c.kubectl(['apply', '-f', '-'], { input: manifest('lenient', '  foo: baz\n') });
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /^The request is invalid: patch: Invalid value: "map\[metadata:map\[annotations:map\[kubectl\.kubernetes\.io\/last-applied-configuration:.*\] spec:map\[foo:baz\]\]": strict decoding error: unknown field "spec\.foo"\n$/,
    );
    const warned = await c.kubectl(['apply', '--validate=warn', '-f', '-'], {
      input: manifest('lenient', '  foo: baz\n  minReadySeconds: 3\n'),
    });
    assert.equal(warned.code, 0, warned.stderr);
    assert.equal(warned.stdout, 'daemonset.apps/lenient configured\n');
    assert.equal(warned.stderr, 'Warning: unknown field "spec.foo"\n');
    const after = await c.kubectl(['get', 'ds', 'lenient', '-o', 'jsonpath={.spec}']);
    const stored = JSON.parse(after.stdout) as Record<string, unknown>;
    assert.equal(stored['minReadySeconds'], 3);
    assert.equal(stored['foo'], undefined);
  });

  test('kubectl apply --server-side rejects unknown fields whatever --validate says', async () => {
    const r = await c.kubectl(['apply', '--server-side', '--validate=false', '-f', '-'], {
      input: manifest('ssa', '  foo: bar\n'),
    });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /failed to create typed patch object \(default\/ssa; apps\/v1, Kind=DaemonSet\): \.spec\.foo: field not declared in schema/,
    );
    const ok = await c.kubectl(['apply', '--server-side', '-f', '-'], { input: manifest('ssa') });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'daemonset.apps/ssa serverside-applied\n');
  });

  test('ordinary kubectl patches pass strict validation untouched: label, rollout restart, cordon, taint', async () => {
    const created = await c.kubectl(['apply', '-f', '-'], { input: manifest('plain') });
    assert.equal(created.code, 0, created.stderr);
    const unchanged = await c.kubectl(['apply', '-f', '-'], { input: manifest('plain') });
    assert.equal(unchanged.stdout, 'daemonset.apps/plain unchanged\n');
    for (const args of [
      ['label', 'ds', 'plain', 'tier=web'],
      ['rollout', 'restart', 'ds/plain'],
      ['cordon', 'node-1'],
      ['taint', 'nodes', 'node-1', 'k=v:NoSchedule'],
      ['uncordon', 'node-1'],
    ]) {
      const r = await c.kubectl(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, '', args.join(' '));
    }
    const ds = await c.kubectl(['get', 'ds', 'plain', '-o', 'json']);
    const obj = JSON.parse(ds.stdout) as {
      metadata: { labels: Record<string, string> };
      spec: { template: { metadata: { annotations?: Record<string, string> } } };
    };
    assert.equal(obj.metadata.labels['tier'], 'web');
    assert.ok(obj.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']);
  });

  test(
    'kubectl 1.27 (which also fetches /openapi/v2) gets the same strict validation',
    { skip: !kubectlBinary('1.27') },
    async () => {
      const bad = await c.kubectl(['apply', '-f', '-'], {
        version: '1.27',
        input: manifest('old', '  foo: bar\n'),
      });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /strict decoding error: unknown field "spec\.foo"\n$/);
      const ok = await c.kubectl(['apply', '-f', '-'], { version: '1.27', input: manifest('old') });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, 'daemonset.apps/old created\n');
    },
  );

  test('a raw HTTPS POST with a duplicate key: 400 under Strict, a Warning header under Warn', async () => {
    const body = (name: string): string =>
      `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"${name}","name":"${name}"},"spec":{"selector":{"matchLabels":{"app":"raw"}},"template":{"metadata":{"labels":{"app":"raw"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}`;
    const strict = await rawRequest(
      c,
      'POST',
      '/apis/apps/v1/namespaces/default/daemonsets?fieldValidation=Strict',
      body('raw'),
    );
    assert.equal(strict.code, 400);
    assert.deepEqual(JSON.parse(strict.body), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'DaemonSet in version "v1" cannot be handled as a DaemonSet: strict decoding error: duplicate field "metadata.name"',
      reason: 'BadRequest',
      code: 400,
    });
    const warn = await rawRequest(
      c,
      'POST',
      '/apis/apps/v1/namespaces/default/daemonsets?fieldValidation=Warn',
      body('raw'),
    );
    assert.equal(warn.code, 201, warn.body);
    assert.deepEqual(warn.warnings, ['299 - "duplicate field \\"metadata.name\\""']);
  });
});
