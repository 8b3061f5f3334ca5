/**
 * The embedded cluster end to end: scheduling, the simulated kubelet, node deletion and pod GC,
 * preemption, heartbeat loss with condition taints and taint-based eviction.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { EmbeddedCluster } from '../src/cluster/embedded-cluster.js';
import { resources } from '../src/api/resources.js';
import { FakeClock } from '../src/util/clock.js';
import { HEARTBEAT_ANNOTATION } from '../src/kubelet/annotations.js';
import { eventually, seededRandom } from './support/wait.js';

function pod(
  name: string,
  extra: Partial<NonNullable<Pod['spec']>> = {},
  labels: Record<string, string> = {},
): Pod {
  return {
    metadata: { name, namespace: 'default', labels },
    spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], ...extra },
  };
}

const ready = (p: Pod | undefined): boolean =>
  p?.status?.phase === 'Running' &&
  (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

describe('EmbeddedCluster', () => {
  test('bootstraps system namespaces, built-in priority classes and adopted nodes', async () => {
    const cluster = await EmbeddedCluster.start({ nodes: 3, controlPlane: true, random: seededRandom(7) });
    try {
      const ns = cluster.store.list(resources.namespaces).items.map((n) => n.metadata?.name);
      assert.deepEqual(ns, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
      const pcs = cluster.store.list(resources.priorityclasses).items.map((p) => [p.metadata?.name, p.value]);
      assert.deepEqual(pcs, [
        ['system-cluster-critical', 2000000000],
        ['system-node-critical', 2000001000],
      ]);
      const nodes = await eventually(
        () => {
          const items = cluster.store.list(resources.nodes).items;
          return (
            items.every((n) =>
              n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
            ) && items
          );
        },
        { what: 'nodes Ready' },
      );
      assert.deepEqual(
        nodes.map((n) => n.metadata?.name),
        ['control-plane', 'node-1', 'node-2', 'node-3'],
      );
      const cp = nodes[0]!;
      assert.deepEqual(cp.spec?.taints, [
        { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
      ]);
      assert.equal(cp.metadata?.labels?.['node-role.kubernetes.io/control-plane'], '');
      const n1 = nodes[1]!;
      assert.equal(n1.status?.allocatable?.['cpu'], '32');
      assert.equal(n1.status?.nodeInfo?.kubeletVersion, 'v1.30.0-everynode');
      assert.ok(n1.status?.addresses?.some((a) => a.type === 'InternalIP'));
      const lease = await eventually(() => cluster.store.get(resources.leases, 'kube-node-lease', 'node-1'), {
        what: 'lease',
      });
      assert.equal(lease.spec?.holderIdentity, 'node-1');
      assert.equal(lease.spec?.leaseDurationSeconds, 40);
    } finally {
      await cluster.stop();
    }
  });

  test('a pod with a nodeSelector is bound to the matching node, then Running and Ready', async () => {
    const cluster = await EmbeddedCluster.start({
      nodes: [{ name: 'a' }, { name: 'b', labels: { disktype: 'ssd' } }, { name: 'c' }],
      random: seededRandom(1),
    });
    try {
      await cluster.client.create(resources.pods, pod('web', { nodeSelector: { disktype: 'ssd' } }));
      const p = await eventually(
        () => {
          const x = cluster.store.get(resources.pods, 'default', 'web');
          return ready(x) && x;
        },
        { what: 'web Ready' },
      );
      assert.equal(p.spec?.nodeName, 'b');
      assert.match(p.status?.podIP ?? '', /^10\.24\d\.\d+\.\d+$/);
      assert.equal(p.status?.containerStatuses?.[0]?.state?.running !== undefined, true);
      const scheduled = cluster.store
        .list(resources.events, { namespace: 'default' })
        .items.find((e) => e.reason === 'Scheduled' && e.involvedObject.name === 'web');
      assert.equal(scheduled?.message, 'Successfully assigned default/web to b');
      assert.equal(scheduled?.source?.component, 'default-scheduler');
    } finally {
      await cluster.stop();
    }
  });

  test('a pod that fits nowhere stays Pending with an upstream-style FailedScheduling event', async () => {
    const cluster = await EmbeddedCluster.start({
      nodes: [
        { name: 'a', capacity: { cpu: '1', memory: '1Gi', pods: '10' } },
        { name: 'b', capacity: { cpu: '1', memory: '1Gi', pods: '10' } },
        { name: 'c', taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] },
      ],
    });
    try {
      await eventually(() => cluster.store.list(resources.nodes).items.every((n) => n.status?.allocatable), {
        what: 'nodes adopted',
      });
      await cluster.client.create(
        resources.pods,
        pod('big', { containers: [{ name: 'app', image: 'x:1', resources: { requests: { cpu: '2' } } }] }),
      );
      // The scheduler may first see a node before its kubelet reported allocatable resources (and
      // say "Too many pods" for it); once the node reports, it retries and explains the real reasons.
      const expected =
        '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
      const ev = await eventually(
        () =>
          cluster.store
            .list(resources.events)
            .items.find((e) => e.reason === 'FailedScheduling' && e.message === expected),
        { what: 'FailedScheduling with the final reasons' },
      );
      assert.equal(ev.involvedObject.name, 'big');
      assert.equal(ev.type, 'Warning');
      assert.equal(ev.source?.component, 'default-scheduler');
      const p = await eventually(() => {
        const x = cluster.store.get(resources.pods, 'default', 'big');
        return x?.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') && x;
      });
      assert.equal(p.status?.phase, 'Pending');
      assert.equal(p.spec?.nodeName, undefined);
    } finally {
      await cluster.stop();
    }
  });

  test('deleting a node removes its pods (pod GC after the quarantine)', async () => {
    const clock = new FakeClock();
    const cluster = await EmbeddedCluster.start({ nodes: 3, clock, random: seededRandom(3) });
    try {
      await cluster.client.create(resources.pods, pod('p', { nodeName: 'node-2' }));
      await eventually(() => ready(cluster.store.get(resources.pods, 'default', 'p')), { what: 'p Ready' });
      await cluster.client.delete(resources.nodes, '', 'node-2');
      clock.advance(10_000);
      assert.ok(cluster.store.get(resources.pods, 'default', 'p'), 'kept during the quarantine');
      await eventually(() => !cluster.store.get(resources.pods, 'default', 'p'), {
        clock,
        stepMs: 5_000,
        what: 'pod GC',
      });
      await eventually(() => !cluster.store.get(resources.leases, 'kube-node-lease', 'node-2'), {
        clock,
        stepMs: 1_000,
        what: 'lease collected with its node',
      });
    } finally {
      await cluster.stop();
    }
  });

  test('a higher-priority pod preempts a lower-priority one on a full node', async () => {
    const cluster = await EmbeddedCluster.start({
      nodes: [{ name: 'only', capacity: { cpu: '2', memory: '4Gi', pods: '110' } }],
      random: seededRandom(5),
    });
    try {
      await cluster.client.create(resources.priorityclasses, { metadata: { name: 'low' }, value: 100 });
      await cluster.client.create(resources.priorityclasses, { metadata: { name: 'high' }, value: 1000 });
      const req = (name: string, cls: string): Pod =>
        pod(name, {
          priorityClassName: cls,
          containers: [{ name: 'app', image: 'x:1', resources: { requests: { cpu: '1500m' } } }],
        });
      await cluster.client.create(resources.pods, req('victim', 'low'));
      await eventually(() => ready(cluster.store.get(resources.pods, 'default', 'victim')), {
        what: 'victim Ready',
      });
      await cluster.client.create(resources.pods, req('vip', 'high'));
      const vip = await eventually(
        () => {
          const x = cluster.store.get(resources.pods, 'default', 'vip');
          return ready(x) && x;
        },
        { what: 'vip Ready after preemption' },
      );
      assert.equal(vip.spec?.nodeName, 'only');
      assert.equal(vip.spec?.priority, 1000);
      assert.equal(cluster.store.get(resources.pods, 'default', 'victim'), undefined);
      const preempted = cluster.store.list(resources.events).items.find((e) => e.reason === 'Preempted');
      assert.equal(preempted?.involvedObject.name, 'victim');
    } finally {
      await cluster.stop();
    }
  });

  test('a node whose heartbeat stops becomes Unknown, is tainted, and intolerant pods are evicted', async () => {
    const clock = new FakeClock();
    const cluster = await EmbeddedCluster.start({ nodes: 2, clock, random: seededRandom(9) });
    try {
      await cluster.client.create(resources.pods, pod('plain', { nodeName: 'node-1' }));
      await cluster.client.create(
        resources.pods,
        pod('tolerant', {
          nodeName: 'node-1',
          tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }],
        }),
      );
      await eventually(() => ready(cluster.store.get(resources.pods, 'default', 'plain')), {
        what: 'plain Ready',
      });
      const plain = cluster.store.get(resources.pods, 'default', 'plain')!;
      assert.deepEqual(
        plain.spec?.tolerations?.map((t) => [t.key, t.effect, t.tolerationSeconds]),
        [
          ['node.kubernetes.io/not-ready', 'NoExecute', 300],
          ['node.kubernetes.io/unreachable', 'NoExecute', 300],
        ],
        'DefaultTolerationSeconds admission',
      );
      const n1 = cluster.store.get(resources.nodes, '', 'node-1')!;
      await cluster.client.update(resources.nodes, {
        ...n1,
        metadata: {
          ...n1.metadata,
          annotations: { ...(n1.metadata?.annotations ?? {}), [HEARTBEAT_ANNOTATION]: 'stopped' },
        },
      });
      const tainted = await eventually(
        () => {
          const n = cluster.store.get(resources.nodes, '', 'node-1');
          return (n?.spec?.taints ?? []).length === 2 && n;
        },
        { clock, stepMs: 5_000, what: 'unreachable taints' },
      );
      assert.deepEqual(
        tainted.spec?.taints?.map((t) => `${t.key}:${t.effect}`),
        ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute'],
      );
      const readyCond = tainted.status?.conditions?.find((c) => c.type === 'Ready');
      assert.equal(readyCond?.status, 'Unknown');
      assert.equal(readyCond?.reason, 'NodeStatusUnknown');
      assert.equal(readyCond?.message, 'Kubelet stopped posting node status.');
      const taintedAt = clock.now();
      // The default toleration keeps the pod 300 s; then it is evicted (marked for deletion —
      // the node's kubelet is gone, so it stays Terminating, as on a real cluster).
      clock.advance(200_000);
      await eventually(() => true);
      assert.equal(
        cluster.store.get(resources.pods, 'default', 'plain')?.metadata?.deletionTimestamp,
        undefined,
      );
      const evicted = await eventually(
        () => cluster.store.get(resources.pods, 'default', 'plain')?.metadata?.deletionTimestamp,
        { clock, stepMs: 10_000, what: 'eviction' },
      );
      assert.ok(Date.parse(evicted) >= taintedAt + 300_000 - 5_000);
      assert.equal(
        cluster.store.get(resources.pods, 'default', 'tolerant')?.metadata?.deletionTimestamp,
        undefined,
      );
      const ev = cluster.store.list(resources.events).items.find((e) => e.reason === 'TaintManagerEviction');
      assert.equal(ev?.message, 'Marking for deletion Pod default/plain');
      // Heartbeat back: Ready again and the taints go.
      const stopped = cluster.store.get(resources.nodes, '', 'node-1')!;
      const { [HEARTBEAT_ANNOTATION]: _gone, ...rest } = stopped.metadata?.annotations ?? {};
      await cluster.client.update(resources.nodes, {
        ...stopped,
        metadata: { ...stopped.metadata, annotations: rest },
      });
      await eventually(
        () => {
          const n = cluster.store.get(resources.nodes, '', 'node-1');
          return (
            (n?.spec?.taints ?? []).length === 0 &&
            n?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True'
          );
        },
        { clock, stepMs: 1_000, what: 'recovery' },
      );
    } finally {
      await cluster.stop();
    }
  });

  test('two clusters run side by side in one process', async () => {
    const a = await EmbeddedCluster.start({ nodes: 1 });
    const b = await EmbeddedCluster.start({ nodes: 2 });
    try {
      await a.client.create(resources.pods, pod('x'));
      await eventually(() => ready(a.store.get(resources.pods, 'default', 'x')));
      assert.equal(b.store.get(resources.pods, 'default', 'x'), undefined);
      assert.equal(b.store.list(resources.nodes).items.length, 2);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
