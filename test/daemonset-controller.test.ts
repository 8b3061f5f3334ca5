/**
 * Upstream's DaemonSet controller unit scenarios (spec §8.1, U1–U66), each test named with its id.
 * "(c,d,e)" is the number of pod creations, pod deletions and controller events of one sync.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../src/api/resources.js';
import { ApiError } from '../src/api/errors.js';
import { nodeShouldRunDaemonPod } from '../src/controllers/daemonset/placement.js';
import { shouldIgnoreNodeUpdate } from '../src/controllers/daemonset/controller.js';
import { computeHash } from '../src/controllers/daemonset/hash.js';
import { storeDaemonSetStatus } from '../src/controllers/daemonset/status.js';
import { DsHarness, SIMPLE_DAEMON_LABELS, newDaemonSet, newNode } from './support/ds-harness.js';
import type { Strategy } from './support/ds-harness.js';
import { settle } from './support/wait.js';
import type { Mutable } from '../src/util/objects.js';
import { clone } from '../src/util/objects.js';
import { rfc3339 } from '../src/util/clock.js';

const SIMPLE_NODE_LABELS = { color: 'blue', speed: 'fast' };
const OTHER_LABELS = { name: 'simple-daemon', type: 'test' };
const STRATEGIES: readonly Strategy[] = ['OnDelete', 'RollingUpdate'];

/** Runs `fn` once per update strategy, as upstream's table loops do. */
function forEachStrategy(name: string, fn: (h: DsHarness, strategy: Strategy) => Promise<void>): void {
  for (const strategy of STRATEGIES) {
    test(`${name} (${strategy})`, async () => {
      const h = await DsHarness.create();
      try {
        await fn(h, strategy);
      } finally {
        await h.close();
      }
    });
  }
}

async function withHarness(
  fn: (h: DsHarness) => Promise<void>,
  options: Parameters<typeof DsHarness.create>[0] = {},
): Promise<void> {
  const h = await DsHarness.create(options);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

function ds(strategy: Strategy, mutate: (d: Mutable<DaemonSet>) => void = () => {}, name = 'foo'): DaemonSet {
  const d = JSON.parse(JSON.stringify(newDaemonSet(name, strategy))) as Mutable<DaemonSet>;
  mutate(d);
  return d;
}

function templateSpec(
  d: Mutable<DaemonSet>,
): NonNullable<Mutable<DaemonSet>['spec']>['template']['spec'] & object {
  const spec = d.spec!.template.spec!;
  return spec;
}

/** Drains the controller's queue and returns the keys that were in it. */
async function drainQueue(h: DsHarness): Promise<string[]> {
  await settle();
  const keys: string[] = [];
  while (h.controller.queue.len() > 0) {
    const k = await h.controller.queue.get();
    if (k === undefined) break;
    keys.push(k);
    h.controller.queue.done(k);
  }
  return keys.sort();
}

describe('DaemonSet controller: events and queueing', () => {
  test('[U1] deleting a DaemonSet enqueues its key', () =>
    withHarness(async (h) => {
      h.createDaemonSet(newDaemonSet());
      await drainQueue(h);
      h.store.delete(resources.daemonsets, 'default', 'foo');
      assert.deepEqual(await drainQueue(h), ['default/foo']);
    }));

  test('[U2] expectations: unfulfilled right after creating, dropped with the DaemonSet, fresh for a re-created one', () =>
    withHarness(async (h) => {
      h.client.observeWrites = false; // real informers: the creation is seen later
      h.addNodes(1);
      h.createDaemonSet(newDaemonSet());
      await settle();
      await h.controller.syncDaemonSet('default/foo');
      assert.equal(
        h.controller.expectations.satisfiedExpectations('default/foo'),
        false,
        'creation not yet observed',
      );
      await settle();
      assert.equal(h.controller.expectations.satisfiedExpectations('default/foo'), true);
      assert.equal(h.livePods().length, 1);
      h.store.delete(resources.daemonsets, 'default', 'foo');
      await settle();
      assert.equal(h.controller.expectations.get('default/foo'), undefined);
      // Re-created under the same name (new UID): the old pod is not its own, one new pod is created.
      h.createDaemonSet(newDaemonSet());
      const r = await h.sync();
      assert.equal(r.creates, 1);
    }));

  test('[U45] node updates: identical or allocatable-only changes enqueue nothing; label and taint changes do', () =>
    withHarness(async (h) => {
      const [n0] = h.addNodes(1, {}, 0, {
        spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] },
      });
      h.addNodes(1, SIMPLE_NODE_LABELS, 1);
      h.createDaemonSet(ds('RollingUpdate', (d) => (templateSpec(d).nodeSelector = SIMPLE_NODE_LABELS)));
      await h.expectSync('foo', 1, 0, 0);
      await drainQueue(h);
      const node = h.store.get(resources.nodes, '', n0!.metadata!.name!)!;
      h.store.update(resources.nodes, { ...node, metadata: { ...node.metadata, annotations: {} } });
      assert.deepEqual(await drainQueue(h), [], 'identical node');
      const n1 = h.store.get(resources.nodes, '', 'node-1')!;
      h.store.update(
        resources.nodes,
        { ...n1, status: { ...n1.status, allocatable: { pods: '200' } } },
        { subresource: 'status' },
      );
      assert.deepEqual(await drainQueue(h), [], 'only allocatable changed');
      const n0b = h.store.get(resources.nodes, '', 'node-0')!;
      h.store.update(resources.nodes, { ...n0b, metadata: { ...n0b.metadata, labels: SIMPLE_NODE_LABELS } });
      assert.deepEqual(
        await drainQueue(h),
        ['default/foo'],
        'labels match, the taint still blocks new pods: shouldContinueRunning changed',
      );
      const n0c = h.store.get(resources.nodes, '', 'node-0')!;
      h.store.update(resources.nodes, { ...n0c, spec: { ...n0c.spec, taints: [] } });
      assert.deepEqual(await drainQueue(h), ['default/foo'], 'NoSchedule taint removed');
      const n1b = h.store.get(resources.nodes, '', 'node-1')!;
      h.store.update(resources.nodes, { ...n1b, metadata: { ...n1b.metadata, labels: {} } });
      assert.deepEqual(await drainQueue(h), ['default/foo'], 'labels no longer match');
    }));

  test('[U46] deleting pods the DaemonSet does not own does not enqueue it', () =>
    withHarness(async (h) => {
      h.addNodes(1);
      h.createDaemonSet(newDaemonSet());
      await h.expectSync('foo', 1, 0, 0);
      h.addPod({ name: 'unowned-bound', nodeName: 'node-0', labels: { app: 'other' } });
      h.addPod({ name: 'unowned-unbound', labels: { app: 'other' } });
      const rsOwned = h.addPod({ name: 'rs-owned', nodeName: 'node-0', labels: { app: 'other' } });
      await drainQueue(h);
      for (const p of [
        rsOwned,
        { metadata: { name: 'unowned-bound' } },
        { metadata: { name: 'unowned-unbound' } },
      ]) {
        h.store.delete(resources.pods, 'default', p.metadata!.name!, { gracePeriodSeconds: 0 });
      }
      assert.deepEqual(await drainQueue(h), []);
    }));

  test('[U49] (changed) adding a node enqueues the DaemonSets that should run there, and only those', () =>
    withHarness(async (h) => {
      h.createDaemonSet(newDaemonSet('foo'));
      h.createDaemonSet(
        ds('RollingUpdate', (d) => (templateSpec(d).nodeSelector = SIMPLE_NODE_LABELS), 'picky'),
      );
      await drainQueue(h);
      h.addNodes(1);
      assert.deepEqual(await drainQueue(h), ['default/foo']);
      h.addNodes(1, SIMPLE_NODE_LABELS, 1);
      assert.deepEqual(await drainQueue(h), ['default/foo', 'default/picky']);
    }));

  test('[U50] adding an owned pod enqueues exactly its owner', () =>
    withHarness(async (h) => {
      const a = h.createDaemonSet(newDaemonSet('foo'));
      const b = h.createDaemonSet(newDaemonSet('bar'));
      await drainQueue(h);
      h.addPod({ name: 'p1', owner: a });
      assert.deepEqual(await drainQueue(h), ['default/foo']);
      h.addPod({ name: 'p2', owner: b });
      assert.deepEqual(await drainQueue(h), ['default/bar']);
    }));

  test('[U51] adding an orphan enqueues every DaemonSet whose selector matches it', () =>
    withHarness(async (h) => {
      h.createDaemonSet(newDaemonSet('foo'));
      h.createDaemonSet(newDaemonSet('bar'));
      h.createDaemonSet(
        ds(
          'RollingUpdate',
          (d) => {
            d.spec!.selector = { matchLabels: OTHER_LABELS };
            d.spec!.template.metadata = { labels: OTHER_LABELS };
          },
          'baz',
        ),
      );
      await drainQueue(h);
      h.addPod({ name: 'orphan' });
      assert.deepEqual(await drainQueue(h), ['default/bar', 'default/foo']);
    }));

  test('[U52] updating an owned pod enqueues its owner', () =>
    withHarness(async (h) => {
      const a = h.createDaemonSet(newDaemonSet('foo'));
      h.createDaemonSet(newDaemonSet('bar'));
      const p = h.addPod({ name: 'p', owner: a });
      await drainQueue(h);
      h.store.update(resources.pods, { ...p, metadata: { ...p.metadata, annotations: { touched: 'yes' } } });
      assert.deepEqual(await drainQueue(h), ['default/foo']);
    }));

  test('[U53] updating an orphan without changing its labels enqueues nothing', () =>
    withHarness(async (h) => {
      h.createDaemonSet(newDaemonSet('foo'));
      h.createDaemonSet(newDaemonSet('bar'));
      const p = h.addPod({ name: 'orphan' });
      await drainQueue(h);
      h.store.update(resources.pods, { ...p, metadata: { ...p.metadata, annotations: { touched: 'yes' } } });
      assert.deepEqual(await drainQueue(h), []);
    }));

  test('[U54] an orphan whose labels change enqueues the DaemonSets that match it', () =>
    withHarness(async (h) => {
      h.createDaemonSet(newDaemonSet('foo'));
      h.createDaemonSet(newDaemonSet('bar'));
      const p = h.addPod({ name: 'orphan', labels: { unrelated: 'x' } });
      await drainQueue(h);
      h.store.update(resources.pods, {
        ...p,
        metadata: { ...p.metadata, labels: { ...SIMPLE_DAEMON_LABELS } },
      });
      assert.deepEqual(await drainQueue(h), ['default/bar', 'default/foo']);
    }));

  test('[U55] moving a controller reference from one DaemonSet to another enqueues both', () =>
    withHarness(async (h) => {
      const a = h.createDaemonSet(newDaemonSet('foo'));
      const b = h.createDaemonSet(newDaemonSet('bar'));
      const p = h.addPod({ name: 'p', owner: b });
      await drainQueue(h);
      h.store.update(resources.pods, {
        ...p,
        metadata: {
          ...p.metadata,
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'DaemonSet',
              name: 'foo',
              uid: a.metadata!.uid!,
              controller: true,
            },
          ],
        },
      });
      assert.deepEqual(await drainQueue(h), ['default/bar', 'default/foo']);
    }));

  test('[U56] removing a controller reference enqueues the old owner and the matching DaemonSets', () =>
    withHarness(async (h) => {
      h.createDaemonSet(newDaemonSet('foo'));
      const b = h.createDaemonSet(newDaemonSet('bar'));
      const p = h.addPod({ name: 'p', owner: b });
      await drainQueue(h);
      h.store.update(resources.pods, { ...p, metadata: { ...p.metadata, ownerReferences: [] } });
      assert.deepEqual(await drainQueue(h), ['default/bar', 'default/foo']);
    }));

  test('[U57] deleting an owned pod enqueues its owner', () =>
    withHarness(async (h) => {
      const a = h.createDaemonSet(newDaemonSet('foo'));
      h.createDaemonSet(newDaemonSet('bar'));
      h.addPod({ name: 'p', owner: a });
      await drainQueue(h);
      h.store.delete(resources.pods, 'default', 'p');
      assert.deepEqual(await drainQueue(h), ['default/foo']);
    }));

  test('[U58] deleting an orphan enqueues nothing', () =>
    withHarness(async (h) => {
      h.createDaemonSet(newDaemonSet('foo'));
      h.addPod({ name: 'orphan' });
      await drainQueue(h);
      h.store.delete(resources.pods, 'default', 'orphan');
      assert.deepEqual(await drainQueue(h), []);
    }));

  test('[U66] shouldIgnoreNodeUpdate: identical is ignored; label or taint changes are not', () => {
    const n = newNode('n', { a: 'b' });
    assert.equal(
      shouldIgnoreNodeUpdate(n, { ...n, metadata: { ...n.metadata, resourceVersion: '99' } }),
      true,
    );
    assert.equal(
      shouldIgnoreNodeUpdate(n, {
        ...n,
        status: {
          ...n.status,
          conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:10Z' }],
        },
      }),
      true,
      'heartbeat only',
    );
    assert.equal(shouldIgnoreNodeUpdate(n, { ...n, metadata: { ...n.metadata, labels: { a: 'c' } } }), false);
    assert.equal(
      shouldIgnoreNodeUpdate(n, { ...n, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } }),
      false,
    );
    assert.equal(
      shouldIgnoreNodeUpdate(n, {
        ...n,
        status: { ...n.status, conditions: [{ type: 'Ready', status: 'False' }] },
      }),
      false,
      'Ready flipped',
    );
  });
});

describe('DaemonSet controller: placement and pod management', () => {
  forEachStrategy('[U3] a simple DaemonSet launches one pod per node', async (h, s) => {
    h.addNodes(5);
    h.createDaemonSet(newDaemonSet('foo', s));
    await h.expectSync('foo', 5, 0, 0);
  });

  forEachStrategy(
    '[U4] daemon pods are left for the scheduler, each pinned to its node by matchFields',
    async (h, s) => {
      h.addNodes(5);
      h.createDaemonSet(newDaemonSet('foo', s));
      await h.expectSync('foo', 5, 0, 0);
      const seen = new Set<string>();
      for (const p of h.livePods()) {
        assert.equal(p.spec?.nodeName, undefined);
        const terms =
          p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ??
          [];
        assert.equal(terms.length, 1);
        assert.deepEqual(terms[0]?.matchExpressions, undefined);
        assert.equal(terms[0]?.matchFields?.length, 1);
        const f = terms[0].matchFields[0]!;
        assert.equal(f.key, 'metadata.name');
        assert.equal(f.operator, 'In');
        assert.equal(f.values?.length, 1);
        seen.add(f.values[0]!);
        assert.equal(p.metadata?.generateName, 'foo-');
        assert.deepEqual(
          p.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.controller, r.blockOwnerDeletion]),
          [['DaemonSet', 'foo', true, true]],
        );
        assert.equal(p.metadata?.labels?.['pod-template-generation'], '1');
        assert.match(
          p.metadata?.labels?.['controller-revision-hash'] ?? '',
          /^[bcdfghjklmnpqrstvwxz2456789]+$/,
        );
      }
      assert.deepEqual([...seen].sort(), ['node-0', 'node-1', 'node-2', 'node-3', 'node-4']);
    },
  );

  for (const s of STRATEGIES) {
    test(`[U5] creation errors stop the slow start: 100 nodes, 10 creations allowed (${s})`, () =>
      withHarness(async (h) => {
        h.addNodes(100);
        h.createDaemonSet(newDaemonSet('foo', s));
        h.client.podCreateLimit = 10;
        await settle();
        h.client.reset();
        await h.controller.syncDaemonSet('default/foo').catch(() => {});
        const calls = h.client.count('create', resources.pods);
        assert.ok(calls <= 1 + 2 + 4 + 8, `create calls ${calls} beyond the slow-start total`);
        await settle();
        assert.equal(h.livePods().length, 10);
        // [U6] the skipped creations were subtracted from the expectations.
        assert.equal(h.controller.expectations.satisfiedExpectations('default/foo'), true);
        await h.sync();
        const st = h.ds().status;
        assert.equal(st?.desiredNumberScheduled, 100);
        assert.equal(st?.currentNumberScheduled, 10);
        assert.equal(st?.updatedNumberScheduled, 10);
      }));
  }

  forEachStrategy(
    '[U6] after failed creations the expectations are satisfied (skipped creations lowered)',
    async (h, s) => {
      h.addNodes(100);
      h.createDaemonSet(newDaemonSet('foo', s));
      h.client.podCreateLimit = 10;
      await h.sync();
      assert.equal(h.controller.expectations.satisfiedExpectations('default/foo'), true);
      assert.deepEqual(h.controller.expectations.get('default/foo'), { add: 0, del: 0 });
    },
  );

  forEachStrategy('[U7] the sync that launches pods writes currentNumberScheduled', async (h, s) => {
    h.addNodes(5);
    h.createDaemonSet(newDaemonSet('foo', s));
    await h.expectSync('foo', 5, 0, 0);
    assert.equal(h.ds().status?.currentNumberScheduled, 5);
    assert.equal(h.ds().status?.desiredNumberScheduled, 5);
  });

  for (const [createFails, statusFails] of [
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    test(`[U8] sync errors: creation error ${createFails}, status error ${statusFails}`, () =>
      withHarness(async (h) => {
        h.addNodes(1);
        h.createDaemonSet(newDaemonSet());
        if (createFails) h.client.podCreateLimit = 0;
        if (statusFails) h.client.failStatusUpdates = 2;
        const r = await h.sync();
        assert.equal(h.client.count('create', resources.pods), 1);
        assert.ok(r.error instanceof Error);
        const msg = r.error.message;
        if (createFails) assert.match(msg, /exceeded quota/);
        else assert.match(msg, /injected status failure/);
      }));
  }

  forEachStrategy('[U9] no nodes, nothing to do', async (h, s) => {
    h.createDaemonSet(newDaemonSet('foo', s));
    await h.expectSync('foo', 0, 0, 0);
  });

  forEachStrategy('[U10] a single node gets a pod', async (h, s) => {
    h.addNode(newNode('only-node'));
    h.createDaemonSet(newDaemonSet('foo', s));
    await h.expectSync('foo', 1, 0, 0);
  });

  forEachStrategy('[U11] a NotReady node (no taints) still gets a pod', async (h, s) => {
    h.addNode(newNode('not-ready', {}, { status: { conditions: [{ type: 'Ready', status: 'False' }] } }));
    h.createDaemonSet(newDaemonSet('foo', s));
    await h.expectSync('foo', 1, 0, 0);
  });

  forEachStrategy(
    '[U12] resources are ignored: an over-committed node keeps getting its pod',
    async (h, s) => {
      h.addNode(newNode('too-much-mem', {}, { status: { allocatable: { memory: '75M', pods: '100' } } }));
      h.addPod({
        name: 'other',
        nodeName: 'too-much-mem',
        labels: { app: 'other' },
        spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { memory: '75M' } } }] },
      });
      h.createDaemonSet(
        ds(s, (d) => {
          const spec = templateSpec(d);
          spec.nodeName = 'too-much-mem';
          spec.containers[0]!.resources = { requests: { memory: '75M' } };
        }),
      );
      await h.expectSync('foo', 1, 0, 0);
    },
  );

  forEachStrategy(
    '[U13] only the labelled node of enough capacity matches the nodeSelector',
    async (h, s) => {
      h.addNode(newNode('too-much-mem', {}, { status: { allocatable: { memory: '75M', pods: '100' } } }));
      h.addNode(
        newNode('not-too-much-mem', SIMPLE_NODE_LABELS, {
          status: { allocatable: { memory: '200M', pods: '100' } },
        }),
      );
      h.createDaemonSet(ds(s, (d) => (templateSpec(d).nodeSelector = SIMPLE_NODE_LABELS)));
      const r = await h.expectSync('foo', 1, 0, 0);
      assert.equal(h.recorder.events.filter((e) => e.type === 'Warning').length, 0, String(r.events));
    },
  );

  forEachStrategy('[U14] a NetworkUnavailable condition without a taint still gets a pod', async (h, s) => {
    h.addNode(
      newNode('net', {}, { status: { conditions: [{ type: 'NetworkUnavailable', status: 'True' }] } }),
    );
    h.createDaemonSet(newDaemonSet('foo', s));
    await h.expectSync('foo', 1, 0, 0);
  });

  forEachStrategy('[U15] a DaemonSet being deleted does nothing', async (h, s) => {
    h.addNodes(1);
    h.createDaemonSet(ds(s, (d) => (d.metadata!.finalizers = ['example.com/hold'])));
    h.store.delete(resources.daemonsets, 'default', 'foo');
    assert.ok(h.ds().metadata?.deletionTimestamp);
    await h.expectSync('foo', 0, 0, 0);
    assert.equal(h.client.count('updateStatus', resources.daemonsets), 0);
  });

  forEachStrategy(
    '[U16] cache says alive, API says deleted: adopting fails and nothing is created',
    async (h, s) => {
      h.addNodes(1);
      h.createDaemonSet(newDaemonSet('foo', s));
      h.addPod({ name: 'orphan', nodeName: 'node-0' });
      h.client.daemonSetsGone = true;
      const r = await h.expectSync('foo', 0, 0, 0);
      assert.ok(r.error instanceof ApiError, String(r.error));
      assert.equal(h.pods()[0]?.metadata?.ownerReferences, undefined, 'the orphan was not adopted');
    },
  );

  forEachStrategy("[U17] the DaemonSet's own pod holding the host port is kept", async (h, s) => {
    h.addNodes(1);
    const d = h.createDaemonSet(
      ds(s, (x) => (templateSpec(x).containers[0]!.ports = [{ containerPort: 666, hostPort: 666 }])),
    );
    h.addPod({
      name: 'own',
      nodeName: 'node-0',
      owner: d,
      spec: {
        containers: [{ name: 'foo', image: 'foo/bar', ports: [{ containerPort: 666, hostPort: 666 }] }],
      },
    });
    await h.expectSync('foo', 0, 0, 0);
  });

  forEachStrategy('[U18] another pod on a different host port does not prevent placement', async (h, s) => {
    h.addNodes(1);
    h.addPod({
      name: 'other',
      nodeName: 'node-0',
      labels: { app: 'x' },
      spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 6661, hostPort: 6661 }] }] },
    });
    h.createDaemonSet(
      ds(s, (x) => (templateSpec(x).containers[0]!.ports = [{ containerPort: 6662, hostPort: 6662 }])),
    );
    await h.expectSync('foo', 1, 0, 0);
  });

  for (const s of STRATEGIES) {
    test(`[U19] an empty selector selects everything: warning SelectingAll, nothing deleted (${s})`, () =>
      withHarness(
        async (h) => {
          h.addNodes(1);
          h.addPod({ name: 'victim', nodeName: 'node-0', labels: { app: 'x' } });
          h.createDaemonSet(
            ds(s, (d) => {
              d.spec!.selector = {};
              templateSpec(d).nodeSelector = { nope: 'nope' };
            }),
          );
          await h.expectSync('foo', 0, 0, 1);
          assert.deepEqual(
            h.recorder.events.map((e) => [e.reason, e.message]),
            [['SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.']],
          );
        },
        { legacyObjects: true },
      ));
  }

  forEachStrategy(
    '[U20] existing pods: duplicates deleted, missing ones created, non-matching ones ignored',
    async (h, s) => {
      h.addNodes(5);
      const d = h.createDaemonSet(newDaemonSet('foo', s));
      const add = (node: string, n: number, labels: Record<string, string> = SIMPLE_DAEMON_LABELS): void => {
        for (let i = 0; i < n; i++)
          h.addPod({
            name: `${node}-${i}-${Object.values(labels).join('')}`,
            nodeName: node,
            owner: d,
            labels,
          });
      };
      add('node-1', 1);
      add('node-2', 2);
      add('node-3', 5);
      add('node-4', 2, OTHER_LABELS);
      await h.expectSync('foo', 2, 5, 0);
    },
  );

  forEachStrategy('[U21] a nodeSelector launches pods only on matching nodes', async (h, s) => {
    h.addNodes(4);
    h.addNodes(3, SIMPLE_NODE_LABELS, 4);
    h.createDaemonSet(ds(s, (d) => (templateSpec(d).nodeSelector = SIMPLE_NODE_LABELS)));
    await h.expectSync('foo', 3, 0, 0);
  });

  forEachStrategy('[U22] pods on unselected nodes are deleted', async (h, s) => {
    h.addNodes(5);
    h.addNodes(5, SIMPLE_NODE_LABELS, 5);
    const d = h.createDaemonSet(ds(s, (x) => (templateSpec(x).nodeSelector = SIMPLE_NODE_LABELS)));
    h.addPod({ name: 'a', nodeName: 'node-0', owner: d, labels: OTHER_LABELS });
    h.addPod({ name: 'b', nodeName: 'node-0', owner: d, labels: OTHER_LABELS });
    for (let i = 0; i < 3; i++) h.addPod({ name: `c${i}`, nodeName: 'node-1', owner: d });
    h.addPod({ name: 'd', nodeName: 'node-1', owner: d, labels: OTHER_LABELS });
    h.addPod({ name: 'e', nodeName: 'node-4', owner: d });
    await h.expectSync('foo', 5, 4, 0);
  });

  forEachStrategy('[U23] a nodeSelector DaemonSet cleans up a mixture of existing pods', async (h, s) => {
    h.addNodes(5);
    h.addNodes(5, SIMPLE_NODE_LABELS, 5);
    const d = h.createDaemonSet(ds(s, (x) => (templateSpec(x).nodeSelector = SIMPLE_NODE_LABELS)));
    let n = 0;
    const add = (
      node: string,
      count: number,
      labels: Record<string, string> = SIMPLE_DAEMON_LABELS,
    ): void => {
      for (let i = 0; i < count; i++) h.addPod({ name: `p${n++}`, nodeName: node, owner: d, labels });
    };
    add('node-0', 1);
    add('node-1', 3);
    add('node-1', 2, OTHER_LABELS);
    add('node-2', 4);
    add('node-6', 13);
    add('node-7', 4, OTHER_LABELS);
    add('node-9', 1);
    add('node-9', 1, OTHER_LABELS);
    await h.expectSync('foo', 3, 20, 0);
  });

  forEachStrategy('[U24] a nodeSelector matching no node does nothing', async (h, s) => {
    h.addNodes(4);
    h.createDaemonSet(ds(s, (d) => (templateSpec(d).nodeSelector = { nope: 'nope' })));
    await h.expectSync('foo', 0, 0, 0);
  });

  forEachStrategy('[U25] a template nodeName launches one pod there', async (h, s) => {
    h.addNodes(5);
    h.createDaemonSet(ds(s, (d) => (templateSpec(d).nodeName = 'node-0')));
    await h.expectSync('foo', 1, 0, 0);
  });

  forEachStrategy('[U26] a template nodeName of a missing node does nothing', async (h, s) => {
    h.addNodes(5);
    h.createDaemonSet(ds(s, (d) => (templateSpec(d).nodeName = 'node-10')));
    await h.expectSync('foo', 0, 0, 0);
  });

  forEachStrategy('[U27] nodeName and nodeSelector agreeing launch one pod', async (h, s) => {
    h.addNodes(4);
    h.addNodes(3, SIMPLE_NODE_LABELS, 4);
    h.createDaemonSet(
      ds(s, (d) => {
        templateSpec(d).nodeSelector = SIMPLE_NODE_LABELS;
        templateSpec(d).nodeName = 'node-6';
      }),
    );
    await h.expectSync('foo', 1, 0, 0);
  });

  forEachStrategy('[U28] nodeName and nodeSelector disagreeing do nothing', async (h, s) => {
    h.addNodes(4);
    h.addNodes(3, SIMPLE_NODE_LABELS, 4);
    h.createDaemonSet(
      ds(s, (d) => {
        templateSpec(d).nodeSelector = SIMPLE_NODE_LABELS;
        templateSpec(d).nodeName = 'node-0';
      }),
    );
    await h.expectSync('foo', 0, 0, 0);
  });

  test('[U29] with the default strategy a nodeSelector picks 3 of 7 nodes', () =>
    withHarness(async (h) => {
      h.addNodes(4);
      h.addNodes(3, SIMPLE_NODE_LABELS, 4);
      h.createDaemonSet(
        ds('RollingUpdate', (d) => {
          delete d.spec!.updateStrategy;
          templateSpec(d).nodeSelector = SIMPLE_NODE_LABELS;
        }),
      );
      await h.expectSync('foo', 3, 0, 0);
    }));

  forEachStrategy('[U30] required node affinity launches pods on matching nodes', async (h, s) => {
    h.addNodes(4);
    h.addNodes(3, SIMPLE_NODE_LABELS, 4);
    h.createDaemonSet(
      ds(s, (d) => {
        templateSpec(d).affinity = {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'color', operator: 'In', values: ['blue'] }] }],
            },
          },
        };
      }),
    );
    await h.expectSync('foo', 3, 0, 0);
  });

  forEachStrategy('[U31] numberReady follows pod readiness', async (h, s) => {
    h.addNodes(2);
    const d = h.createDaemonSet(newDaemonSet('foo', s));
    const p0 = h.addPod({ name: 'a', nodeName: 'node-0', owner: d });
    const p1 = h.addPod({ name: 'b', nodeName: 'node-1', owner: d });
    await h.expectSync('foo', 0, 0, 0);
    assert.equal(h.ds().status?.numberReady, 0);
    h.markReady([p0, p1]);
    await h.expectSync('foo', 0, 0, 0);
    assert.equal(h.ds().status?.numberReady, 2);
  });

  forEachStrategy('[U32] status.observedGeneration follows metadata.generation', async (h, s) => {
    h.addNodes(1);
    h.createDaemonSet(newDaemonSet('foo', s));
    await h.sync();
    assert.equal(h.ds().metadata?.generation, 1);
    assert.equal(h.ds().status?.observedGeneration, 1);
  });

  for (const [failed, normal, c, d, e] of [
    [0, 1, 0, 0, 0],
    [0, 0, 1, 0, 0],
    [1, 0, 0, 1, 1],
    [1, 3, 0, 3, 1],
  ] as const) {
    forEachStrategy(
      `[U33] failed pods are killed: ${failed} failed + ${normal} normal → (${c},${d},${e})`,
      async (h, s) => {
        h.addNodes(1);
        const ds0 = h.createDaemonSet(newDaemonSet('foo', s));
        for (let i = 0; i < failed; i++)
          h.addPod({ name: `failed-${i}`, nodeName: 'node-0', owner: ds0, phase: 'Failed' });
        for (let i = 0; i < normal; i++) h.addPod({ name: `normal-${i}`, nodeName: 'node-0', owner: ds0 });
        await h.expectSync('foo', c, d, e);
        if (failed > 0) {
          assert.match(
            h.recorder.events.find((x) => x.reason === 'FailedDaemonPod')?.message ?? '',
            /^Found failed daemon pod default\/failed-0 on node node-0, will try to kill it$/,
          );
        }
      },
    );
  }

  forEachStrategy('[U34] deleting failed pods backs off: 1 s, then doubling', async (h, s) => {
    h.addNodes(1);
    const d = h.createDaemonSet(newDaemonSet('foo', s));
    const ok = h.addPod({ name: 'ok', nodeName: 'node-0', owner: d });
    await h.expectSync('foo', 0, 0, 0);
    assert.equal(h.ds().status?.observedGeneration, 1);
    h.store.update(resources.pods, { ...ok, status: { phase: 'Failed' } }, { subresource: 'status' });
    await h.expectSync('foo', 0, 1, 1);
    const key = `${d.metadata!.uid!}/1/node-0`;
    const backoff = h.controller.failedPodsBackoff;
    assert.equal(backoff.get(key), 1000, 'initial back-off 1 s');
    // The replacement fails too; within the back-off it is left alone.
    h.clearExpectations();
    h.addPod({ name: 'failed-1', nodeName: 'node-0', owner: d, phase: 'Failed' });
    await h.expectSync('foo', 0, 0, 0);
    assert.equal(backoff.get(key), 1000, 'unchanged while backing off');
    const start = h.clock.now();
    assert.equal(backoff.isInBackOffSinceUpdate(key, start + 999), true, '1 ms before expiry');
    assert.equal(backoff.isInBackOffSinceUpdate(key, start + 1000), false, 'at expiry');
    h.clock.advance(1000);
    await h.expectSync('foo', 0, 1, 1);
    assert.equal(backoff.get(key), 2000, 'doubled');
  });

  forEachStrategy('[U35] a NoSchedule taint does not evict a running intolerant pod', async (h, s) => {
    h.addNode(
      newNode('tainted', {}, { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } }),
    );
    const d = h.createDaemonSet(newDaemonSet('foo', s));
    h.addPod({ name: 'own', nodeName: 'tainted', owner: d });
    await h.expectSync('foo', 0, 0, 0);
    assert.equal(h.ds().status?.numberMisscheduled, 1);
  });

  forEachStrategy('[U36] a NoExecute taint evicts a running intolerant pod', async (h, s) => {
    h.addNode(
      newNode('tainted', {}, { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }] } }),
    );
    const d = h.createDaemonSet(newDaemonSet('foo', s));
    h.addPod({ name: 'own', nodeName: 'tainted', owner: d });
    await h.expectSync('foo', 0, 1, 0);
  });

  forEachStrategy('[U37] a tainted node gets no intolerant pod', async (h, s) => {
    h.addNode(
      newNode('tainted', {}, { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } }),
    );
    h.createDaemonSet(newDaemonSet('foo', s));
    await h.expectSync('foo', 0, 0, 0);
  });

  forEachStrategy('[U38] a tainted node gets a tolerating pod', async (h, s) => {
    h.addNode(
      newNode('tainted', {}, { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } }),
    );
    h.createDaemonSet(
      ds(
        s,
        (d) =>
          (templateSpec(d).tolerations = [
            { key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoSchedule' },
          ]),
      ),
    );
    await h.expectSync('foo', 1, 0, 0);
  });

  forEachStrategy('[U39] a not-ready node (NoExecute taint) still gets a pod', async (h, s) => {
    h.addNode(
      newNode(
        'nr',
        {},
        {
          spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] },
          status: { conditions: [{ type: 'Ready', status: 'False' }] },
        },
      ),
    );
    h.createDaemonSet(newDaemonSet('foo', s));
    await h.expectSync('foo', 1, 0, 0);
  });

  forEachStrategy('[U40] an unreachable node (NoExecute taint) still gets a pod', async (h, s) => {
    h.addNode(
      newNode(
        'ur',
        {},
        {
          spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
          status: { conditions: [{ type: 'Ready', status: 'Unknown' }] },
        },
      ),
    );
    h.createDaemonSet(newDaemonSet('foo', s));
    await h.expectSync('foo', 1, 0, 0);
  });

  forEachStrategy('[U41] tolerations on an untainted node change nothing', async (h, s) => {
    h.addNodes(1);
    h.createDaemonSet(
      ds(
        s,
        (d) =>
          (templateSpec(d).tolerations = [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }]),
      ),
    );
    await h.expectSync('foo', 1, 0, 0);
  });

  forEachStrategy('[U42] a terminating pod is not replaced until it is gone', async (h, s) => {
    h.addNodes(1);
    const d = h.createDaemonSet(newDaemonSet('foo', s));
    h.addPod({ name: 'own', nodeName: 'node-0', owner: d });
    h.store.delete(resources.pods, 'default', 'own');
    assert.ok(h.pods()[0]?.metadata?.deletionTimestamp);
    await h.expectSync('foo', 0, 0, 0);
  });

  forEachStrategy(
    '[U43] pressure taints are tolerated by system-critical DaemonSets in kube-system',
    async (h, s) => {
      h.addNode(
        newNode(
          'pressured',
          {},
          {
            spec: {
              taints: [
                { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' },
                { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
                { key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' },
              ],
            },
            status: {
              conditions: [
                { type: 'DiskPressure', status: 'True' },
                { type: 'MemoryPressure', status: 'True' },
                { type: 'PIDPressure', status: 'True' },
              ],
            },
          },
        ),
      );
      h.store.create(resources.priorityclasses, {
        metadata: { name: 'system-node-critical' },
        value: 2000001000,
      });
      h.store.create(resources.daemonsets, {
        ...ds(s, (d) => (templateSpec(d).priorityClassName = 'system-node-critical')),
        metadata: { name: 'foo', namespace: 'kube-system' },
      });
      await settle();
      h.client.reset();
      await h.controller.syncDaemonSet('kube-system/foo');
      assert.equal(h.client.count('create', resources.pods), 1);
    },
  );

  forEachStrategy(
    '[U47] unbound pods targeting vanished nodes are deleted; bound ones are left to pod GC',
    async (h, s) => {
      h.addNodes(1);
      const d = h.createDaemonSet(newDaemonSet('foo', s));
      h.addPod({ name: 'on-node-0', nodeName: 'node-0', owner: d });
      h.addPod({ name: 'on-node-1', nodeName: 'node-1', owner: d });
      h.addPod({ name: 'for-node-2', targetNode: 'node-2', owner: d });
      await h.expectSync('foo', 0, 1, 0);
      assert.deepEqual(
        h
          .livePods()
          .map((p) => p.metadata?.name)
          .sort(),
        ['on-node-0', 'on-node-1'],
      );
    },
  );
});

describe('DaemonSet controller: claiming, surge and status', () => {
  test('[U44] nodeShouldRunDaemonPod decides on nodeName, nodeSelector and affinity, never on resources', () => {
    const node: Node = newNode(
      'test-node',
      { 'simple-daemon': 'production' },
      { status: { allocatable: { memory: '100M', cpu: '1', pods: '100' } } },
    );
    const base = (mutate: (d: Mutable<DaemonSet>) => void = () => {}): DaemonSet =>
      ds('RollingUpdate', mutate);
    const cases: Array<[string, DaemonSet, boolean, boolean]> = [
      ['plain', base(), true, true],
      [
        'requests beyond allocatable',
        base((d) => (templateSpec(d).containers[0]!.resources = { requests: { memory: '200M' } })),
        true,
        true,
      ],
      [
        'template nodeName of another node',
        base((d) => (templateSpec(d).nodeName = 'other-node')),
        false,
        false,
      ],
      [
        'host port',
        base((d) => (templateSpec(d).containers[0]!.ports = [{ containerPort: 666, hostPort: 666 }])),
        true,
        true,
      ],
      [
        'nodeSelector mismatch',
        base((d) => (templateSpec(d).nodeSelector = { 'simple-daemon': 'test' })),
        false,
        false,
      ],
      [
        'nodeSelector match',
        base((d) => (templateSpec(d).nodeSelector = { 'simple-daemon': 'production' })),
        true,
        true,
      ],
      [
        'affinity type In [test]',
        base((d) => {
          templateSpec(d).affinity = {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'simple-daemon', operator: 'In', values: ['test'] }] },
                ],
              },
            },
          };
        }),
        false,
        false,
      ],
      [
        'affinity type In [production]',
        base((d) => {
          templateSpec(d).affinity = {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'simple-daemon', operator: 'In', values: ['production'] }] },
                ],
              },
            },
          };
        }),
        true,
        true,
      ],
    ];
    for (const [name, d, run, cont] of cases) {
      const r = nodeShouldRunDaemonPod(node, d);
      assert.deepEqual([r.shouldRun, r.shouldContinueRunning], [run, cont], name);
    }
    const cordoned = { ...node, spec: { unschedulable: true } };
    const r = nodeShouldRunDaemonPod(cordoned, base());
    assert.deepEqual([r.shouldRun, r.shouldContinueRunning], [true, true], 'unschedulable node');
  });

  test('[U48] getNodesToDaemonPods: owned and adopted matching pods, terminal ones, grouped by node', () =>
    withHarness(async (h) => {
      h.addNodes(2);
      const d = h.createDaemonSet(newDaemonSet('foo'));
      const other = h.createDaemonSet(newDaemonSet('bar'));
      h.addPod({ name: 'owned-0', nodeName: 'node-0', owner: d });
      h.addPod({ name: 'orphan-1', nodeName: 'node-1' });
      h.addPod({ name: 'succeeded', nodeName: 'node-0', owner: d, phase: 'Succeeded' });
      h.addPod({ name: 'failed', nodeName: 'node-1', owner: d, phase: 'Failed' });
      h.addPod({ name: 'owned-nomatch', nodeName: 'node-0', owner: d, labels: OTHER_LABELS });
      h.addPod({ name: 'orphan-nomatch', nodeName: 'node-0', labels: OTHER_LABELS });
      h.addPod({ name: 'other-owner', nodeName: 'node-1', owner: other });
      const deleted = clone(
        h.addPod({ name: 'deleted-terminal', nodeName: 'node-1', owner: d, phase: 'Failed' }),
      );
      deleted.metadata!.finalizers = ['example.com/hold'];
      h.store.update(resources.pods, deleted);
      h.store.delete(resources.pods, 'default', 'deleted-terminal');
      await settle();
      const names = (m: Map<string, Pod[]>): Record<string, string[]> =>
        Object.fromEntries(
          [...m].map(([k, v]): [string, string[]] => [k, v.map((p) => p.metadata?.name ?? '').sort()]).sort(),
        );
      assert.deepEqual(names(await h.controller.getNodesToDaemonPods(h.ds(), false)), {
        'node-0': ['owned-0', 'succeeded'],
        'node-1': ['failed', 'orphan-1'],
      });
      await settle();
      assert.deepEqual(names(await h.controller.getNodesToDaemonPods(h.ds(), true)), {
        'node-0': ['owned-0', 'succeeded'],
        'node-1': ['deleted-terminal', 'failed', 'orphan-1'],
      });
      await settle();
      assert.equal(
        h.store.get(resources.pods, 'default', 'orphan-1')?.metadata?.ownerReferences?.[0]?.uid,
        d.metadata?.uid,
        'adopted',
      );
      assert.equal(
        h.store.get(resources.pods, 'default', 'owned-nomatch')?.metadata?.ownerReferences?.length ?? 0,
        0,
        'released',
      );
    }));

  test('[U59] with surge, existing pods are handled as without: (2,5,0)', () =>
    withHarness(async (h) => {
      h.addNodes(5);
      const d = h.createDaemonSet(
        ds(
          'RollingUpdate',
          (x) =>
            (x.spec!.updateStrategy = {
              type: 'RollingUpdate',
              rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
            }),
        ),
      );
      let n = 0;
      const add = (
        node: string,
        count: number,
        labels: Record<string, string> = SIMPLE_DAEMON_LABELS,
      ): void => {
        for (let i = 0; i < count; i++) h.addPod({ name: `p${n++}`, nodeName: node, owner: d, labels });
      };
      add('node-1', 1);
      add('node-2', 2);
      add('node-3', 5);
      add('node-4', 2, OTHER_LABELS);
      await h.expectSync('foo', 2, 5, 0);
    }));

  /** The surge fixture: 5 nodes, maxSurge 1, pods with chosen ages and readiness. */
  function surgeFixture(
    h: DsHarness,
    minReadySeconds = 0,
  ): { d: DaemonSet; hash: string; at: (s: number) => number } {
    h.addNodes(5);
    const d = h.createDaemonSet(
      ds('RollingUpdate', (x) => {
        x.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } };
        x.spec!.minReadySeconds = minReadySeconds;
      }),
    );
    const t0 = h.clock.now();
    return { d, hash: computeHash(d.spec?.template, undefined), at: (s: number) => t0 + s * 1000 };
  }

  function podAt(h: DsHarness, at: number, opts: Parameters<DsHarness['addPod']>[0]): Pod {
    h.clock.set(at);
    return h.addPod(opts);
  }

  test('[U60] surge keeps ready old pods until the new one is available; extra old pods go', () =>
    withHarness(async (h) => {
      const { d, hash, at } = surgeFixture(h);
      podAt(h, at(50), {
        name: 'old-50',
        nodeName: 'node-1',
        owner: d,
        hash: 'old',
        ready: { since: at(50) },
      });
      podAt(h, at(60), {
        name: 'old-60',
        nodeName: 'node-1',
        owner: d,
        hash: 'old',
        ready: { since: at(60) },
      });
      podAt(h, at(100), { name: 'new-100', nodeName: 'node-1', owner: d, hash });
      podAt(h, at(100), { name: 'node-2-pod', nodeName: 'node-2', owner: d, hash });
      await h.expectSync('foo', 3, 1, 0);
      assert.equal(
        h.store.get(resources.pods, 'default', 'old-60')?.metadata?.deletionTimestamp !== undefined ||
          !h.store.get(resources.pods, 'default', 'old-60'),
        true,
      );
      assert.ok(h.store.get(resources.pods, 'default', 'old-50'), 'the oldest old pod stays');
    }));

  test('[U61] surge creates a new pod where the old one is being deleted, even at the surge limit', () =>
    withHarness(async (h) => {
      const { d, hash, at } = surgeFixture(h);
      podAt(h, at(10), {
        name: 'n0-old',
        nodeName: 'node-0',
        owner: d,
        hash: 'old',
        ready: { since: at(10) },
      });
      podAt(h, at(20), { name: 'n0-new', nodeName: 'node-0', owner: d, hash });
      for (const n of [1, 2, 3])
        podAt(h, at(10), {
          name: `n${n}-old`,
          nodeName: `node-${n}`,
          owner: d,
          hash: 'old',
          ready: { since: at(10) },
        });
      podAt(h, at(10), {
        name: 'n4-old',
        nodeName: 'node-4',
        owner: d,
        hash: 'old',
        ready: { since: at(10) },
      });
      h.store.delete(resources.pods, 'default', 'n4-old');
      await h.expectSync('foo', 1, 0, 0);
    }));

  test('[U62] surge deletes unready old pods at once', () =>
    withHarness(async (h) => {
      const { d, hash, at } = surgeFixture(h);
      podAt(h, at(50), { name: 'old-unready', nodeName: 'node-1', owner: d, hash: 'old' });
      podAt(h, at(60), {
        name: 'old-ready',
        nodeName: 'node-1',
        owner: d,
        hash: 'old',
        ready: { since: at(60) },
      });
      podAt(h, at(100), { name: 'new', nodeName: 'node-1', owner: d, hash });
      podAt(h, at(100), { name: 'node-2-pod', nodeName: 'node-2', owner: d, hash });
      await h.expectSync('foo', 3, 2, 0);
    }));

  test('[U63] surge keeps the oldest old pod while the new one waits out minReadySeconds', () =>
    withHarness(async (h) => {
      const { d, hash, at } = surgeFixture(h, 15);
      podAt(h, at(10), {
        name: 'old-10',
        nodeName: 'node-1',
        owner: d,
        hash: 'old',
        ready: { since: at(10) },
      });
      podAt(h, at(20), {
        name: 'old-20',
        nodeName: 'node-1',
        owner: d,
        hash: 'old',
        ready: { since: at(20) },
      });
      podAt(h, at(30), { name: 'new', nodeName: 'node-1', owner: d, hash, ready: { since: at(50) } });
      podAt(h, at(30), { name: 'node-2-pod', nodeName: 'node-2', owner: d, hash });
      h.clock.set(at(60));
      await h.expectSync('foo', 3, 1, 0);
      assert.ok(h.store.get(resources.pods, 'default', 'old-10'));
    }));

  test('[U64] surge deletes the old pods once the new one is available past minReadySeconds', () =>
    withHarness(async (h) => {
      const { d, hash, at } = surgeFixture(h, 15);
      podAt(h, at(10), {
        name: 'old-10',
        nodeName: 'node-1',
        owner: d,
        hash: 'old',
        ready: { since: at(10) },
      });
      podAt(h, at(20), {
        name: 'old-20',
        nodeName: 'node-1',
        owner: d,
        hash: 'old',
        ready: { since: at(20) },
      });
      podAt(h, at(30), { name: 'new', nodeName: 'node-1', owner: d, hash, ready: { since: at(50) } });
      podAt(h, at(30), { name: 'node-2-pod', nodeName: 'node-2', owner: d, hash });
      h.clock.set(at(70));
      await h.expectSync('foo', 3, 2, 0);
    }));

  test('minReadySeconds: a pod whose first Ready condition is False is not Ready and wakes nothing; once Ready it does', () =>
    withHarness(async (h) => {
      h.addNodes(2);
      const d = h.createDaemonSet(ds('RollingUpdate', (x) => (x.spec!.minReadySeconds = 30)));
      const start = h.clock.now();
      h.addPod({ name: 'available', nodeName: 'node-0', owner: d, ready: { since: start } });
      await drainQueue(h);
      const t0 = start + 40_000;
      h.clock.set(t0);
      await drainQueue(h);
      const twice = h.addPod({ name: 'twice', nodeName: 'node-1', owner: d, phase: 'Running' });
      // Two Ready conditions: the first one decides (upstream's GetPodReadyCondition), so the pod
      // is not Ready and there is nothing to wait for, whatever the second one says.
      h.store.update(
        resources.pods,
        {
          ...twice,
          status: {
            ...twice.status,
            conditions: [
              { type: 'Ready', status: 'False' },
              { type: 'Ready', status: 'True', lastTransitionTime: rfc3339(t0) },
            ],
          },
        },
        { subresource: 'status' },
      );
      await h.expectSync('foo', 0, 0, 0);
      assert.equal(h.ds().status?.numberReady, 1);
      assert.equal(h.ds().status?.numberAvailable, 1);
      await drainQueue(h);
      h.clock.set(t0 + 60_000);
      assert.deepEqual(await drainQueue(h), [], 'no wake-up for the pod that is not Ready');
      // Ready now: the DaemonSet wakes when it has been Ready for longer than minReadySeconds.
      h.markReady([twice]);
      await drainQueue(h);
      await h.expectSync('foo', 0, 0, 0);
      assert.equal(h.ds().status?.numberReady, 2);
      assert.equal(h.ds().status?.numberAvailable, 1);
      await drainQueue(h);
      h.clock.set(t0 + 90_001);
      assert.deepEqual(await drainQueue(h), ['default/foo']);
      await h.expectSync('foo', 0, 0, 0);
      assert.equal(h.ds().status?.numberAvailable, 2);
    }));

  for (const [name, updateFailures, getFails, updates, gets, fails] of [
    ['succeeds first time', 0, false, 1, 0, false],
    ['one update failure: re-read and retry', 1, false, 2, 1, false],
    ['two update failures: the update error', 2, false, 2, 1, true],
    ['update then get failure: the get error', 1, true, 1, 1, true],
  ] as const) {
    test(`[U65] storeDaemonSetStatus ${name}`, () =>
      withHarness(async (h) => {
        const d = h.createDaemonSet(newDaemonSet());
        await settle();
        h.client.failStatusUpdates = updateFailures;
        if (getFails) h.client.failDaemonSetGets = 1;
        h.client.reset();
        const ctx = (h.controller as unknown as { ctx: Parameters<typeof storeDaemonSetStatus>[0] }).ctx;
        let err: unknown;
        try {
          await storeDaemonSetStatus(
            ctx,
            d,
            {
              desiredNumberScheduled: 2,
              currentNumberScheduled: 2,
              numberMisscheduled: 0,
              numberReady: 1,
              numberAvailable: 1,
              updatedNumberScheduled: 2,
              numberUnavailable: 1,
            },
            true,
          );
        } catch (e) {
          err = e;
        }
        assert.equal(h.client.count('updateStatus', resources.daemonsets), updates);
        assert.equal(h.client.count('get', resources.daemonsets), gets);
        assert.equal(err !== undefined, fails, String(err));
        if (getFails) assert.match(String(err), /injected get failure/);
      }));
  }
});

describe('DaemonSet controller: beyond upstream', () => {
  test('NodeExcluded events name a few nodes, then summarise; an unchanged reason is not repeated', () =>
    withHarness(async (h) => {
      h.addNodes(20);
      h.createDaemonSet(ds('RollingUpdate', (d) => (templateSpec(d).nodeSelector = { ssd: 'true' })));
      await h.sync();
      const excluded = () =>
        h.recorder.events.filter((e) => e.reason === 'NodeExcluded').map((e) => e.message);
      assert.deepEqual(excluded(), [
        'Node node-0: excluded by nodeSelector ssd=true (node has no such label)',
        'Node node-1: excluded by nodeSelector ssd=true (node has no such label)',
        'Node node-10: excluded by nodeSelector ssd=true (node has no such label)',
        'Node node-11: excluded by nodeSelector ssd=true (node has no such label)',
        'Node node-12: excluded by nodeSelector ssd=true (node has no such label)',
        '15 more node(s) excluded (node-13, node-14, node-15, …)',
      ]);
      await h.sync();
      assert.equal(excluded().length, 6, 'nothing new on the next sync');
      const n = h.store.get(resources.nodes, '', 'node-3')!;
      h.store.update(resources.nodes, { ...n, metadata: { ...n.metadata, labels: { ssd: 'false' } } });
      await h.sync();
      assert.deepEqual(excluded().slice(6), [
        'Node node-3: excluded by nodeSelector ssd=true (node has ssd=false)',
      ]);
    }));

  test('NodeBlocked: a NoSchedule taint on a node with a running pod', () =>
    withHarness(async (h) => {
      h.addNodes(2);
      const d = h.createDaemonSet(newDaemonSet());
      h.addPod({ name: 'p0', nodeName: 'node-0', owner: d });
      h.addPod({ name: 'p1', nodeName: 'node-1', owner: d });
      await h.sync();
      const n = h.store.get(resources.nodes, '', 'node-1')!;
      h.store.update(resources.nodes, {
        ...n,
        spec: { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] },
      });
      await h.sync();
      assert.deepEqual(
        h.recorder.events.filter((e) => e.reason === 'NodeBlocked').map((e) => e.message),
        [
          'Node node-1: untolerated taint dedicated=infra:NoSchedule: no new pod is placed, the existing pod is kept',
        ],
      );
    }));
});
