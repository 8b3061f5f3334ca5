/**
 * The simulated kubelet through a real embedded cluster, as a kubectl user sees it: readiness
 * probes, graceful deletion, failure injection, node adoption and leases, and the realistic
 * profile. Time is a FakeClock wherever it matters.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import { EmbeddedCluster } from '../src/cluster/embedded-cluster.js';
import type { EmbeddedClusterOptions } from '../src/cluster/embedded-cluster.js';
import { resources } from '../src/api/resources.js';
import { FakeClock, rfc3339, rfc3339Micro } from '../src/util/clock.js';
import {
  ALLOCATABLE_ANNOTATION,
  CAPACITY_ANNOTATION,
  FAIL_ANNOTATION,
  TERMINATION_SECONDS_ANNOTATION,
} from '../src/kubelet/annotations.js';
import { LEASE_DURATION_SECONDS, NODE_LEASE_NAMESPACE } from '../src/kubelet/kubelet.js';
import { eventually, seededRandom, settle } from './support/wait.js';

const APP: Container = { name: 'app', image: 'nginx:1.25' };

function pod(
  name: string,
  opts: {
    nodeName?: string;
    annotations?: Record<string, string>;
    containers?: Container[];
  } = {},
): Pod {
  return {
    metadata: { name, namespace: 'default', ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      containers: opts.containers ?? [APP],
      ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
    },
  };
}

async function withCluster(
  options: EmbeddedClusterOptions,
  fn: (cluster: EmbeddedCluster) => Promise<void>,
): Promise<void> {
  const cluster = await EmbeddedCluster.start({ random: seededRandom(11), ...options });
  try {
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

const getPod = (c: EmbeddedCluster, name: string): Pod | undefined =>
  c.store.get(resources.pods, 'default', name);

const condition = (
  p: Pod | Node | undefined,
  type: string,
): { status?: string; reason?: string } | undefined =>
  (
    p?.status?.conditions as ReadonlyArray<{ type: string; status?: string; reason?: string }> | undefined
  )?.find((c) => c.type === type);

const isReady = (p: Pod | undefined): boolean => condition(p, 'Ready')?.status === 'True';

const podEvents = (c: EmbeddedCluster, name: string): Event[] =>
  c.store
    .list(resources.events, { namespace: 'default' })
    .items.filter((e) => e.involvedObject.kind === 'Pod' && e.involvedObject.name === name);

async function nodesReady(c: EmbeddedCluster, clock?: FakeClock): Promise<readonly Node[]> {
  return eventually(
    () => {
      const nodes = c.store.list(resources.nodes).items;
      return nodes.length > 0 && nodes.every((n) => condition(n, 'Ready')?.status === 'True') && nodes;
    },
    { what: 'nodes Ready', ...(clock ? { clock, stepMs: 500 } : {}) },
  );
}

async function podWhere(
  c: EmbeddedCluster,
  name: string,
  ok: (p: Pod) => boolean,
  what: string,
): Promise<Pod> {
  return eventually(
    () => {
      const p = getPod(c, name);
      return p !== undefined && ok(p) && p;
    },
    { what: `${name}: ${what}` },
  );
}

const running = (p: Pod): boolean => p.status?.phase === 'Running';

/**
 * Lets the kubelet see the latest writes (the store answers before its informer does, and a stage
 * timer starts when the kubelet sees the object), then moves fake time forward.
 */
async function advance(clock: FakeClock, ms: number): Promise<void> {
  await settle();
  clock.advance(ms);
}

describe('simulated kubelet: readiness probes', () => {
  test('initialDelaySeconds counts from the container start itself, not from its second', async () => {
    const clock = new FakeClock();
    // Start 900 ms into a second: startedAt (written to the second) reads 900 ms early.
    clock.advance(1_000 - (clock.now() % 1_000) + 900);
    await withCluster({ nodes: 1, clock }, async (cluster) => {
      await nodesReady(cluster);
      const probed: Container = {
        ...APP,
        readinessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 1, periodSeconds: 10 },
      };
      await cluster.client.create(resources.pods, pod('exact', { containers: [probed] }));
      const p = await podWhere(cluster, 'exact', running, 'Running');
      const startedAt = Date.parse(p.status?.containerStatuses?.[0]?.state?.running?.startedAt ?? '');
      assert.ok(clock.now() - startedAt >= 900, 'the container started late in its second');
      await advance(clock, 500);
      await settle();
      assert.equal(isReady(getPod(cluster, 'exact')), false, 'not Ready 0.5 s after the start');
      await advance(clock, 500);
      await podWhere(cluster, 'exact', isReady, 'Ready 1 s after the start');
    });
  });

  test('a pod with a readiness probe is Running but not Ready until initialDelaySeconds pass', async () => {
    const clock = new FakeClock();
    await withCluster({ nodes: 1, clock }, async (cluster) => {
      await nodesReady(cluster);
      const probed: Container = {
        ...APP,
        readinessProbe: {
          httpGet: { path: '/healthz', port: 80 },
          initialDelaySeconds: 30,
          periodSeconds: 10,
        },
      };
      await cluster.client.create(resources.pods, pod('web', { containers: [probed] }));
      const started = clock.now();
      const p = await podWhere(cluster, 'web', running, 'Running');
      assert.equal(p.spec?.nodeName, 'node-1');
      assert.deepEqual(condition(p, 'Ready'), {
        type: 'Ready',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: rfc3339(started),
        reason: 'ContainersNotReady',
        message: 'containers with unready status: [app]',
      });
      assert.equal(condition(p, 'ContainersReady')?.status, 'False');
      const cs = p.status?.containerStatuses?.[0];
      assert.equal(cs?.ready, false);
      assert.equal(cs?.started, true);
      assert.equal(cs?.state?.running?.startedAt, rfc3339(started));

      await advance(clock, 29_000);
      await settle();
      assert.equal(isReady(getPod(cluster, 'web')), false, 'not Ready at 29 s');

      await advance(clock, 1_000);
      const ready = await podWhere(cluster, 'web', isReady, 'Ready');
      assert.equal(condition(ready, 'Ready')?.reason, undefined);
      assert.equal(
        (ready.status?.conditions ?? []).find((c) => c.type === 'Ready')?.lastTransitionTime,
        rfc3339(started + 30_000),
      );
      assert.equal(condition(ready, 'ContainersReady')?.status, 'True');
      assert.equal(ready.status?.containerStatuses?.[0]?.ready, true);
      assert.equal(ready.status?.containerStatuses?.[0]?.state?.running?.startedAt, rfc3339(started));
    });
  });
});

describe('simulated kubelet: graceful deletion', () => {
  /** Creates a Running pod, deletes it with the default grace period, returns the delete time. */
  async function runAndDelete(
    cluster: EmbeddedCluster,
    clock: FakeClock,
    annotations?: Record<string, string>,
  ): Promise<number> {
    await cluster.client.create(
      resources.pods,
      pod('web', { nodeName: 'node-1', ...(annotations ? { annotations } : {}) }),
    );
    await podWhere(cluster, 'web', running, 'Running');
    const at = clock.now();
    await cluster.client.delete(resources.pods, 'default', 'web');
    const terminating = getPod(cluster, 'web');
    assert.equal(terminating?.metadata?.deletionGracePeriodSeconds, 30);
    assert.equal(terminating?.metadata?.deletionTimestamp, rfc3339(at + 30_000));
    return at;
  }

  test('termination-seconds 20: Terminating for 20 s, then gone', async () => {
    const clock = new FakeClock();
    await withCluster({ nodes: 1, clock }, async (cluster) => {
      await runAndDelete(cluster, clock, { [TERMINATION_SECONDS_ANNOTATION]: '20' });
      await advance(clock, 19_000);
      await settle();
      const p = getPod(cluster, 'web');
      assert.ok(p?.metadata?.deletionTimestamp, 'still Terminating at 19 s');
      await advance(clock, 1_000);
      await eventually(() => getPod(cluster, 'web') === undefined, { what: 'pod gone at 20 s' });
    });
  });

  test('fast profile without the annotation: gone at once', async () => {
    const clock = new FakeClock();
    await withCluster({ nodes: 1, clock }, async (cluster) => {
      const at = await runAndDelete(cluster, clock);
      await eventually(() => getPod(cluster, 'web') === undefined, { what: 'pod gone' });
      assert.equal(clock.now(), at, 'no fake time passed');
    });
  });

  test('termination-seconds 100 is capped by the 30 s grace period', async () => {
    const clock = new FakeClock();
    await withCluster({ nodes: 1, clock }, async (cluster) => {
      await runAndDelete(cluster, clock, { [TERMINATION_SECONDS_ANNOTATION]: '100' });
      await advance(clock, 29_000);
      await settle();
      assert.ok(getPod(cluster, 'web')?.metadata?.deletionTimestamp, 'still Terminating at 29 s');
      await advance(clock, 1_000);
      await eventually(() => getPod(cluster, 'web') === undefined, { what: 'pod gone at 30 s' });
    });
  });
});

describe('simulated kubelet: failure injection (everynode.io/fail)', () => {
  test('crash: CrashLoopBackOff with a growing restartCount and back-off, never Ready', async () => {
    const clock = new FakeClock();
    await withCluster({ nodes: 1, clock }, async (cluster) => {
      await nodesReady(cluster);
      await cluster.client.create(
        resources.pods,
        pod('web', { annotations: { [FAIL_ANNOTATION]: 'crash' } }),
      );
      await podWhere(cluster, 'web', (p) => p.spec?.nodeName === 'node-1', 'bound');
      const backingOff = async (restartCount: number, backoff: string): Promise<void> => {
        const p = await podWhere(
          cluster,
          'web',
          (x) => x.status?.containerStatuses?.[0]?.restartCount === restartCount,
          `restartCount ${restartCount}`,
        );
        const cs = p.status?.containerStatuses?.[0];
        assert.equal(p.status?.phase, 'Running');
        assert.deepEqual(cs?.state?.waiting, {
          reason: 'CrashLoopBackOff',
          message: `back-off ${backoff} restarting failed container=app pod=web`,
        });
        assert.equal(cs?.lastState?.terminated?.exitCode, 1);
        assert.equal(cs?.lastState?.terminated?.reason, 'Error');
        assert.equal(cs?.ready, false);
        assert.equal(condition(p, 'Ready')?.status, 'False');
        assert.equal(condition(p, 'Ready')?.reason, 'ContainersNotReady');
      };

      // The container starts, exits, is restarted at once and exits again: then the back-off.
      await advance(clock, 1_000);
      await backingOff(1, '10s');
      await advance(clock, 9_000);
      await settle();
      assert.equal(
        getPod(cluster, 'web')?.status?.containerStatuses?.[0]?.restartCount,
        1,
        'backing off 10 s',
      );
      await advance(clock, 1_000);
      await backingOff(2, '20s');
      await advance(clock, 19_000);
      await settle();
      assert.equal(
        getPod(cluster, 'web')?.status?.containerStatuses?.[0]?.restartCount,
        2,
        'backing off 20 s',
      );
      await advance(clock, 1_000);
      await backingOff(3, '40s');

      const backoff = await eventually(
        () => podEvents(cluster, 'web').find((e) => e.reason === 'BackOff' && (e.count ?? 0) >= 3),
        { what: 'BackOff event counted 3 times' },
      );
      assert.equal(backoff.type, 'Warning');
      assert.equal(backoff.message, 'Back-off restarting failed container app in pod web');
      assert.equal(backoff.source?.component, 'kubelet');
      assert.equal(backoff.source?.host, 'node-1');
    });
  });

  test('crash, then the annotation removed: the restarted container runs and the pod is Ready', async () => {
    const clock = new FakeClock();
    await withCluster({ nodes: 1, clock }, async (cluster) => {
      await cluster.client.create(
        resources.pods,
        pod('web', { nodeName: 'node-1', annotations: { [FAIL_ANNOTATION]: 'crash' } }),
      );
      await advance(clock, 1_000);
      await podWhere(cluster, 'web', (p) => p.status?.containerStatuses?.[0]?.restartCount === 1, 'crashed');
      await cluster.client.patch(resources.pods, 'default', 'web', 'merge', {
        metadata: { annotations: { [FAIL_ANNOTATION]: null } },
      });
      const p = await podWhere(cluster, 'web', isReady, 'Ready');
      const cs = p.status?.containerStatuses?.[0];
      assert.equal(p.status?.phase, 'Running');
      assert.equal(cs?.ready, true);
      assert.equal(cs?.started, true);
      assert.equal(cs?.restartCount, 2);
      assert.deepEqual(cs?.state, { running: { startedAt: rfc3339(clock.now()) } });
    });
  });

  test('image-pull: Pending with ErrImagePull, then ImagePullBackOff, with a Warning Failed event', async () => {
    const clock = new FakeClock();
    await withCluster({ nodes: 1, clock }, async (cluster) => {
      await cluster.client.create(
        resources.pods,
        pod('web', { nodeName: 'node-1', annotations: { [FAIL_ANNOTATION]: 'image-pull' } }),
      );
      const pulling = await podWhere(
        cluster,
        'web',
        (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull',
        'ErrImagePull',
      );
      assert.equal(pulling.status?.phase, 'Pending');
      assert.equal(condition(pulling, 'Ready')?.status, 'False');
      assert.equal(pulling.status?.containerStatuses?.[0]?.ready, false);
      const failed = await eventually(() => podEvents(cluster, 'web').find((e) => e.reason === 'Failed'), {
        what: 'Failed event',
      });
      assert.equal(failed.type, 'Warning');
      assert.equal(failed.message, 'Failed to pull image "nginx:1.25": not found');

      await advance(clock, 1_000);
      const backoff = await podWhere(
        cluster,
        'web',
        (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff',
        'ImagePullBackOff',
      );
      assert.equal(backoff.status?.phase, 'Pending');
      assert.equal(
        backoff.status?.containerStatuses?.[0]?.state?.waiting?.message,
        'Back-off pulling image "nginx:1.25"',
      );
      const ev = await eventually(() => podEvents(cluster, 'web').find((e) => e.reason === 'BackOff'), {
        what: 'BackOff event',
      });
      assert.equal(ev.type, 'Normal');
      assert.equal(ev.message, 'Back-off pulling image "nginx:1.25"');
    });
  });

  test('never-ready: Running, and never Ready', async () => {
    const clock = new FakeClock();
    await withCluster({ nodes: 1, clock }, async (cluster) => {
      await cluster.client.create(
        resources.pods,
        pod('web', { nodeName: 'node-1', annotations: { [FAIL_ANNOTATION]: 'never-ready' } }),
      );
      const p = await podWhere(cluster, 'web', running, 'Running');
      assert.equal(condition(p, 'Ready')?.status, 'False');
      assert.ok(p.status?.containerStatuses?.[0]?.state?.running, 'the container runs');
      for (let i = 0; i < 10; i++) {
        await advance(clock, 60_000);
        await settle();
      }
      const later = getPod(cluster, 'web');
      assert.equal(later?.status?.phase, 'Running');
      assert.equal(isReady(later), false, 'not Ready after 10 minutes');
      assert.equal(later?.status?.containerStatuses?.[0]?.ready, false);
    });
  });

  test('failed: phase Failed, the container terminated with exit code 1', async () => {
    await withCluster({ nodes: 1 }, async (cluster) => {
      await cluster.client.create(
        resources.pods,
        pod('web', { nodeName: 'node-1', annotations: { [FAIL_ANNOTATION]: 'failed' } }),
      );
      const p = await podWhere(cluster, 'web', (x) => x.status?.phase === 'Failed', 'Failed');
      assert.deepEqual(condition(p, 'Ready'), {
        type: 'Ready',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: p.status?.startTime,
        reason: 'PodFailed',
      });
      const cs = p.status?.containerStatuses?.[0];
      assert.equal(cs?.state?.terminated?.exitCode, 1);
      assert.equal(cs?.state?.terminated?.reason, 'Error');
      assert.equal(cs?.ready, false);
      const ev = await eventually(() => podEvents(cluster, 'web').find((e) => e.reason === 'Failed'), {
        what: 'Failed event',
      });
      assert.equal(ev.type, 'Warning');
      // A Failed pod is deleted at once, whatever its grace period.
      await cluster.client.delete(resources.pods, 'default', 'web');
      assert.equal(getPod(cluster, 'web'), undefined);
    });
  });

  test('on a Node: its pods fail; a running pod keeps running when image pulls start failing', async () => {
    const clock = new FakeClock();
    await withCluster(
      { nodes: [{ name: 'bad', annotations: { [FAIL_ANNOTATION]: 'crash' } }, { name: 'good' }], clock },
      async (cluster) => {
        await cluster.client.create(resources.pods, pod('on-bad', { nodeName: 'bad' }));
        await cluster.client.create(resources.pods, pod('on-good', { nodeName: 'good' }));
        await podWhere(cluster, 'on-good', isReady, 'Ready');
        await advance(clock, 1_000);
        const crashed = await podWhere(
          cluster,
          'on-bad',
          (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff',
          'CrashLoopBackOff',
        );
        assert.equal(isReady(crashed), false);

        // `kubectl annotate node good everynode.io/fail=image-pull`: only new pods are affected.
        await cluster.client.patch(resources.nodes, '', 'good', 'merge', {
          metadata: { annotations: { [FAIL_ANNOTATION]: 'image-pull' } },
        });
        await cluster.client.create(resources.pods, pod('new-on-good', { nodeName: 'good' }));
        const pulling = await podWhere(
          cluster,
          'new-on-good',
          (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull',
          'ErrImagePull',
        );
        assert.equal(pulling.status?.phase, 'Pending');
        await advance(clock, 5_000);
        await settle();
        const old = getPod(cluster, 'on-good');
        assert.equal(old?.status?.phase, 'Running', 'a running pod does not go back to Pending');
        assert.equal(isReady(old), true);
        assert.ok(old?.status?.containerStatuses?.[0]?.state?.running);

        // The pod's own annotation wins over the node's.
        await cluster.client.create(
          resources.pods,
          pod('failed-on-bad', { nodeName: 'bad', annotations: { [FAIL_ANNOTATION]: 'failed' } }),
        );
        await podWhere(cluster, 'failed-on-bad', (p) => p.status?.phase === 'Failed', 'Failed');
      },
    );
  });
});

describe('simulated kubelet: node adoption', () => {
  test('capacity and allocatable come from annotations, or from status.capacity when set', async () => {
    await withCluster({}, async (cluster) => {
      await cluster.client.create(resources.nodes, {
        metadata: { name: 'annotated', annotations: { [CAPACITY_ANNOTATION]: 'cpu=4,memory=8Gi,pods=10' } },
      });
      await cluster.client.create(resources.nodes, {
        metadata: {
          name: 'reserved',
          annotations: {
            [CAPACITY_ANNOTATION]: 'cpu=4,memory=8Gi,pods=10',
            [ALLOCATABLE_ANNOTATION]: 'cpu=3500m,memory=7Gi,pods=10',
          },
        },
      });
      await cluster.client.create(resources.nodes, {
        metadata: { name: 'preset', annotations: { [CAPACITY_ANNOTATION]: 'cpu=64' } },
        status: { capacity: { cpu: '2', memory: '4Gi', pods: '20' } },
      });
      await cluster.client.create(resources.nodes, { metadata: { name: 'plain' } });
      const nodes = new Map((await nodesReady(cluster)).map((n) => [n.metadata?.name, n]));
      const small = { cpu: '4', memory: '8Gi', pods: '10' };
      assert.deepEqual(nodes.get('annotated')?.status?.capacity, small);
      assert.deepEqual(nodes.get('annotated')?.status?.allocatable, small);
      assert.deepEqual(nodes.get('reserved')?.status?.capacity, small);
      assert.deepEqual(nodes.get('reserved')?.status?.allocatable, {
        cpu: '3500m',
        memory: '7Gi',
        pods: '10',
      });
      assert.deepEqual(nodes.get('preset')?.status?.capacity, { cpu: '2', memory: '4Gi', pods: '20' });
      assert.deepEqual(nodes.get('preset')?.status?.allocatable, { cpu: '2', memory: '4Gi', pods: '20' });
      const defaults = { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' };
      assert.deepEqual(nodes.get('plain')?.status?.capacity, defaults);
      const ready = (nodes.get('plain')?.status?.conditions ?? []).find((c) => c.type === 'Ready');
      assert.equal(ready?.reason, 'KubeletReady');
      assert.deepEqual(
        (nodes.get('plain')?.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`),
        ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True'],
      );
      const ev = await eventually(
        () => cluster.store.list(resources.events).items.find((e) => e.involvedObject.name === 'plain'),
        { what: 'NodeReady event' },
      );
      assert.equal(ev.reason, 'NodeReady');
      assert.equal(ev.message, 'Node plain status is now: NodeReady');
    });
  });

  test('every node gets a distinct InternalIP, beyond 254 nodes too', async () => {
    await withCluster({ nodes: 300, controllers: ['kubelet'] }, async (cluster) => {
      const nodes = await nodesReady(cluster);
      assert.equal(nodes.length, 300);
      const ips = nodes.map((n) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '');
      for (const ip of ips) assert.match(ip, /^10\.\d+\.\d+\.(\d+)$/);
      for (const ip of ips) {
        const last = Number(ip.split('.')[3]);
        assert.ok(last >= 1 && last <= 254, `${ip} is a host address`);
      }
      assert.equal(new Set(ips).size, 300, 'InternalIPs are distinct');
      for (const n of nodes)
        assert.deepEqual(n.status?.addresses?.find((a) => a.type === 'Hostname')?.address, n.metadata?.name);
    });
  });

  test('the lease in kube-node-lease is renewed every 10 s', async () => {
    const clock = new FakeClock();
    await withCluster({ nodes: 1, clock }, async (cluster) => {
      const t0 = clock.now();
      const lease = await eventually(
        () => cluster.store.get(resources.leases, NODE_LEASE_NAMESPACE, 'node-1'),
        {
          what: 'lease',
        },
      );
      assert.equal(lease.spec?.holderIdentity, 'node-1');
      assert.equal(lease.spec?.leaseDurationSeconds, LEASE_DURATION_SECONDS);
      assert.equal(lease.spec?.renewTime, rfc3339Micro(t0));
      const node = cluster.store.get(resources.nodes, '', 'node-1');
      assert.deepEqual(lease.metadata?.ownerReferences?.[0]?.uid, node?.metadata?.uid);
      const renewTime = (): string | undefined =>
        cluster.store.get(resources.leases, NODE_LEASE_NAMESPACE, 'node-1')?.spec?.renewTime;

      await advance(clock, 9_000);
      await settle();
      assert.equal(renewTime(), rfc3339Micro(t0), 'not renewed before 10 s');
      await advance(clock, 1_000);
      await eventually(() => renewTime() === rfc3339Micro(t0 + 10_000), { what: 'renewed at 10 s' });
      await advance(clock, 10_000);
      await eventually(() => renewTime() === rfc3339Micro(t0 + 20_000), { what: 'renewed at 20 s' });
    });
  });
});

describe('simulated kubelet: realistic profile', () => {
  test('pods go Running after a delay, not at once, and then become Ready', async () => {
    const clock = new FakeClock();
    await withCluster({ nodes: 1, clock, kubeletProfile: 'realistic' }, async (cluster) => {
      const nodeCreated = clock.now();
      await settle();
      assert.equal(
        condition(cluster.store.get(resources.nodes, '', 'node-1'), 'Ready'),
        undefined,
        'a node is not adopted at once',
      );
      await nodesReady(cluster, clock);
      assert.ok(clock.now() - nodeCreated >= 2_000, 'node initialisation takes at least 2 s');

      const t0 = clock.now();
      const probed: Container = {
        ...APP,
        readinessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 5, periodSeconds: 10 },
      };
      await cluster.client.create(resources.pods, pod('plain', { nodeName: 'node-1' }));
      await cluster.client.create(
        resources.pods,
        pod('probed', { nodeName: 'node-1', containers: [probed] }),
      );
      await settle();
      await advance(clock, 1_000);
      await settle();
      assert.equal(getPod(cluster, 'plain')?.status?.phase, 'Pending', 'not Running after 1 s');
      assert.equal(getPod(cluster, 'probed')?.status?.phase, 'Pending', 'not Running after 1 s');

      const plain = await eventually(
        () => {
          const p = getPod(cluster, 'plain');
          return p && isReady(p) && p;
        },
        { clock, stepMs: 100, what: 'plain Running and Ready' },
      );
      const startedAt = Date.parse(plain.status?.containerStatuses?.[0]?.state?.running?.startedAt ?? '');
      assert.ok(startedAt >= t0 + 1_000 && startedAt <= t0 + 2_500, 'started 1.5–2.5 s after binding');

      const probedPod = await eventually(
        () => {
          const p = getPod(cluster, 'probed');
          return p && isReady(p) && p;
        },
        { clock, stepMs: 500, what: 'probed Ready' },
      );
      const probedStart = Date.parse(
        probedPod.status?.containerStatuses?.[0]?.state?.running?.startedAt ?? '',
      );
      const readyAt = Date.parse(
        (probedPod.status?.conditions ?? []).find((c) => c.type === 'Ready')?.lastTransitionTime ?? '',
      );
      assert.ok(
        readyAt >= probedStart + 5_000 && readyAt <= probedStart + 16_000,
        `Ready after initialDelaySeconds plus up to one period (${readyAt - probedStart} ms)`,
      );
    });
  });
});
