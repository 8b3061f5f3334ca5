/**
 * Rollouts on an embedded cluster: upstream's e2e scenarios E5–E8 (OnDelete, RollingUpdate,
 * rollback without restarts, surge), history and revision reuse, and the rollout library's
 * status / history / undo with kubectl's messages.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { EmbeddedCluster } from '../src/cluster/embedded-cluster.js';
import { resources } from '../src/api/resources.js';
import { ApiError } from '../src/api/errors.js';
import { FakeClock } from '../src/util/clock.js';
import { FAIL_ANNOTATION } from '../src/kubelet/annotations.js';
import {
  formatRolloutHistory,
  rollback,
  rolloutHistory,
  rolloutRestart,
  rolloutStatus,
} from '../src/controllers/daemonset/rollout.js';
import type { Mutable } from '../src/util/objects.js';
import { eventually, seededRandom, settle } from './support/wait.js';

const LABELS = { 'daemonset-name': 'daemon-set' };

function daemonSet(mutate: (d: Mutable<DaemonSet>) => void = () => {}): DaemonSet {
  const d: Mutable<DaemonSet> = {
    metadata: { name: 'daemon-set', namespace: 'default' },
    spec: {
      selector: { matchLabels: { ...LABELS } },
      template: {
        metadata: { labels: { ...LABELS } },
        spec: { containers: [{ name: 'app', image: 'agent:1', ports: [{ containerPort: 9376 }] }] },
      },
    },
  };
  mutate(d);
  return d;
}

interface Env {
  readonly cluster: EmbeddedCluster;
  readonly clock: FakeClock;
}

async function withCluster(nodes: number, fn: (e: Env) => Promise<void>): Promise<void> {
  const clock = new FakeClock('2026-07-01T00:00:00Z');
  const cluster = await EmbeddedCluster.start({ nodes, clock, random: seededRandom(5) });
  try {
    await fn({ cluster, clock });
  } finally {
    await cluster.stop();
  }
}

const get = (e: Env): DaemonSet => e.cluster.store.get(resources.daemonsets, 'default', 'daemon-set')!;
const pods = (e: Env): Pod[] => {
  const uid = get(e).metadata?.uid;
  return e.cluster.store
    .list(resources.pods, { namespace: 'default' })
    .items.filter((p) => p.metadata?.ownerReferences?.some((r) => r.uid === uid));
};
const live = (e: Env): Pod[] => pods(e).filter((p) => !p.metadata?.deletionTimestamp);
const revisions = (e: Env): ControllerRevision[] =>
  [...e.cluster.store.list(resources.controllerrevisions, { namespace: 'default' }).items].sort(
    (a, b) => (a.revision ?? 0) - (b.revision ?? 0),
  );
const isReady = (p: Pod): boolean =>
  (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const imageOf = (p: Pod): string => p.spec?.containers[0]?.image ?? '';
const hashOf = (p: Pod): string => p.metadata?.labels?.['controller-revision-hash'] ?? '';

/** Every node runs exactly one available pod of the DaemonSet with `image` (CheckRunningOnAllNodes). */
function runningEverywhere(e: Env, image?: string): boolean {
  const nodes = e.cluster.store.list(resources.nodes).items.map((n) => n.metadata?.name ?? '');
  const ps = live(e);
  if (ps.length !== nodes.length) return false;
  return nodes.every((n) => {
    const on = ps.filter((p) => p.spec?.nodeName === n);
    return on.length === 1 && isReady(on[0]!) && (image === undefined || imageOf(on[0]!) === image);
  });
}

async function setImage(e: Env, image: string): Promise<void> {
  await e.cluster.client.patch(resources.daemonsets, 'default', 'daemon-set', 'json', [
    { op: 'replace', path: '/spec/template/spec/containers/0/image', value: image },
  ]);
}

describe('DaemonSet rollouts (e2e)', () => {
  test('[E5] OnDelete: a template change records revision 2 but leaves running pods alone', () =>
    withCluster(3, async (e) => {
      await e.cluster.client.create(
        resources.daemonsets,
        daemonSet((d) => (d.spec!.updateStrategy = { type: 'OnDelete' })),
      );
      await eventually(() => runningEverywhere(e, 'agent:1'), { clock: e.clock, what: 'first rollout' });
      const [rev1] = revisions(e);
      assert.equal(rev1?.revision, 1);
      const firstHash = rev1?.metadata?.labels?.['controller-revision-hash'];
      assert.ok(live(e).every((p) => hashOf(p) === firstHash));
      await setImage(e, 'agent:2');
      await eventually(() => revisions(e).length === 2, { clock: e.clock, what: 'revision 2' });
      for (let i = 0; i < 5; i++) {
        e.clock.advance(10_000);
        await settle();
      }
      assert.ok(runningEverywhere(e, 'agent:1'), 'pods keep the old image');
      const [r1, r2] = revisions(e);
      assert.equal(r2?.revision, 2);
      assert.notEqual(
        r2?.metadata?.labels?.['controller-revision-hash'],
        r1?.metadata?.labels?.['controller-revision-hash'],
      );
      assert.ok(
        live(e).every((p) => hashOf(p) === firstHash),
        'pods still carry the first hash',
      );
      // Deleting a pod brings the new template there.
      const victim = live(e)[0]!;
      await e.cluster.client.delete(resources.pods, 'default', victim.metadata!.name!);
      await eventually(
        () =>
          live(e).some(
            (p) => imageOf(p) === 'agent:2' && p.spec?.nodeName === victim.spec?.nodeName && isReady(p),
          ),
        {
          clock: e.clock,
          what: 'replacement with the new template',
        },
      );
    }));

  test('[E6] RollingUpdate: all pods get the new image with at most one unavailable at every observation', () =>
    withCluster(4, async (e) => {
      await e.cluster.client.create(resources.daemonsets, daemonSet());
      await eventually(() => runningEverywhere(e, 'agent:1'), { clock: e.clock, what: 'first rollout' });
      let worst = 0;
      const watch = await e.cluster.client.watch<Pod>(
        resources.pods,
        { namespace: 'default' },
        {
          onEvent: () => {
            const nodes = e.cluster.store.list(resources.nodes).items.map((n) => n.metadata?.name ?? '');
            const unavailable = nodes.filter(
              (n) => !live(e).some((p) => p.spec?.nodeName === n && isReady(p)),
            ).length;
            worst = Math.max(worst, unavailable);
          },
          onClose: () => {},
        },
      );
      try {
        await setImage(e, 'agent:2');
        await eventually(() => runningEverywhere(e, 'agent:2') && rolloutStatus(get(e)).done, {
          clock: e.clock,
          stepMs: 1_000,
          what: 'rollout',
        });
      } finally {
        watch.stop();
      }
      assert.ok(worst <= 1, `at most one node unavailable, saw ${worst}`);
      const revs = revisions(e);
      assert.deepEqual(
        revs.map((r) => r.revision),
        [1, 2],
      );
      const current = revs[1]!.metadata?.labels?.['controller-revision-hash'];
      assert.ok(live(e).every((p) => hashOf(p) === current));
      assert.equal(rolloutStatus(get(e)).message, 'daemon set "daemon-set" successfully rolled out\n');
    }));

  test('[E7] rollback without unnecessary restarts: pods that still run the old template are kept', () =>
    withCluster(4, async (e) => {
      await e.cluster.client.create(resources.daemonsets, daemonSet());
      await eventually(() => runningEverywhere(e, 'agent:1'), { clock: e.clock, what: 'first rollout' });
      const original = new Set(live(e).map((p) => p.metadata!.name!));
      // A broken update: the new pods cannot pull their image.
      await e.cluster.client.patch(resources.daemonsets, 'default', 'daemon-set', 'merge', {
        spec: {
          template: {
            metadata: { annotations: { [FAIL_ANNOTATION]: 'image-pull' } },
            spec: { containers: [{ name: 'app', image: 'foo:non-existent' }] },
          },
        },
      });
      await eventually(() => live(e).some((p) => imageOf(p) === 'foo:non-existent'), {
        clock: e.clock,
        what: 'a new pod',
      });
      for (let i = 0; i < 3; i++) {
        e.clock.advance(5_000);
        await settle();
      }
      const survivors = live(e)
        .filter((p) => original.has(p.metadata!.name!))
        .map((p) => p.metadata!.name!);
      assert.ok(survivors.length > 0, 'some old pods still exist');
      assert.equal(rolloutStatus(get(e)).done, false, 'the broken rollout does not complete');
      const r = await rollback(e.cluster.client, get(e));
      assert.equal(r.message, 'daemonset.apps/daemon-set rolled back');
      await eventually(() => runningEverywhere(e, 'agent:1') && get(e).status?.updatedNumberScheduled === 4, {
        clock: e.clock,
        what: 'rolled back',
      });
      for (const name of survivors)
        assert.ok(
          live(e).some((p) => p.metadata?.name === name),
          `${name} was not restarted`,
        );
      // The original revision was reused and renumbered: {1,2} → {2,3}.
      assert.deepEqual(
        revisions(e).map((x) => x.revision),
        [2, 3],
      );
    }));

  test('[E8] surge: new pods beside old ones, never two versions too many, never a node without a pod', () =>
    withCluster(5, async (e) => {
      await e.cluster.client.create(
        resources.daemonsets,
        daemonSet((d) => {
          d.spec!.updateStrategy = {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: '20%', maxUnavailable: 0 },
          };
          d.spec!.minReadySeconds = 10;
          d.spec!.template.spec!.containers[0]!.env = [{ name: 'VERSION', value: '1' }];
          d.spec!.template.spec!.containers[0]!.readinessProbe = {
            exec: { command: ['true'] },
            periodSeconds: 1,
          };
        }),
      );
      await eventually(() => runningEverywhere(e), { clock: e.clock, what: 'first rollout' });
      const violations: string[] = [];
      const check = (): void => {
        const ps = pods(e);
        const versions = new Set(ps.map((p) => p.spec?.containers[0]?.env?.[0]?.value));
        if (versions.size > 2) violations.push(`${versions.size} versions`);
        const nodes = e.cluster.store.list(resources.nodes).items.map((n) => n.metadata?.name ?? '');
        for (const n of nodes) {
          const on = ps.filter((p) => (p.spec?.nodeName ?? '') === n && !p.metadata?.deletionTimestamp);
          for (const v of versions) {
            const running = on.filter((p) => p.spec?.containers[0]?.env?.[0]?.value === v);
            if (running.length > 1)
              violations.push(`${n}: ${running.length} running instances of version ${v}`);
          }
          if (!ps.some((p) => p.spec?.nodeName === n && isReady(p))) violations.push(`${n}: no ready pod`);
        }
      };
      const watch = await e.cluster.client.watch<Pod>(
        resources.pods,
        { namespace: 'default' },
        { onEvent: check, onClose: () => {} },
      );
      try {
        await e.cluster.client.patch(resources.daemonsets, 'default', 'daemon-set', 'json', [
          { op: 'replace', path: '/spec/template/spec/containers/0/env/0/value', value: '2' },
        ]);
        await eventually(
          () =>
            live(e).every((p) => p.spec?.containers[0]?.env?.[0]?.value === '2') &&
            runningEverywhere(e) &&
            get(e).status?.numberAvailable === 5,
          { clock: e.clock, stepMs: 1_000, timeoutMs: 20_000, what: 'surge rollout' },
        );
      } finally {
        watch.stop();
      }
      assert.deepEqual(violations, []);
      assert.deepEqual(
        revisions(e).map((r) => r.revision),
        [1, 2],
      );
    }));
});

describe('rollout status, history, undo and restart (kubectl semantics)', () => {
  test("rolloutStatus follows kubectl's DaemonSetStatusViewer messages", () => {
    const ds = (status: Record<string, number>, generation = 2, type = 'RollingUpdate'): DaemonSet =>
      ({
        metadata: { name: 'x', generation },
        spec: { updateStrategy: { type } },
        status,
      }) as unknown as DaemonSet;
    assert.deepEqual(rolloutStatus(ds({ observedGeneration: 1 })), {
      done: false,
      message: 'Waiting for daemon set spec update to be observed...\n',
    });
    assert.equal(
      rolloutStatus(
        ds({
          observedGeneration: 2,
          desiredNumberScheduled: 5,
          updatedNumberScheduled: 3,
          numberAvailable: 5,
        }),
      ).message,
      'Waiting for daemon set "x" rollout to finish: 3 out of 5 new pods have been updated...\n',
    );
    assert.equal(
      rolloutStatus(
        ds({
          observedGeneration: 2,
          desiredNumberScheduled: 5,
          updatedNumberScheduled: 5,
          numberAvailable: 4,
        }),
      ).message,
      'Waiting for daemon set "x" rollout to finish: 4 of 5 updated pods are available...\n',
    );
    assert.deepEqual(
      rolloutStatus(
        ds({
          observedGeneration: 2,
          desiredNumberScheduled: 5,
          updatedNumberScheduled: 5,
          numberAvailable: 5,
        }),
      ),
      {
        done: true,
        message: 'daemon set "x" successfully rolled out\n',
      },
    );
    assert.deepEqual(rolloutStatus(ds({}, 1, 'OnDelete')), {
      done: true,
      error: true,
      message: 'rollout status is only available for RollingUpdate strategy type',
    });
  });

  test('history lists controlled revisions with change-cause; undo and restart as kubectl does', () =>
    withCluster(2, async (e) => {
      await e.cluster.client.create(resources.daemonsets, daemonSet());
      await eventually(() => runningEverywhere(e, 'agent:1'), { clock: e.clock, what: 'first rollout' });
      const noHistory = await rollback(e.cluster.client, get(e)).catch((err: unknown) => err);
      assert.ok(noHistory instanceof ApiError);
      assert.equal(noHistory.message, 'no last revision to roll back to');
      await e.cluster.client.patch(resources.daemonsets, 'default', 'daemon-set', 'merge', {
        metadata: {
          annotations: { 'kubernetes.io/change-cause': 'kubectl set image ds/daemon-set app=agent:2' },
        },
      });
      await setImage(e, 'agent:2');
      await eventually(() => runningEverywhere(e, 'agent:2') && revisions(e).length === 2, {
        clock: e.clock,
        what: 'second rollout',
      });
      const history = rolloutHistory(get(e), revisions(e));
      assert.deepEqual(history, [
        { revision: 1, changeCause: '' },
        { revision: 2, changeCause: 'kubectl set image ds/daemon-set app=agent:2' },
      ]);
      assert.equal(
        formatRolloutHistory(get(e), history),
        'daemonset.apps/daemon-set \nREVISION  CHANGE-CAUSE\n1         <none>\n2         kubectl set image ds/daemon-set app=agent:2\n\n',
      );
      const missing = await rollback(e.cluster.client, get(e), { toRevision: 7 }).catch(
        (err: unknown) => err,
      );
      assert.ok(missing instanceof ApiError);
      assert.equal(missing.message, 'unable to find specified revision 7 in history');
      const skipped = await rollback(e.cluster.client, get(e), { toRevision: 2 });
      assert.equal(
        skipped.message,
        'daemonset.apps/daemon-set skipped rollback (current template already matches revision 2)',
      );
      const dry = await rollback(e.cluster.client, get(e), { dryRun: true });
      assert.match(dry.message, /^will roll back to .*"image":"agent:1"/);
      assert.equal(get(e).spec?.template.spec?.containers[0]?.image, 'agent:2', 'dry run changes nothing');
      const undone = await rollback(e.cluster.client, get(e));
      assert.equal(undone.message, 'daemonset.apps/daemon-set rolled back');
      await eventually(() => runningEverywhere(e, 'agent:1'), { clock: e.clock, what: 'undo' });
      assert.deepEqual(
        revisions(e).map((r) => r.revision),
        [2, 3],
      );
      const before = new Set(live(e).map((p) => p.metadata!.name!));
      await rolloutRestart(e.cluster.client, get(e), e.clock.now());
      assert.equal(
        get(e).spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'],
        new Date(e.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      );
      await eventually(() => runningEverywhere(e) && live(e).every((p) => !before.has(p.metadata!.name!)), {
        clock: e.clock,
        what: 'restart replaces every pod',
      });
      assert.equal(revisions(e).length, 3);
    }));

  test('history cleanup keeps revisionHistoryLimit old revisions, never one a pod still uses', () =>
    withCluster(2, async (e) => {
      await e.cluster.client.create(
        resources.daemonsets,
        daemonSet((d) => (d.spec!.revisionHistoryLimit = 2)),
      );
      for (let v = 1; v <= 5; v++) {
        if (v > 1) await setImage(e, `agent:${v}`);
        await eventually(() => runningEverywhere(e, `agent:${v}`), { clock: e.clock, what: `version ${v}` });
      }
      await eventually(() => revisions(e).length === 3, { clock: e.clock, what: 'cleanup' });
      assert.deepEqual(
        revisions(e).map((r) => r.revision),
        [3, 4, 5],
      );
    }));
});
