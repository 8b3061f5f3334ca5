/**
 * Pod garbage collection in an embedded cluster: pods bound to a deleted node are force-deleted
 * once the node has stayed missing for the quarantine (40 s by default), never before, and a node
 * that comes back in time saves its pods.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { EmbeddedCluster } from '../src/cluster/embedded-cluster.js';
import { resources } from '../src/api/resources.js';
import { FakeClock } from '../src/util/clock.js';
import { eventually, seededRandom, settle } from './support/wait.js';

function pod(name: string, nodeName: string): Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], nodeName },
  };
}

/** Lets watches, queues and workers catch up without moving the fake clock. */
async function quiesce(): Promise<void> {
  await settle(50);
  await new Promise((r) => setTimeout(r, 20));
  await settle(50);
}

/** Moves the fake clock in steps, letting the cluster react after each. */
async function advance(clock: FakeClock, ms: number, stepMs = 1_000): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    clock.advance(Math.min(stepMs, ms - done));
    await settle(5);
  }
  await quiesce();
}

interface Setup {
  readonly clock: FakeClock;
  readonly cluster: EmbeddedCluster;
  readonly get: (name: string) => Pod | undefined;
}

/** Three nodes, pods `a1`, `a2` on node-1, `b1` on node-2 and `c1` on node-3, all Running. */
async function start(seed: number): Promise<Setup> {
  const clock = new FakeClock();
  const cluster = await EmbeddedCluster.start({ nodes: 3, clock, random: seededRandom(seed) });
  const placement: Array<[string, string]> = [
    ['a1', 'node-1'],
    ['a2', 'node-1'],
    ['b1', 'node-2'],
    ['c1', 'node-3'],
  ];
  for (const [name, node] of placement) await cluster.client.create(resources.pods, pod(name, node));
  const get = (name: string): Pod | undefined => cluster.store.get(resources.pods, 'default', name);
  await eventually(() => placement.every(([name]) => get(name)?.status?.phase === 'Running'), {
    what: 'pods Running',
  });
  return { clock, cluster, get };
}

const untouched = (p: Pod | undefined): boolean =>
  p !== undefined && p.metadata?.deletionTimestamp === undefined && p.status?.phase === 'Running';

describe('pod GC', () => {
  test('pods of a deleted node are force-deleted after the 40 s quarantine, not before', async () => {
    const { clock, cluster, get } = await start(41);
    try {
      await cluster.client.delete(resources.nodes, '', 'node-1');
      await quiesce();
      await advance(clock, 39_000);
      assert.ok(untouched(get('a1')) && untouched(get('a2')), 'kept for 39 s');

      await advance(clock, 1_000);
      await eventually(() => !get('a1') && !get('a2'), { what: 'pods collected after 40 s' });
      assert.ok(untouched(get('b1')) && untouched(get('c1')), 'pods on existing nodes are untouched');

      await advance(clock, 120_000, 5_000);
      assert.ok(untouched(get('b1')) && untouched(get('c1')), 'and stay untouched');
    } finally {
      await cluster.stop();
    }
  });

  test('the quarantine follows the podGCQuarantineMs option', async () => {
    const clock = new FakeClock();
    const cluster = await EmbeddedCluster.start({
      nodes: 1,
      clock,
      podGCQuarantineMs: 5_000,
      random: seededRandom(42),
    });
    try {
      await cluster.client.create(resources.pods, pod('p', 'node-1'));
      await eventually(() => cluster.store.get(resources.pods, 'default', 'p')?.status?.phase === 'Running');
      await cluster.client.delete(resources.nodes, '', 'node-1');
      await quiesce();
      await advance(clock, 4_000);
      assert.ok(cluster.store.get(resources.pods, 'default', 'p'), 'kept for 4 s');
      await advance(clock, 1_000);
      await eventually(() => !cluster.store.get(resources.pods, 'default', 'p'), {
        what: 'collected after 5 s',
      });
    } finally {
      await cluster.stop();
    }
  });

  test('a node re-created with the same name within the quarantine saves its pods', async () => {
    const { clock, cluster, get } = await start(43);
    try {
      await cluster.client.delete(resources.nodes, '', 'node-1');
      await quiesce();
      await advance(clock, 20_000);
      await cluster.addNode({ name: 'node-1' });
      await quiesce();
      await advance(clock, 120_000, 5_000);
      for (const name of ['a1', 'a2', 'b1', 'c1']) assert.ok(untouched(get(name)), `${name} kept`);
    } finally {
      await cluster.stop();
    }
  });

  test('a node deleted again after coming back gets a full quarantine from its second deletion', async () => {
    const { clock, cluster, get } = await start(44);
    try {
      await cluster.client.delete(resources.nodes, '', 'node-1');
      await quiesce();
      await advance(clock, 10_000);
      await cluster.addNode({ name: 'node-1' });
      await quiesce();
      await advance(clock, 10_000);
      await cluster.client.delete(resources.nodes, '', 'node-1');
      await quiesce();
      await advance(clock, 39_000);
      assert.ok(untouched(get('a1')) && untouched(get('a2')), 'kept for 39 s after the second deletion');
      await advance(clock, 1_000);
      await eventually(() => !get('a1') && !get('a2'), {
        what: 'pods collected 40 s after the second deletion',
      });
    } finally {
      await cluster.stop();
    }
  });

  test('pods of two nodes deleted at different times are each collected when their own quarantine ends', async () => {
    const { clock, cluster, get } = await start(45);
    try {
      await cluster.client.delete(resources.nodes, '', 'node-1');
      await quiesce();
      await advance(clock, 10_000);
      await cluster.client.delete(resources.nodes, '', 'node-2');
      await quiesce();
      await advance(clock, 29_000);
      assert.ok(untouched(get('a1')) && untouched(get('b1')), 'both nodes still in quarantine');

      await advance(clock, 1_000);
      await eventually(() => !get('a1') && !get('a2'), { what: 'node-1 pods collected at 40 s' });
      assert.ok(untouched(get('b1')), 'node-2 pods still in quarantine');

      await advance(clock, 9_000);
      assert.ok(untouched(get('b1')), 'node-2 pods kept for 39 s');
      await advance(clock, 1_000);
      await eventually(() => !get('b1'), { what: 'node-2 pods collected at 40 s' });
      assert.ok(untouched(get('c1')), 'pods on node-3 are untouched');
    } finally {
      await cluster.stop();
    }
  });
});
