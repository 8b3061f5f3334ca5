/**
 * ConfigMaps through the real kubectl, as a DaemonSet's manifests use them: applied beside the
 * DaemonSet that mounts them, created from literals, listed with upstream's columns, refused with
 * upstream's messages for a bad key, and frozen by `immutable: true`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubectlCluster } from './support/kubectl.js';
import { kubectlBinary, startKubectlCluster } from './support/kubectl.js';

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

describe('ConfigMaps with kubectl', { skip }, () => {
  let c: KubectlCluster;
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await c.kubectl(args, input !== undefined ? { input } : {});
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

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

  test('kubectl create configmap from literals; a bad key is refused with upstream’s message', async () => {
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
});
