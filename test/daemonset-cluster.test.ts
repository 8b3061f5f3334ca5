/**
 * The DaemonSet controller on a whole embedded cluster, with the seeds' manifests: a tainted
 * control-plane node and four workers; nodes joining, leaving, labelled and tainted; status
 * checked against a recount at every step and explainDaemonSet checked for every excluded node.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { EmbeddedCluster } from '../src/cluster/embedded-cluster.js';
import { resources } from '../src/api/resources.js';
import { FakeClock } from '../src/util/clock.js';
import { explainDaemonSet } from '../src/controllers/daemonset/explain.js';
import type { NodeExplanation } from '../src/controllers/daemonset/explain.js';
import { eventually, seededRandom, settle } from './support/wait.js';

function manifest(file: string): DaemonSet {
  return parse(readFileSync(new URL(`../examples/${file}`, import.meta.url), 'utf8')) as DaemonSet;
}

interface Cluster {
  readonly cluster: EmbeddedCluster;
  readonly clock: FakeClock;
}

async function start(): Promise<Cluster> {
  const clock = new FakeClock('2026-06-01T00:00:00Z');
  const cluster = await EmbeddedCluster.start({
    controlPlane: true,
    nodes: 4,
    clock,
    random: seededRandom(21),
  });
  return { cluster, clock };
}

const nsOf = (ds: DaemonSet): string => ds.metadata?.namespace ?? 'default';

function daemonPods(c: EmbeddedCluster, ds: DaemonSet): Pod[] {
  const live = c.store.get(resources.daemonsets, nsOf(ds), ds.metadata?.name ?? '');
  const uid = live?.metadata?.uid;
  return c.store
    .list(resources.pods, { namespace: nsOf(ds) })
    .items.filter((p) => p.metadata?.ownerReferences?.some((r) => r.uid === uid && r.controller));
}

/** Node name → names of live (not deleting) daemon pods bound there, for a compact comparison. */
function placement(c: EmbeddedCluster, ds: DaemonSet): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of daemonPods(c, ds)) {
    if (p.metadata?.deletionTimestamp) continue;
    const n = p.spec?.nodeName ?? '<unbound>';
    out[n] = (out[n] ?? 0) + 1;
  }
  return out;
}

function ready(p: Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Waits until every live daemon pod is bound and Ready, the status is observed, and nothing moves. */
async function converge(
  c: Cluster,
  ds: DaemonSet,
  expectedNodes: readonly string[],
  what: string,
): Promise<DaemonSet> {
  return eventually(
    () => {
      const pl = placement(c.cluster, ds);
      const wanted = Object.fromEntries(expectedNodes.map((n) => [n, 1]));
      if (JSON.stringify(Object.entries(pl).sort()) !== JSON.stringify(Object.entries(wanted).sort()))
        return false;
      if (daemonPods(c.cluster, ds).some((p) => p.metadata?.deletionTimestamp || !ready(p))) return false;
      const live = c.cluster.store.get(resources.daemonsets, nsOf(ds), ds.metadata?.name ?? '');
      const st = live?.status;
      if (!st || st.observedGeneration !== live.metadata?.generation) return false;
      if (st.desiredNumberScheduled !== expectedNodes.length || st.numberAvailable !== expectedNodes.length)
        return false;
      if (st.numberMisscheduled !== 0) return false;
      return live;
    },
    { clock: c.clock, stepMs: 1_000, timeoutMs: 10_000, what },
  );
}

/** Spec §5, recounted from the store: what the status must say. */
function assertStatus(
  c: EmbeddedCluster,
  ds: DaemonSet,
  want: {
    desired: number;
    current: number;
    ready: number;
    available: number;
    updated: number;
    misscheduled: number;
  },
): void {
  const st = c.store.get(resources.daemonsets, nsOf(ds), ds.metadata?.name ?? '')?.status;
  assert.deepEqual(
    {
      desired: st?.desiredNumberScheduled,
      current: st?.currentNumberScheduled,
      ready: st?.numberReady,
      available: st?.numberAvailable,
      updated: st?.updatedNumberScheduled,
      misscheduled: st?.numberMisscheduled,
      unavailable: st?.numberUnavailable ?? 0,
    },
    { ...want, unavailable: want.desired - want.available },
  );
}

function explain(c: Cluster, ds: DaemonSet): Map<string, NodeExplanation> {
  const live = c.cluster.store.get(resources.daemonsets, nsOf(ds), ds.metadata?.name ?? '')!;
  const nodes = c.cluster.store.list(resources.nodes).items as Node[];
  const pods = c.cluster.store.list(resources.pods, { namespace: nsOf(ds) }).items as Pod[];
  return new Map(explainDaemonSet(live, nodes, pods, { now: c.clock.now() }).map((e) => [e.node, e]));
}

const WORKERS = ['node-1', 'node-2', 'node-3', 'node-4'];

describe('DaemonSets on an embedded cluster (the seeds)', () => {
  test('seed 002: nginx runs on the four workers only; the tainted control plane is explained', async () => {
    const c = await start();
    try {
      const ds = manifest('nginx-daemonset.yaml');
      await c.cluster.client.create(resources.daemonsets, {
        ...ds,
        metadata: { ...ds.metadata, namespace: 'default' },
      });
      await converge(c, ds, WORKERS, 'nginx on the workers');
      assertStatus(c.cluster, ds, {
        desired: 4,
        current: 4,
        ready: 4,
        available: 4,
        updated: 4,
        misscheduled: 0,
      });
      const why = explain(c, ds);
      const cp = why.get('control-plane')!;
      assert.equal(cp.state, 'Blocked');
      assert.equal(cp.reason, 'UntoleratedTaint');
      assert.equal(
        cp.message,
        'untolerated taint node-role.kubernetes.io/control-plane:NoSchedule: no pod is placed',
      );
      for (const w of WORKERS) assert.equal(why.get(w)?.state, 'Running', w);
      const ev = await eventually(() =>
        c.cluster.store
          .list(resources.events)
          .items.find((e) => e.reason === 'NodeBlocked' && e.involvedObject.name === 'nginx-daemonset'),
      );
      assert.equal(
        ev.message,
        'Node control-plane: untolerated taint node-role.kubernetes.io/control-plane:NoSchedule: no pod is placed',
      );
    } finally {
      await c.cluster.stop();
    }
  });

  test('seed 001: fluentd-elasticsearch tolerates the control plane and runs on all five nodes; joins and leaves follow', async () => {
    const c = await start();
    try {
      const ds = manifest('fluentd-elasticsearch.yaml');
      await c.cluster.client.create(resources.daemonsets, ds);
      await converge(c, ds, ['control-plane', ...WORKERS], 'fluentd on all nodes');
      assertStatus(c.cluster, ds, {
        desired: 5,
        current: 5,
        ready: 5,
        available: 5,
        updated: 5,
        misscheduled: 0,
      });
      const pod = daemonPods(c.cluster, ds)[0]!;
      assert.deepEqual(
        pod.spec?.tolerations?.map((t) => `${t.key}:${t.effect}`),
        [
          'node-role.kubernetes.io/control-plane:NoSchedule',
          'node-role.kubernetes.io/master:NoSchedule',
          'node.kubernetes.io/not-ready:NoExecute',
          'node.kubernetes.io/unreachable:NoExecute',
          'node.kubernetes.io/disk-pressure:NoSchedule',
          'node.kubernetes.io/memory-pressure:NoSchedule',
          'node.kubernetes.io/pid-pressure:NoSchedule',
          'node.kubernetes.io/unschedulable:NoSchedule',
        ],
        "the automatic tolerations follow the template's own",
      );

      await c.cluster.addNode({ name: 'node-5' });
      await converge(c, ds, ['control-plane', ...WORKERS, 'node-5'], 'a joining node gets a pod');
      assertStatus(c.cluster, ds, {
        desired: 6,
        current: 6,
        ready: 6,
        available: 6,
        updated: 6,
        misscheduled: 0,
      });

      await c.cluster.client.delete(resources.nodes, '', 'node-2');
      await settle();
      assertStatus(c.cluster, ds, {
        desired: 5,
        current: 5,
        ready: 5,
        available: 5,
        updated: 5,
        misscheduled: 0,
      });
      await converge(
        c,
        ds,
        ['control-plane', 'node-1', 'node-3', 'node-4', 'node-5'],
        'the pod of a deleted node goes away',
      );
    } finally {
      await c.cluster.stop();
    }
  });

  test('seed 004: labelling a node ssd=true places the nodeSelector DaemonSet there and only there', async () => {
    const c = await start();
    try {
      const ds = manifest('fluentd-ssd.yaml');
      await c.cluster.client.create(resources.daemonsets, {
        ...ds,
        metadata: { ...ds.metadata, namespace: 'default' },
      });
      await settle();
      await converge(c, ds, [], 'no node has ssd=true');
      let why = explain(c, ds);
      for (const n of ['control-plane', ...WORKERS]) {
        assert.equal(why.get(n)?.state, 'Excluded', n);
        assert.equal(why.get(n)?.message, 'excluded by nodeSelector ssd=true (node has no such label)');
      }
      await c.cluster.client.patch(resources.nodes, '', 'node-3', 'merge', {
        metadata: { labels: { ssd: 'true' } },
      });
      await converge(c, ds, ['node-3'], 'the pod lands on node-3');
      assertStatus(c.cluster, ds, {
        desired: 1,
        current: 1,
        ready: 1,
        available: 1,
        updated: 1,
        misscheduled: 0,
      });
      await c.cluster.client.patch(resources.nodes, '', 'node-4', 'merge', {
        metadata: { labels: { ssd: 'false' } },
      });
      await settle();
      why = explain(c, ds);
      assert.equal(why.get('node-4')?.message, 'excluded by nodeSelector ssd=true (node has ssd=false)');
      assert.equal(why.get('node-3')?.state, 'Running');
      // Unlabel: the pod is removed.
      await c.cluster.client.patch(resources.nodes, '', 'node-3', 'merge', {
        metadata: { labels: { ssd: null } },
      });
      await converge(c, ds, [], 'the pod leaves node-3');
      assertStatus(c.cluster, ds, {
        desired: 0,
        current: 0,
        ready: 0,
        available: 0,
        updated: 0,
        misscheduled: 0,
      });
    } finally {
      await c.cluster.stop();
    }
  });

  test('a NoExecute taint evicts the daemon pod; a NoSchedule taint keeps it and counts it misscheduled', async () => {
    const c = await start();
    try {
      const ds = manifest('nginx-daemonset.yaml');
      await c.cluster.client.create(resources.daemonsets, {
        ...ds,
        metadata: { ...ds.metadata, namespace: 'default' },
      });
      await converge(c, ds, WORKERS, 'nginx on the workers');

      const taint = async (node: string, effect: 'NoSchedule' | 'NoExecute'): Promise<void> => {
        const n = c.cluster.store.get(resources.nodes, '', node)!;
        await c.cluster.client.update(resources.nodes, {
          ...n,
          spec: {
            ...n.spec,
            taints: [...(n.spec?.taints ?? []), { key: 'dedicated', value: 'infra', effect }],
          },
        });
      };

      await taint('node-1', 'NoSchedule');
      await eventually(
        () =>
          c.cluster.store.get(resources.daemonsets, 'default', 'nginx-daemonset')?.status
            ?.numberMisscheduled === 1,
        {
          clock: c.clock,
          what: 'misscheduled counted',
        },
      );
      assert.deepEqual(
        placement(c.cluster, ds),
        { 'node-1': 1, 'node-2': 1, 'node-3': 1, 'node-4': 1 },
        'the pod is kept',
      );
      assertStatus(c.cluster, ds, {
        desired: 3,
        current: 3,
        ready: 3,
        available: 3,
        updated: 3,
        misscheduled: 1,
      });
      let why = explain(c, ds).get('node-1')!;
      assert.equal(why.state, 'Blocked');
      assert.match(
        why.message,
        /^untolerated taint dedicated=infra:NoSchedule: no new pod is placed; existing pod nginx-daemonset-\w+ is kept and counted misscheduled$/,
      );

      await taint('node-2', 'NoExecute');
      await eventually(() => !placement(c.cluster, ds)['node-2'], {
        clock: c.clock,
        what: 'eviction from node-2',
      });
      await eventually(() => daemonPods(c.cluster, ds).every((p) => p.spec?.nodeName !== 'node-2'), {
        clock: c.clock,
        what: 'pod gone',
      });
      // While the evicted pod terminates it still counts as misscheduled (spec §5); then it is gone.
      await eventually(
        () => {
          const st = c.cluster.store.get(resources.daemonsets, 'default', 'nginx-daemonset')?.status;
          return st?.desiredNumberScheduled === 2 && st.numberMisscheduled === 1;
        },
        { clock: c.clock, what: 'status after eviction' },
      );
      assertStatus(c.cluster, ds, {
        desired: 2,
        current: 2,
        ready: 2,
        available: 2,
        updated: 2,
        misscheduled: 1,
      });
      why = explain(c, ds).get('node-2')!;
      assert.equal(why.state, 'Excluded');
      assert.equal(why.message, 'untolerated taint dedicated=infra:NoExecute');
    } finally {
      await c.cluster.stop();
    }
  });
});
