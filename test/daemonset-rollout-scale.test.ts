/**
 * A rolling update over 1,000 simulated nodes with maxUnavailable 10% and a readiness delay: it
 * completes, and the unavailable count seen through a watch never exceeds the budget (100).
 * Correctness only — speed is measured by the benchmarks, never here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { EmbeddedCluster } from '../src/cluster/embedded-cluster.js';
import { resources } from '../src/api/resources.js';
import { FakeClock } from '../src/util/clock.js';
import { rolloutStatus } from '../src/controllers/daemonset/rollout.js';
import { eventually, seededRandom } from './support/wait.js';

const NODES = 1000;

test('a rollout over 1,000 nodes with maxUnavailable 10% completes and never exceeds 100 unavailable', async () => {
  const clock = new FakeClock('2026-08-01T00:00:00Z');
  const cluster = await EmbeddedCluster.start({ nodes: NODES, clock, random: seededRandom(3) });
  try {
    const ds: DaemonSet = {
      metadata: { name: 'agent', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: {
            containers: [
              {
                name: 'agent',
                image: 'agent:1',
                // The simulated readiness delay: Ready 2 s after the container starts.
                readinessProbe: {
                  httpGet: { path: '/healthz', port: 8080 },
                  initialDelaySeconds: 2,
                  periodSeconds: 5,
                },
              },
            ],
          },
        },
      },
    };
    await cluster.client.create(resources.daemonsets, ds);
    const done = (): boolean => {
      const d = cluster.store.get(resources.daemonsets, 'default', 'agent');
      return d !== undefined && rolloutStatus(d).done && d.status?.numberAvailable === NODES;
    };
    await eventually(done, {
      clock,
      stepMs: 1_000,
      timeoutMs: 120_000,
      what: 'first rollout',
      quiesce: () => cluster.store.revision(),
    });

    let worst = 0;
    let observations = 0;
    const watch = await cluster.client.watch<DaemonSet>(
      resources.daemonsets,
      { namespace: 'default', resourceVersion: String(cluster.store.revision()) },
      {
        onEvent: (ev) => {
          observations++;
          worst = Math.max(worst, ev.object.status?.numberUnavailable ?? 0);
        },
        onClose: () => {},
      },
    );
    try {
      await cluster.client.patch(resources.daemonsets, 'default', 'agent', 'json', [
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'agent:2' },
      ]);
      await eventually(
        () => {
          const d = cluster.store.get(resources.daemonsets, 'default', 'agent');
          return done() && d?.status?.updatedNumberScheduled === NODES;
        },
        {
          clock,
          stepMs: 1_000,
          timeoutMs: 240_000,
          what: 'rolling update',
          quiesce: () => cluster.store.revision(),
        },
      );
    } finally {
      watch.stop();
    }
    assert.ok(observations > 10, `the watch saw the rollout progress (${observations} events)`);
    assert.ok(worst > 0, 'pods were replaced');
    assert.ok(worst <= 100, `unavailable peaked at ${worst}`);
    const images = new Set(cluster.store.list(resources.pods).items.map((p) => p.spec?.containers[0]?.image));
    assert.deepEqual([...images], ['agent:2']);
  } finally {
    await cluster.stop();
  }
});
