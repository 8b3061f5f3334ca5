/**
 * The garbage collector in an embedded cluster: cascading deletion of a DaemonSet's pods and
 * ControllerRevisions (background, foreground, orphan), dependents with several owners, dangling
 * owner references, and node Leases following their Node.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { EmbeddedCluster } from '../src/cluster/embedded-cluster.js';
import type { KubeObject, ResourceType } from '../src/api/resources.js';
import { resources } from '../src/api/resources.js';
import { isConflict } from '../src/api/errors.js';
import { eventually, seededRandom, settle } from './support/wait.js';

/** A finalizer no controller knows: holds an object in Terminating until the test removes it. */
const HOLD = 'example.com/hold';

function daemonSet(name: string): DaemonSet {
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'agent', image: 'busybox:1.36' }] },
      },
    },
  };
}

function ownedBy(owner: DaemonSet, controller = true): OwnerReference {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller,
    blockOwnerDeletion: true,
  };
}

function pod(name: string, nodeName: string, owners: OwnerReference[], finalizers?: string[]): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      ownerReferences: owners,
      ...(finalizers ? { finalizers } : {}),
    },
    spec: { containers: [{ name: 'agent', image: 'busybox:1.36' }], nodeName },
  };
}

function revision(name: string, owner: DaemonSet, finalizers?: string[]): ControllerRevision {
  return {
    metadata: {
      name,
      namespace: 'default',
      ownerReferences: [ownedBy(owner)],
      ...(finalizers ? { finalizers } : {}),
    },
    data: { spec: { template: owner.spec?.template } },
    revision: 1,
  };
}

/**
 * Everything but the DaemonSet controller: the tests stand in for it, creating the pods and
 * revisions by hand, so that only the collector acts on ownerReferences.
 */
async function startCluster(seed: number): Promise<EmbeddedCluster> {
  const cluster = await EmbeddedCluster.start({
    nodes: 2,
    controllers: ['*', '-daemonset'],
    random: seededRandom(seed),
  });
  await eventually(() => cluster.store.list(resources.nodes).items.every((n) => n.status?.conditions), {
    what: 'nodes adopted',
  });
  return cluster;
}

/** A DaemonSet with one pod per node and a ControllerRevision, as its controller would leave them. */
async function daemonSetWithDependents(
  cluster: EmbeddedCluster,
  name: string,
  options: { revisionFinalizers?: string[] } = {},
): Promise<DaemonSet> {
  const ds = await cluster.client.create(resources.daemonsets, daemonSet(name));
  await cluster.client.create(resources.pods, pod(`${name}-a`, 'node-1', [ownedBy(ds)]));
  await cluster.client.create(resources.pods, pod(`${name}-b`, 'node-2', [ownedBy(ds)]));
  await cluster.client.create(
    resources.controllerrevisions,
    revision(`${name}-5d8f7c9b4`, ds, options.revisionFinalizers),
  );
  await eventually(
    () =>
      [`${name}-a`, `${name}-b`].every(
        (p) => cluster.store.get(resources.pods, 'default', p)?.status?.phase === 'Running',
      ),
    { what: `${name} pods Running` },
  );
  return ds;
}

const exists = (cluster: EmbeddedCluster, type: ResourceType, name: string, ns = 'default'): boolean =>
  cluster.store.get(type, ns, name) !== undefined;

/** Read-modify-write retried on conflict (the collector writes the same objects). */
async function mutate<T extends KubeObject>(
  cluster: EmbeddedCluster,
  type: ResourceType<T>,
  name: string,
  change: (obj: T) => T,
): Promise<T> {
  for (;;) {
    const obj = await cluster.client.get(type, 'default', name);
    try {
      return await cluster.client.update(type, change(obj));
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

/** Gives watches, queues and workers time to act (used before asserting that nothing happened). */
async function quiesce(): Promise<void> {
  await settle(50);
  await new Promise((r) => setTimeout(r, 100));
  await settle(50);
}

describe('garbage collector', () => {
  test('deleting a DaemonSet (background, the default) deletes its pods and ControllerRevision', async () => {
    const cluster = await startCluster(31);
    try {
      await daemonSetWithDependents(cluster, 'agent');
      const other = await daemonSetWithDependents(cluster, 'other');
      await cluster.client.delete(resources.daemonsets, 'default', 'agent');
      assert.ok(!exists(cluster, resources.daemonsets, 'agent'), 'the owner goes at once');
      await eventually(
        () =>
          !exists(cluster, resources.pods, 'agent-a') &&
          !exists(cluster, resources.pods, 'agent-b') &&
          !exists(cluster, resources.controllerrevisions, 'agent-5d8f7c9b4'),
        { what: 'dependents collected' },
      );
      await quiesce();
      assert.ok(exists(cluster, resources.daemonsets, 'other'));
      for (const p of ['other-a', 'other-b'])
        assert.equal(
          cluster.store.get(resources.pods, 'default', p)?.metadata?.deletionTimestamp,
          undefined,
          `${p} of another DaemonSet is untouched`,
        );
      assert.equal(
        cluster.store.get(resources.controllerrevisions, 'default', 'other-5d8f7c9b4')?.metadata
          ?.ownerReferences?.[0]?.uid,
        other.metadata?.uid,
      );
    } finally {
      await cluster.stop();
    }
  });

  test('foreground deletion keeps the DaemonSet (deletionTimestamp, foregroundDeletion) until its dependents are gone', async () => {
    const cluster = await startCluster(32);
    try {
      // The revision is held by a finalizer, so the owner's wait can be observed.
      await daemonSetWithDependents(cluster, 'agent', { revisionFinalizers: [HOLD] });
      const deleting = await cluster.client.delete(resources.daemonsets, 'default', 'agent', {
        propagationPolicy: 'Foreground',
      });
      assert.ok(deleting.metadata?.deletionTimestamp, 'marked for deletion');
      assert.deepEqual(deleting.metadata?.finalizers, ['foregroundDeletion']);

      await eventually(
        () => !exists(cluster, resources.pods, 'agent-a') && !exists(cluster, resources.pods, 'agent-b'),
        { what: 'pods deleted first' },
      );
      const held = await eventually(
        () => {
          const cr = cluster.store.get(resources.controllerrevisions, 'default', 'agent-5d8f7c9b4');
          const marked = cr?.metadata?.deletionTimestamp !== undefined;
          return marked && !cr?.metadata?.finalizers?.includes('foregroundDeletion') && cr;
        },
        { what: 'revision marked for deletion' },
      );
      assert.deepEqual(held.metadata?.finalizers, [HOLD]);
      await quiesce();
      const waiting = cluster.store.get(resources.daemonsets, 'default', 'agent');
      assert.ok(waiting, 'the owner waits while a dependent remains');
      assert.ok(waiting.metadata?.deletionTimestamp);
      assert.deepEqual(waiting.metadata?.finalizers, ['foregroundDeletion']);

      await mutate(cluster, resources.controllerrevisions, 'agent-5d8f7c9b4', (cr) => ({
        ...cr,
        metadata: { ...cr.metadata, finalizers: [] },
      }));
      await eventually(() => !exists(cluster, resources.controllerrevisions, 'agent-5d8f7c9b4'), {
        what: 'revision gone',
      });
      await eventually(() => !exists(cluster, resources.daemonsets, 'agent'), { what: 'owner gone last' });
    } finally {
      await cluster.stop();
    }
  });

  test('orphan deletion removes the DaemonSet and keeps its dependents without the ownerReference', async () => {
    const cluster = await startCluster(33);
    try {
      const ds = await daemonSetWithDependents(cluster, 'agent');
      // A second, unrelated owner reference on one pod must survive the orphaning.
      const keeper = await cluster.client.create(resources.daemonsets, daemonSet('keeper'));
      await mutate(cluster, resources.pods, 'agent-a', (p) => ({
        ...p,
        metadata: { ...p.metadata, ownerReferences: [ownedBy(ds), ownedBy(keeper, false)] },
      }));
      const deleting = await cluster.client.delete(resources.daemonsets, 'default', 'agent', {
        propagationPolicy: 'Orphan',
      });
      assert.ok(deleting.metadata?.deletionTimestamp);
      assert.deepEqual(deleting.metadata?.finalizers, ['orphan']);

      await eventually(() => !exists(cluster, resources.daemonsets, 'agent'), { what: 'owner gone' });
      await quiesce();
      const a = cluster.store.get(resources.pods, 'default', 'agent-a');
      const b = cluster.store.get(resources.pods, 'default', 'agent-b');
      const cr = cluster.store.get(resources.controllerrevisions, 'default', 'agent-5d8f7c9b4');
      assert.ok(a && b && cr, 'every dependent is kept');
      for (const o of [a, b, cr]) assert.equal(o.metadata?.deletionTimestamp, undefined);
      assert.deepEqual(
        a.metadata?.ownerReferences?.map((r) => r.uid),
        [keeper.metadata?.uid],
      );
      assert.deepEqual(b.metadata?.ownerReferences ?? [], []);
      assert.deepEqual(cr.metadata?.ownerReferences ?? [], []);
      assert.equal(b.status?.phase, 'Running');
    } finally {
      await cluster.stop();
    }
  });

  test('a pod with two owners is kept while one of them is alive, and collected when the last goes', async () => {
    const cluster = await startCluster(34);
    try {
      const first = await cluster.client.create(resources.daemonsets, daemonSet('first'));
      const second = await cluster.client.create(resources.daemonsets, daemonSet('second'));
      await cluster.client.create(
        resources.pods,
        pod('shared', 'node-1', [ownedBy(first), ownedBy(second, false)]),
      );
      await eventually(
        () => cluster.store.get(resources.pods, 'default', 'shared')?.status?.phase === 'Running',
      );

      await cluster.client.delete(resources.daemonsets, 'default', 'first');
      await quiesce();
      const kept = cluster.store.get(resources.pods, 'default', 'shared');
      assert.ok(kept, 'kept while the second owner lives');
      assert.equal(kept.metadata?.deletionTimestamp, undefined);

      await cluster.client.delete(resources.daemonsets, 'default', 'second');
      await eventually(() => !exists(cluster, resources.pods, 'shared'), {
        what: 'collected with the last owner',
      });
    } finally {
      await cluster.stop();
    }
  });

  test('an object whose ownerReference names an owner that never existed is collected', async () => {
    const cluster = await startCluster(35);
    try {
      const ds = await cluster.client.create(resources.daemonsets, daemonSet('real'));
      const ghost: OwnerReference = {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        name: 'ghost',
        uid: '00000000-0000-4000-8000-000000000000',
        controller: true,
        blockOwnerDeletion: true,
      };
      // Same name as a live DaemonSet, but another uid: a previous incarnation's reference.
      const stale: OwnerReference = { ...ownedBy(ds), uid: '11111111-1111-4111-8111-111111111111' };
      // A kind the collector does not serve is never resolved, so never collected.
      const unknownKind: OwnerReference = {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        name: 'w',
        uid: '22222222-2222-4222-8222-222222222222',
      };
      await cluster.client.create(resources.pods, pod('orphan-of-ghost', 'node-1', [ghost]));
      await cluster.client.create(resources.controllerrevisions, {
        ...revision('ghost-rev', ds),
        metadata: { name: 'ghost-rev', namespace: 'default', ownerReferences: [ghost] },
      });
      await cluster.client.create(resources.pods, pod('stale-ref', 'node-2', [stale]));
      await cluster.client.create(resources.pods, pod('widget-child', 'node-2', [unknownKind]));
      await cluster.client.create(resources.pods, pod('real-child', 'node-1', [ownedBy(ds)]));

      await eventually(
        () =>
          !exists(cluster, resources.pods, 'orphan-of-ghost') &&
          !exists(cluster, resources.controllerrevisions, 'ghost-rev') &&
          !exists(cluster, resources.pods, 'stale-ref'),
        { what: 'dangling dependents collected' },
      );
      await quiesce();
      for (const p of ['widget-child', 'real-child']) {
        const kept = cluster.store.get(resources.pods, 'default', p);
        assert.ok(kept, `${p} kept`);
        assert.equal(kept.metadata?.deletionTimestamp, undefined);
      }
    } finally {
      await cluster.stop();
    }
  });

  test('a node Lease in kube-node-lease is collected when its Node is deleted', async () => {
    const cluster = await startCluster(36);
    try {
      const node2 = cluster.store.get(resources.nodes, '', 'node-2')!;
      const lease = await eventually(() => cluster.store.get(resources.leases, 'kube-node-lease', 'node-2'), {
        what: 'node-2 lease',
      });
      assert.deepEqual(
        lease.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid]),
        [['Node', 'node-2', node2.metadata?.uid]],
      );
      await cluster.client.delete(resources.nodes, '', 'node-2');
      await eventually(() => !exists(cluster, resources.leases, 'node-2', 'kube-node-lease'), {
        what: 'lease collected',
      });
      await quiesce();
      assert.ok(exists(cluster, resources.leases, 'node-1', 'kube-node-lease'), 'the other lease stays');
      assert.ok(exists(cluster, resources.nodes, 'node-1', ''));
    } finally {
      await cluster.stop();
    }
  });
});
