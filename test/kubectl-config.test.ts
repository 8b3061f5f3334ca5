/**
 * ConfigMaps and Secrets through the real kubectl, as a DaemonSet's manifests use them: applied
 * beside the DaemonSet that mounts them, created from literals, listed with upstream's columns,
 * refused with upstream's messages for a bad key, and frozen by `immutable: true`; Secrets'
 * `stringData`, types and their required keys.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubectlCluster } from './support/kubectl.js';
import { kubectlBinary, kubectlOk, startKubectlCluster } from './support/kubectl.js';

const skip = kubectlBinary() ? false : 'kubectl is not installed';

const AGENT = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: fluent-bit-config
  namespace: kube-system
data:
  fluent-bit.conf: |
    [INPUT]
        Name tail
        Path /var/log/containers/*.log
  parsers.conf: ""
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: fluent-bit
  namespace: kube-system
spec:
  selector:
    matchLabels: { app: fluent-bit }
  template:
    metadata:
      labels: { app: fluent-bit }
    spec:
      containers:
        - name: fluent-bit
          image: fluent/fluent-bit:3.0
          volumeMounts:
            - { name: config, mountPath: /fluent-bit/etc/ }
      volumes:
        - name: config
          configMap: { name: fluent-bit-config }
`;

describe('ConfigMaps and Secrets with kubectl', { skip }, () => {
  let c: KubectlCluster;
  const ok = (args: string[], input?: string): Promise<string> => kubectlOk(c, args, input);

  before(async () => {
    c = await startKubectlCluster({ nodes: 2 });
  });
  after(async () => {
    await c.close();
  });

  test('a ConfigMap applies beside the DaemonSet that mounts it; get and describe show it', async () => {
    assert.deepEqual((await ok(['apply', '-f', '-'], AGENT)).trim().split('\n'), [
      'configmap/fluent-bit-config created',
      'daemonset.apps/fluent-bit created',
    ]);
    assert.match(await ok(['apply', '-f', '-'], AGENT), /configmap\/fluent-bit-config unchanged/);
    const list = await ok(['get', 'cm', '-n', 'kube-system']);
    assert.match(list, /^NAME\s+DATA\s+AGE\n/);
    assert.match(list, /\nfluent-bit-config\s+2\s+\S+\n/);
    const conf = await ok([
      'get',
      'configmap',
      'fluent-bit-config',
      '-n',
      'kube-system',
      '-o',
      'jsonpath={.data.fluent-bit\\.conf}',
    ]);
    assert.match(conf, /^\[INPUT\]\n {4}Name tail\n/);
    const described = await ok(['describe', 'cm', 'fluent-bit-config', '-n', 'kube-system']);
    assert.match(described, /Name:\s+fluent-bit-config/);
    assert.match(described, /fluent-bit\.conf:\n-+\n\[INPUT\]/);
  });

  test('kubectl create configmap from literals; a bad key and binaryData that is not base64 are refused with upstream’s messages', async () => {
    assert.match(
      await ok([
        'create',
        'configmap',
        'agent-env',
        '--from-literal=LOG_LEVEL=info',
        '--from-literal=region=eu',
      ]),
      /configmap\/agent-env created/,
    );
    assert.equal(await ok(['get', 'cm', 'agent-env', '-o', 'jsonpath={.data.LOG_LEVEL}']), 'info');
    const bad = await c.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'bad' },
        data: { 'a b': 'x' },
      }),
    });
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /The ConfigMap "bad" is invalid: data\[a b\]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '\.' \(e\.g\. 'key\.name', {2}or 'KEY_NAME', {2}or 'key-name', regex used for validation is '\[-\._a-zA-Z0-9\]\+'\)/,
    );
    const binary = await c.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'bad-binary' },
        binaryData: { 'ca.der': 'not base64!' },
      }),
    });
    assert.notEqual(binary.code, 0);
    assert.match(
      binary.stderr,
      /ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 3/,
    );
  });

  test('an immutable ConfigMap keeps its data: changes are refused, deleting still works', async () => {
    const cm = (data: Record<string, string>) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'frozen' },
        data,
        immutable: true,
      });
    await ok(['apply', '-f', '-'], cm({ a: '1' }));
    const changed = await c.kubectl(['apply', '-f', '-'], { input: cm({ a: '2' }) });
    assert.notEqual(changed.code, 0);
    assert.match(
      changed.stderr,
      /The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set/,
    );
    assert.equal(await ok(['get', 'cm', 'frozen', '-o', 'jsonpath={.data.a}']), '1');
    assert.match(await ok(['delete', 'cm', 'frozen']), /configmap "frozen" deleted/);
  });

  test('kubectl create secret generic: Opaque, base64 data; get shows TYPE and DATA', async () => {
    assert.match(
      await ok([
        'create',
        'secret',
        'generic',
        'es-credentials',
        '-n',
        'kube-system',
        '--from-literal=username=elastic',
        '--from-literal=password=changeme',
      ]),
      /secret\/es-credentials created/,
    );
    const list = await ok(['get', 'secrets', '-n', 'kube-system']);
    assert.match(list, /^NAME\s+TYPE\s+DATA\s+AGE\n/);
    assert.match(list, /\nes-credentials\s+Opaque\s+2\s+\S+\n/);
    const user = await ok([
      'get',
      'secret',
      'es-credentials',
      '-n',
      'kube-system',
      '-o',
      'jsonpath={.data.username}',
    ]);
    assert.equal(Buffer.from(user, 'base64').toString('utf8'), 'elastic');
  });

  test('stringData is stored as base64 data and never returned', async () => {
    await ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'shipper' },
        stringData: { token: 's3cr3t' },
        data: { region: Buffer.from('eu').toString('base64') },
      }),
    );
    const s = JSON.parse(await ok(['get', 'secret', 'shipper', '-o', 'json'])) as {
      type: string;
      data: Record<string, string>;
      stringData?: unknown;
    };
    assert.equal(s.type, 'Opaque');
    assert.deepEqual(s.data, { region: 'ZXU=', token: Buffer.from('s3cr3t').toString('base64') });
    assert.equal(s.stringData, undefined);
  });

  test('a type needs its keys; the type never changes; data must be base64', async () => {
    const secret = (name: string, type: string, data: Record<string, string>): string =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, type, data });
    let r = await c.kubectl(['apply', '-f', '-'], {
      input: secret('tls', 'kubernetes.io/tls', { 'tls.crt': 'Y2VydA==' }),
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Secret "tls" is invalid: data\[tls\.key\]: Required value/);
    await ok(['apply', '-f', '-'], secret('auth', 'kubernetes.io/basic-auth', { username: 'dQ==' }));
    r = await c.kubectl(['apply', '-f', '-'], { input: secret('auth', 'Opaque', { username: 'dQ==' }) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Secret "auth" is invalid: type: Invalid value: "Opaque": field is immutable/);
    r = await c.kubectl(['apply', '-f', '-'], { input: secret('b64', 'Opaque', { k: 'not base64!' }) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot be handled as a Secret: illegal base64 data at input byte 3/);
  });
});
