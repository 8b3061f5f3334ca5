/**
 * @kubernetes/client-node 1.4 against `everynode up`: typed API calls and an informer that lists
 * and watches DaemonSets and pods over HTTPS with the kubeconfig `up` wrote.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import type { KubectlCluster } from './support/kubectl.js';
import { startKubectlCluster } from './support/kubectl.js';
import { eventually, eventuallyAsync } from './support/wait.js';

describe('@kubernetes/client-node 1.4', () => {
  let c: KubectlCluster;
  let kc: k8s.KubeConfig;
  before(async () => {
    c = await startKubectlCluster({ nodes: 2 });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(c.running.kubeconfig);
  });
  after(async () => {
    await c.close();
  });

  test('typed calls: list nodes, create and read a DaemonSet, list its pods by label', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const nodes = await core.listNode();
    assert.deepEqual(nodes.items.map((n) => n.metadata?.name).sort(), ['node-1', 'node-2']);
    await apps.createNamespacedDaemonSet({
      namespace: 'default',
      body: {
        metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: {
            metadata: { labels: { app: 'agent' } },
            spec: { containers: [{ name: 'agent', image: 'agent:1' }] },
          },
        },
      },
    });
    const ds = await eventuallyAsync(
      async () => {
        const d = await apps.readNamespacedDaemonSet({ name: 'agent', namespace: 'default' });
        return d.status?.numberAvailable === 2 ? d : undefined;
      },
      { what: 'DaemonSet available' },
    );
    assert.equal(ds.spec?.updateStrategy?.type, 'RollingUpdate');
    assert.equal(ds.status?.desiredNumberScheduled, 2);
    const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=agent' });
    assert.equal(pods.items.length, 2);
    assert.ok(pods.items.every((p) => p.status?.phase === 'Running'));
    await assert.rejects(
      () => apps.readNamespacedDaemonSet({ name: 'missing', namespace: 'default' }),
      (err: unknown) => err instanceof k8s.ApiException && err.code === 404,
    );
  });

  test('an informer lists, then watches DaemonSets and pods', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const dsInformer = k8s.makeInformer(kc, '/apis/apps/v1/namespaces/default/daemonsets', () =>
      apps.listNamespacedDaemonSet({ namespace: 'default' }),
    );
    const podInformer = k8s.makeInformer(kc, '/api/v1/namespaces/default/pods', () =>
      core.listNamespacedPod({ namespace: 'default' }),
    );
    const seenDs = new Set<string>();
    const seenPods = new Set<string>();
    dsInformer.on('add', (d) => seenDs.add(d.metadata?.name ?? ''));
    dsInformer.on('update', (d) => seenDs.add(`${d.metadata?.name ?? ''}:update`));
    podInformer.on('add', (p) => seenPods.add(p.metadata?.name ?? ''));
    await dsInformer.start();
    await podInformer.start();
    try {
      assert.ok(seenDs.has('agent'), 'the listed DaemonSet');
      await apps.createNamespacedDaemonSet({
        namespace: 'default',
        body: {
          metadata: { name: 'second' },
          spec: {
            selector: { matchLabels: { app: 'second' } },
            template: {
              metadata: { labels: { app: 'second' } },
              spec: { containers: [{ name: 's', image: 's:1' }] },
            },
          },
        },
      });
      await eventually(
        () =>
          seenDs.has('second') && [...seenPods].filter((n) => n.startsWith('second-')).length === 2
            ? true
            : undefined,
        {
          what: 'watch events for the new DaemonSet and its pods',
        },
      );
      await eventually(() => (seenDs.has('second:update') ? true : undefined), {
        what: 'a status update through the watch',
      });
      assert.equal(dsInformer.list().length, 2);
    } finally {
      await dsInformer.stop();
      await podInformer.stop();
    }
  });
});
