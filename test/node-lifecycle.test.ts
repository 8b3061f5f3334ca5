/**
 * Node lifecycle and taint-based eviction in an embedded cluster: cordon taints, condition taints,
 * nodes that never report, and NoExecute taints evicting pods according to their tolerations.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { EmbeddedCluster } from '../src/cluster/embedded-cluster.js';
import { resources } from '../src/api/resources.js';
import { isConflict } from '../src/api/errors.js';
import { FakeClock, rfc3339 } from '../src/util/clock.js';
import { eventually, seededRandom, settle } from './support/wait.js';

function pod(name: string, nodeName: string, tolerations: Toleration[] = []): Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], nodeName, tolerations },
  };
}

const running = (p: Pod | undefined): boolean => p?.status?.phase === 'Running';

const taintsOf = (n: Node | undefined): string[] =>
  (n?.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);

/** Read-modify-write of a node's spec, retried on conflict (controllers write nodes too). */
async function updateNode(
  cluster: EmbeddedCluster,
  name: string,
  change: (spec: NonNullable<Node['spec']>) => NonNullable<Node['spec']>,
): Promise<Node> {
  for (;;) {
    const node = await cluster.client.get(resources.nodes, '', name);
    try {
      return await cluster.client.update(resources.nodes, { ...node, spec: change(node.spec ?? {}) });
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

/** Lets the watches, queues and workers catch up without moving the fake clock. */
async function quiesce(): Promise<void> {
  await settle(50);
  await new Promise((r) => setTimeout(r, 20));
  await settle(50);
}

/**
 * Moves the fake clock in steps, letting the cluster react after each (so kubelet heartbeats land
 * and no node looks stale merely because time jumped).
 */
async function advance(clock: FakeClock, ms: number, stepMs = 1_000): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    clock.advance(Math.min(stepMs, ms - done));
    await settle(5);
  }
  await quiesce();
}

describe('node lifecycle', () => {
  test('cordoning a node adds node.kubernetes.io/unschedulable:NoSchedule and uncordoning removes it', async () => {
    const cluster = await EmbeddedCluster.start({
      nodes: [{ name: 'a', taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }],
      random: seededRandom(11),
    });
    try {
      await eventually(() => cluster.store.get(resources.nodes, '', 'a')?.status?.conditions, {
        what: 'node a adopted',
      });
      await updateNode(cluster, 'a', (spec) => ({ ...spec, unschedulable: true }));
      const cordoned = await eventually(
        () => {
          const n = cluster.store.get(resources.nodes, '', 'a');
          return taintsOf(n).includes('node.kubernetes.io/unschedulable:NoSchedule') && n;
        },
        { what: 'unschedulable taint' },
      );
      assert.deepEqual(taintsOf(cordoned), [
        'dedicated=infra:NoSchedule',
        'node.kubernetes.io/unschedulable:NoSchedule',
      ]);
      const taint = cordoned.spec?.taints?.find((t) => t.key === 'node.kubernetes.io/unschedulable');
      assert.equal(taint?.timeAdded, undefined, 'NoSchedule taints carry no timeAdded');

      await updateNode(cluster, 'a', (spec) => ({ ...spec, unschedulable: false }));
      const uncordoned = await eventually(
        () => {
          const n = cluster.store.get(resources.nodes, '', 'a');
          return !taintsOf(n).includes('node.kubernetes.io/unschedulable:NoSchedule') && n;
        },
        { what: 'unschedulable taint removed' },
      );
      assert.deepEqual(taintsOf(uncordoned), ['dedicated=infra:NoSchedule'], 'the user taint stays');
    } finally {
      await cluster.stop();
    }
  });

  test('a node whose Ready condition turns False gets not-ready NoSchedule and NoExecute taints', async () => {
    const clock = new FakeClock();
    const cluster = await EmbeddedCluster.start({
      nodes: 1,
      clock,
      controllers: ['*', '-kubelet'],
      random: seededRandom(12),
    });
    try {
      const now = rfc3339(clock.now());
      const ready = (status: string, reason: string) => ({
        status: {
          conditions: [
            { type: 'Ready', status, reason, lastHeartbeatTime: now, lastTransitionTime: now },
            { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: now, lastTransitionTime: now },
          ],
        },
      });
      await cluster.client.patchStatus(resources.nodes, '', 'node-1', 'merge', ready('True', 'KubeletReady'));
      await quiesce();
      assert.deepEqual(taintsOf(cluster.store.get(resources.nodes, '', 'node-1')), []);

      await cluster.client.patchStatus(
        resources.nodes,
        '',
        'node-1',
        'merge',
        ready('False', 'KubeletNotReady'),
      );
      const tainted = await eventually(
        () => {
          const n = cluster.store.get(resources.nodes, '', 'node-1');
          return (n?.spec?.taints ?? []).length > 0 && n;
        },
        { what: 'not-ready taints' },
      );
      assert.deepEqual(tainted.spec?.taints, [
        { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: now },
      ]);
      const cond = tainted.status?.conditions?.find((c) => c.type === 'Ready');
      assert.equal(cond?.status, 'False', 'the controller leaves a fresh False condition alone');
      assert.equal(cond?.reason, 'KubeletNotReady');

      await cluster.client.patchStatus(resources.nodes, '', 'node-1', 'merge', ready('True', 'KubeletReady'));
      await eventually(() => taintsOf(cluster.store.get(resources.nodes, '', 'node-1')).length === 0, {
        what: 'taints removed once Ready again',
      });
    } finally {
      await cluster.stop();
    }
  });

  test('a node that never posts status becomes Unknown (NodeStatusNeverUpdated) after the grace period', async () => {
    const clock = new FakeClock();
    const cluster = await EmbeddedCluster.start({
      nodes: 1,
      clock,
      controllers: ['*', '-kubelet'],
      random: seededRandom(13),
    });
    try {
      const created = Date.parse(
        cluster.store.get(resources.nodes, '', 'node-1')!.metadata!.creationTimestamp!,
      );
      // Just inside the 40 s grace period: nothing happens.
      for (let i = 0; i < 8; i++) {
        clock.advance(5_000);
        await quiesce();
      }
      const early = cluster.store.get(resources.nodes, '', 'node-1');
      assert.equal(early?.status?.conditions, undefined, 'no conditions within the grace period');
      assert.deepEqual(taintsOf(early), []);

      const unknown = await eventually(
        () => {
          const n = cluster.store.get(resources.nodes, '', 'node-1');
          return (n?.spec?.taints ?? []).length === 2 && n;
        },
        { clock, stepMs: 1_000, what: 'node Unknown and tainted' },
      );
      const conditions = unknown.status?.conditions ?? [];
      assert.deepEqual(conditions.map((c) => [c.type, c.status, c.reason]).sort(), [
        ['DiskPressure', 'Unknown', 'NodeStatusNeverUpdated'],
        ['MemoryPressure', 'Unknown', 'NodeStatusNeverUpdated'],
        ['PIDPressure', 'Unknown', 'NodeStatusNeverUpdated'],
        ['Ready', 'Unknown', 'NodeStatusNeverUpdated'],
      ]);
      const readyCond = conditions.find((c) => c.type === 'Ready')!;
      assert.equal(readyCond.message, 'Kubelet never posted node status.');
      assert.ok(Date.parse(readyCond.lastTransitionTime!) > created + 40_000, 'only after the grace period');
      assert.deepEqual(taintsOf(unknown), [
        'node.kubernetes.io/unreachable:NoSchedule',
        'node.kubernetes.io/unreachable:NoExecute',
      ]);
      const ev = await eventually(() =>
        cluster.store.list(resources.events).items.find((e) => e.reason === 'NodeNotReady'),
      );
      assert.equal(ev.message, 'Node node-1 status is now: NodeNotReady');
      assert.equal(ev.source?.component, 'node-controller');
    } finally {
      await cluster.stop();
    }
  });
});

describe('taint-based eviction', () => {
  test('a NoExecute taint evicts an intolerant pod at once, a 60 s toleration after 60 s, a forever toleration never', async () => {
    const clock = new FakeClock();
    const cluster = await EmbeddedCluster.start({ nodes: 2, clock, random: seededRandom(21) });
    try {
      const tolerate = (tolerationSeconds?: number): Toleration[] => [
        {
          key: 'dedicated',
          operator: 'Equal',
          value: 'x',
          effect: 'NoExecute',
          ...(tolerationSeconds !== undefined ? { tolerationSeconds } : {}),
        },
      ];
      await cluster.client.create(resources.pods, pod('intolerant', 'node-1'));
      await cluster.client.create(resources.pods, pod('forever', 'node-1', tolerate()));
      await cluster.client.create(resources.pods, pod('one-minute', 'node-1', tolerate(60)));
      await cluster.client.create(resources.pods, pod('elsewhere', 'node-2'));
      const names = ['intolerant', 'forever', 'one-minute', 'elsewhere'];
      await eventually(() => names.every((n) => running(cluster.store.get(resources.pods, 'default', n))), {
        what: 'pods Running',
      });
      const get = (n: string): Pod | undefined => cluster.store.get(resources.pods, 'default', n);
      // Event names are `<object>.<time in hex>` plus a per-recorder sequence number, so two
      // recorders writing about one pod at the same fake instant collide (AlreadyExists) and the
      // second event is lost. Move a second on so the eviction event is not shadowed by `Started`.
      clock.advance(1_000);

      await updateNode(cluster, 'node-1', (spec) => ({
        ...spec,
        taints: [...(spec.taints ?? []), { key: 'dedicated', value: 'x', effect: 'NoExecute' }],
      }));
      await eventually(() => !get('intolerant'), { what: 'intolerant pod evicted (no clock movement)' });
      const ev = await eventually(
        () =>
          cluster.store
            .list(resources.events, { namespace: 'default' })
            .items.find((e) => e.reason === 'TaintManagerEviction' && e.involvedObject.name === 'intolerant'),
        { what: 'TaintManagerEviction event' },
      );
      assert.equal(ev.message, 'Marking for deletion Pod default/intolerant');
      assert.equal(ev.type, 'Normal');
      assert.equal(ev.source?.component, 'taint-eviction-controller');

      // 59 s later the one-minute pod is still there.
      await advance(clock, 59_000);
      assert.equal(get('one-minute')?.metadata?.deletionTimestamp, undefined, 'tolerated for 60 s');

      await eventually(() => !get('one-minute'), { clock, stepMs: 1_000, what: 'one-minute pod evicted' });
      await eventually(
        () =>
          cluster.store
            .list(resources.events, { namespace: 'default' })
            .items.some(
              (e) =>
                e.reason === 'TaintManagerEviction' &&
                e.message === 'Marking for deletion Pod default/one-minute',
            ),
        { what: 'TaintManagerEviction event for one-minute' },
      );

      // An hour on, the pods tolerating forever, or on an untainted node, are untouched.
      await advance(clock, 3_600_000, 5_000);
      for (const n of ['forever', 'elsewhere']) {
        assert.ok(running(get(n)), `${n} still Running`);
        assert.equal(get(n)?.metadata?.deletionTimestamp, undefined, `${n} not marked for deletion`);
      }
    } finally {
      await cluster.stop();
    }
  });

  test('removing the NoExecute taint in time keeps the pod; adding it again restarts the count', async () => {
    const clock = new FakeClock();
    const cluster = await EmbeddedCluster.start({ nodes: 1, clock, random: seededRandom(23) });
    try {
      await cluster.client.create(
        resources.pods,
        pod('p', 'node-1', [
          { key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
        ]),
      );
      const get = (): Pod | undefined => cluster.store.get(resources.pods, 'default', 'p');
      await eventually(() => running(get()), { what: 'p Running' });
      const taint = { key: 'maintenance', effect: 'NoExecute' };
      await updateNode(cluster, 'node-1', (spec) => ({ ...spec, taints: [taint] }));
      await quiesce();
      await advance(clock, 50_000);
      await updateNode(cluster, 'node-1', (spec) => ({ ...spec, taints: [] }));
      await quiesce();
      await advance(clock, 50_000);
      assert.ok(running(get()) && !get()?.metadata?.deletionTimestamp, 'kept once the taint is gone');

      await updateNode(cluster, 'node-1', (spec) => ({ ...spec, taints: [taint] }));
      await quiesce();
      await advance(clock, 50_000);
      assert.ok(
        running(get()) && !get()?.metadata?.deletionTimestamp,
        'the new taint counts from its own start',
      );
      clock.advance(10_000);
      await eventually(() => !get(), { what: 'evicted 60 s after the taint came back' });
    } finally {
      await cluster.stop();
    }
  });

  test('a taint that already carries timeAdded counts tolerationSeconds from then', async () => {
    const clock = new FakeClock();
    const cluster = await EmbeddedCluster.start({ nodes: 1, clock, random: seededRandom(22) });
    try {
      await cluster.client.create(
        resources.pods,
        pod('p', 'node-1', [
          { key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
        ]),
      );
      await eventually(() => running(cluster.store.get(resources.pods, 'default', 'p')), {
        what: 'p Running',
      });
      const taintedAt = clock.now();
      await updateNode(cluster, 'node-1', (spec) => ({
        ...spec,
        taints: [{ key: 'maintenance', effect: 'NoExecute', timeAdded: rfc3339(taintedAt - 20_000) }],
      }));
      await advance(clock, 9_000);
      assert.ok(cluster.store.get(resources.pods, 'default', 'p'), '10 s of the toleration are left');
      await eventually(() => !cluster.store.get(resources.pods, 'default', 'p'), {
        clock,
        stepMs: 500,
        what: 'eviction 30 s after timeAdded',
      });
      assert.ok(clock.now() >= taintedAt + 10_000, 'not before timeAdded + 30 s');
    } finally {
      await cluster.stop();
    }
  });
});
