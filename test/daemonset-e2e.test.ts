/**
 * Upstream's DaemonSet e2e scenarios (test/e2e/apps/daemon_set.go, spec §8.3 E1–E10) on an
 * embedded cluster with every default component and the fast kubelet profile: each test is named
 * with its id. Real time where the fast profile makes things immediate; a FakeClock where time
 * matters.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { EmbeddedCluster } from '../src/cluster/embedded-cluster.js';
import type { EmbeddedClusterOptions } from '../src/cluster/embedded-cluster.js';
import { resources } from '../src/api/resources.js';
import type { ClientWatchEvent } from '../src/client/types.js';
import { explainDaemonSet } from '../src/controllers/daemonset/explain.js';
import { FakeClock } from '../src/util/clock.js';
import {
  checkDaemonStatus,
  checkNoDaemonPods,
  checkRunningOnAllNodes,
  checkRunningOnNodes,
  daemonPods,
  isDeleting,
  schedulableNodeNames,
  untilOk,
} from './support/daemonset-checks.js';
import { eventually, seededRandom } from './support/wait.js';

const NS = 'default';
const DS_NAME = 'daemon-set';
const IMAGE = 'registry.k8s.io/e2e-test-images/httpd:2.4.38-4';
const COLOR = 'daemonset-color';

/** Upstream's fixture: pods labelled `daemonset-name`, one container on port 9376. */
function newDaemonSet(
  name: string = DS_NAME,
  spec: Partial<NonNullable<NonNullable<DaemonSet['spec']>['template']['spec']>> = {},
  extra: Partial<NonNullable<DaemonSet['spec']>> = {},
): DaemonSet {
  const labels = { 'daemonset-name': name };
  return {
    metadata: { name, namespace: NS, labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'app', image: IMAGE, ports: [{ containerPort: 9376 }] }], ...spec },
      },
      ...extra,
    },
  };
}

async function withCluster(
  options: EmbeddedClusterOptions,
  fn: (cluster: EmbeddedCluster) => Promise<void>,
): Promise<void> {
  const cluster = await EmbeddedCluster.start({ random: seededRandom(17), ...options });
  try {
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

const getDs = (c: EmbeddedCluster, name = DS_NAME): DaemonSet | undefined =>
  c.store.get(resources.daemonsets, NS, name);

async function setNodeLabel(c: EmbeddedCluster, node: string, value: string | null): Promise<void> {
  await c.client.patch(resources.nodes, '', node, 'merge', { metadata: { labels: { [COLOR]: value } } });
}

/** The only live daemon pod on `node`. */
function livePodOn(c: EmbeddedCluster, ds: DaemonSet, node: string): Pod | undefined {
  const pods = daemonPods(c.store, ds).filter((p) => !isDeleting(p) && p.spec?.nodeName === node);
  return pods.length === 1 ? pods[0] : undefined;
}

describe('DaemonSet e2e (test/e2e/apps/daemon_set.go)', () => {
  test('[E1] should run and stop simple daemon', () =>
    withCluster({ nodes: 3, controlPlane: true }, async (c) => {
      const ds = await c.client.create(resources.daemonsets, newDaemonSet());
      await untilOk(() => checkRunningOnAllNodes(c.store, ds), { what: 'a daemon pod on every node' });
      assert.deepEqual(schedulableNodeNames(c.store, ds), ['node-1', 'node-2', 'node-3']);
      await untilOk(() => checkDaemonStatus(c.store, ds, 3), { what: 'status 3/3' });
      const explained = explainDaemonSet(
        getDs(c)!,
        c.store.list(resources.nodes).items,
        c.store.list(resources.pods).items,
        { now: Date.now() },
      );
      assert.deepEqual(
        explained.map((e) => [e.node, e.state]),
        [
          ['control-plane', 'Blocked'],
          ['node-1', 'Running'],
          ['node-2', 'Running'],
          ['node-3', 'Running'],
        ],
      );

      // Stop a daemon pod, check that the daemon pod is revived.
      const victim = livePodOn(c, ds, 'node-2')!;
      await c.client.delete(resources.pods, NS, victim.metadata!.name!);
      await untilOk(
        () => {
          const p = livePodOn(c, ds, 'node-2');
          if (!p || p.metadata?.uid === victim.metadata?.uid) return 'node-2 still has the old pod or none';
          return checkRunningOnAllNodes(c.store, ds);
        },
        { what: 'the deleted pod replaced' },
      );
      await untilOk(() => checkDaemonStatus(c.store, ds, 3), { what: 'status 3/3 again' });
    }));

  test('[E2] should run and stop complex daemon (nodeSelector)', () =>
    withCluster({ nodes: 3 }, async (c) => {
      const ds = await c.client.create(
        resources.daemonsets,
        newDaemonSet(
          DS_NAME,
          { nodeSelector: { [COLOR]: 'blue' } },
          { updateStrategy: { type: 'OnDelete' } },
        ),
      );
      await untilOk(() => (getDs(c)?.status?.observedGeneration === 1 ? undefined : 'not yet synced'));
      assert.equal(checkNoDaemonPods(c.store, ds), undefined, 'initially no daemon pods');
      assert.equal(checkRunningOnNodes(c.store, ds, []), undefined);

      // Change node label to blue, check that the daemon pod is launched.
      await setNodeLabel(c, 'node-1', 'blue');
      await untilOk(() => checkRunningOnNodes(c.store, ds, ['node-1']), { what: 'pod on the blue node' });
      await untilOk(() => checkDaemonStatus(c.store, ds, 1), { what: 'status 1/1' });

      // Update the node label to green, and wait for daemons to be unscheduled.
      await setNodeLabel(c, 'node-1', 'green');
      await untilOk(() => checkNoDaemonPods(c.store, ds), { what: 'pod removed from the green node' });
      await untilOk(() => checkDaemonStatus(c.store, ds, 0), { what: 'status 0/0' });

      // Update the DaemonSet node selector to green, and change its update strategy to RollingUpdate.
      const patched = await c.client.patch<DaemonSet>(resources.daemonsets, NS, DS_NAME, 'merge', {
        spec: {
          template: { spec: { nodeSelector: { [COLOR]: 'green' } } },
          updateStrategy: { type: 'RollingUpdate' },
        },
      });
      assert.equal(patched.spec?.updateStrategy?.type, 'RollingUpdate');
      assert.deepEqual(patched.spec?.template.spec?.nodeSelector, { [COLOR]: 'green' });
      await untilOk(() => checkRunningOnNodes(c.store, ds, ['node-1']), { what: 'pod on the green node' });
      await untilOk(() => checkDaemonStatus(c.store, ds, 1), { what: 'status 1/1 after the update' });
    }));

  test('[E3] should run and stop complex daemon with node affinity', () =>
    withCluster({ nodes: 3 }, async (c) => {
      const ds = await c.client.create(
        resources.daemonsets,
        newDaemonSet(DS_NAME, {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: COLOR, operator: 'In', values: ['blue'] }] }],
              },
            },
          },
        }),
      );
      await untilOk(() => (getDs(c)?.status?.observedGeneration === 1 ? undefined : 'not yet synced'));
      assert.equal(checkNoDaemonPods(c.store, ds), undefined, 'initially no daemon pods');

      await setNodeLabel(c, 'node-2', 'blue');
      await untilOk(() => checkRunningOnNodes(c.store, ds, ['node-2']), { what: 'pod on the blue node' });
      await untilOk(() => checkDaemonStatus(c.store, ds, 1), { what: 'status 1/1' });
      const pod = livePodOn(c, ds, 'node-2')!;
      assert.deepEqual(
        pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
        [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] }],
        'the required terms are replaced by the node pin',
      );

      // Remove the node label and wait for daemons to be unscheduled.
      await setNodeLabel(c, 'node-2', null);
      await untilOk(() => checkNoDaemonPods(c.store, ds), { what: 'pod removed from the unlabelled node' });
      await untilOk(() => checkDaemonStatus(c.store, ds, 0), { what: 'status 0/0' });
    }));

  test('[E4] should retry creating failed daemon pods', async () => {
    const clock = new FakeClock();
    await withCluster({ nodes: 3, clock }, async (c) => {
      const ds = await c.client.create(resources.daemonsets, newDaemonSet());
      const now = (): number => clock.now();
      await untilOk(() => checkRunningOnAllNodes(c.store, ds, now()), { what: 'a daemon pod on every node' });
      await untilOk(() => checkDaemonStatus(c.store, ds, 3), { what: 'status 3/3' });

      // Set a daemon pod's phase to 'Failed', check that the daemon pod is revived.
      const victim = livePodOn(c, ds, 'node-1')!;
      await c.client.updateStatus(resources.pods, {
        ...victim,
        status: { ...victim.status, phase: 'Failed' },
      });
      await untilOk(
        () => {
          const p = livePodOn(c, ds, 'node-1');
          if (!p || p.metadata?.uid === victim.metadata?.uid) return 'node-1 has no replacement yet';
          return checkRunningOnAllNodes(c.store, ds, now());
        },
        { what: 'the failed pod replaced at once (no back-off yet)' },
      );
      assert.equal(c.store.get(resources.pods, NS, victim.metadata!.name!), undefined, 'failed pod deleted');
      const ev = await eventually(
        () =>
          c.store.list(resources.events, { namespace: NS }).items.find((e) => e.reason === 'FailedDaemonPod'),
        { what: 'FailedDaemonPod event' },
      );
      assert.equal(ev.type, 'Warning');
      assert.equal(ev.involvedObject.kind, 'DaemonSet');
      assert.equal(ev.involvedObject.name, DS_NAME);
      assert.equal(ev.source?.component, 'daemonset-controller');
      assert.equal(
        ev.message,
        `Found failed daemon pod ${NS}/${victim.metadata!.name!} on node node-1, will try to kill it`,
      );
      await untilOk(() => checkDaemonStatus(c.store, ds, 3), { what: 'status 3/3 again' });

      // Fail the replacement too, no fake time later: the second deletion waits out the failed-pod
      // back-off (1 s) the first one started.
      const second = livePodOn(c, ds, 'node-1')!;
      await c.client.updateStatus(resources.pods, {
        ...second,
        status: { ...second.status, phase: 'Failed' },
      });
      await eventually(
        () => c.store.get(resources.pods, NS, second.metadata!.name!)?.status?.phase === 'Failed',
      );
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(c.store.get(resources.pods, NS, second.metadata!.name!), 'kept while the back-off runs');
      clock.advance(999);
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(c.store.get(resources.pods, NS, second.metadata!.name!), 'kept at 999 ms');
      await untilOk(
        () => {
          const p = livePodOn(c, ds, 'node-1');
          if (!p || p.metadata?.uid === second.metadata?.uid) return 'node-1 has no second replacement yet';
          return checkRunningOnAllNodes(c.store, ds, now());
        },
        { what: 'the second failed pod replaced after the back-off', clock, stepMs: 100 },
      );
    });
  });

  test('[E9] should list and delete a collection of DaemonSets', () =>
    withCluster({ nodes: 3 }, async (c) => {
      const ds = await c.client.create(resources.daemonsets, newDaemonSet());
      await untilOk(() => checkRunningOnAllNodes(c.store, ds), { what: 'a daemon pod on every node' });
      await untilOk(() => checkDaemonStatus(c.store, ds, 3), { what: 'status 3/3' });
      const labelSelector = `daemonset-name=${DS_NAME}`;

      const listed = await c.client.list(resources.daemonsets, { labelSelector });
      assert.equal(listed.items.length, 1, 'one DaemonSet listed cluster-wide by label');
      assert.equal(listed.items[0]?.metadata?.name, DS_NAME);

      await c.client.deleteCollection(resources.daemonsets, { labelSelector }, { gracePeriodSeconds: 1 });
      const after = await c.client.list(resources.daemonsets, { labelSelector });
      assert.equal(after.items.length, 0, 'no DaemonSet left');

      await untilOk(
        () => {
          const left = daemonPods(c.store, ds);
          return left.length > 0 ? `pods left: ${left.map((p) => p.metadata?.name).join(', ')}` : undefined;
        },
        { what: 'the garbage collector removing the pods' },
      );
      await untilOk(() => {
        const revs = c.store
          .list(resources.controllerrevisions, { namespace: NS })
          .items.filter((r) => r.metadata?.ownerReferences?.some((o) => o.uid === ds.metadata?.uid));
        return revs.length > 0 ? `${revs.length} ControllerRevisions left` : undefined;
      });
    }));

  test('[E10] should verify changes to a daemon set status', () =>
    withCluster({ nodes: 3 }, async (c) => {
      const ds = await c.client.create(resources.daemonsets, newDaemonSet());
      await untilOk(() => checkRunningOnAllNodes(c.store, ds), { what: 'a daemon pod on every node' });
      await untilOk(() => checkDaemonStatus(c.store, ds, 3), { what: 'status 3/3' });

      const seen: Array<ClientWatchEvent<DaemonSet>> = [];
      const current = await c.client.get(resources.daemonsets, NS, DS_NAME);
      const watch = await c.client.watch(
        resources.daemonsets,
        {
          namespace: NS,
          fieldSelector: `metadata.name=${DS_NAME}`,
          resourceVersion: current.metadata!.resourceVersion!,
        },
        { onEvent: (e) => seen.push(e), onClose: () => {} },
      );
      const hasCondition = (d: DaemonSet | undefined, type: string): boolean =>
        (d?.status?.conditions ?? []).some((x) => x.type === type);
      try {
        // UpdateStatus, appending a condition.
        const statusUpdate = {
          type: 'StatusUpdate',
          status: 'True',
          reason: 'E2E',
          message: 'Set from e2e test',
        };
        const updated = await c.client.updateStatus(resources.daemonsets, {
          ...current,
          status: {
            ...current.status!,
            conditions: [...(current.status?.conditions ?? []), statusUpdate],
          },
        });
        assert.ok(hasCondition(updated, 'StatusUpdate'));
        const observed = await eventually(
          () => seen.find((e) => e.type === 'MODIFIED' && hasCondition(e.object, 'StatusUpdate')),
          { what: 'the StatusUpdate condition through the watch' },
        );
        assert.deepEqual(
          observed.object.status?.conditions?.find((x) => x.type === 'StatusUpdate'),
          statusUpdate,
        );

        // JSON merge patch on /status, appending another condition.
        const existing = (await c.client.get(resources.daemonsets, NS, DS_NAME)).status?.conditions ?? [];
        await c.client.patchStatus(resources.daemonsets, NS, DS_NAME, 'merge', {
          status: { conditions: [...existing, { type: 'StatusPatched', status: 'True' }] },
        });
        const patched = await eventually(
          () => seen.find((e) => e.type === 'MODIFIED' && hasCondition(e.object, 'StatusPatched')),
          { what: 'the StatusPatched condition through the watch' },
        );
        assert.deepEqual(
          patched.object.status?.conditions?.map((x) => [x.type, x.status]),
          [
            ['StatusUpdate', 'True'],
            ['StatusPatched', 'True'],
          ],
        );
      } finally {
        watch.stop();
      }

      // The controller writes status again (a fourth node) and keeps the client-written conditions.
      await c.addNode({ name: 'node-4' });
      await untilOk(() => checkRunningOnAllNodes(c.store, ds), { what: 'a pod on the new node' });
      await untilOk(() => checkDaemonStatus(c.store, ds, 4), { what: 'status 4/4' });
      assert.deepEqual(
        getDs(c)
          ?.status?.conditions?.map((x) => x.type)
          .sort(),
        ['StatusPatched', 'StatusUpdate'],
        'conditions preserved across the controller status write',
      );
    }));
});
