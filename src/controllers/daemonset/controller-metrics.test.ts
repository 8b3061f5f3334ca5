/**
 * The DaemonSet controller wired to ControllerMetrics as operator mode wires it: the workqueue
 * metrics, the observeSync hook and the kube_daemonset_* gauges from its informer cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { resources } from '../../api/resources.js';
import { ClientEventRecorder } from '../../client/events.js';
import { LocalClient } from '../../client/local-client.js';
import { Manager } from '../../controller/manager.js';
import { ControllerMetrics } from '../../controller/metrics.js';
import { ObjectStore } from '../../store/object-store.js';
import { defaultStrategies } from '../../store/strategies.js';
import { FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/log.js';
import { DaemonSetsController } from './controller.js';

function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function eventually(fn: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('syncs, workqueue and kube_daemonset_* series reach the metrics', async () => {
  const clock = new FakeClock();
  const store = new ObjectStore({ clock, strategies: defaultStrategies });
  store.create(resources.namespaces, { metadata: { name: 'default' } });
  for (const name of ['node-0', 'node-1']) store.create(resources.nodes, { metadata: { name } });
  const client = new LocalClient(store);
  const logger = silentLogger();
  const manager = new Manager({ client, clock, logger });
  const metrics = new ControllerMetrics({ processMetrics: false });
  const controller = new DaemonSetsController({
    manager,
    client,
    clock,
    logger,
    recorder: new ClientEventRecorder({ client, clock, logger, component: 'daemonset-controller' }),
    metrics: metrics.workqueue,
    observeSync: (key, ms, err) => metrics.observeSync(key, ms, err),
  });
  metrics.watchDaemonSets(() => controller.daemonSets());
  manager.add(controller);
  await manager.start();
  try {
    const ds: DaemonSet = {
      metadata: { namespace: 'default', name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'agent', image: 'agent:1' }] },
        },
      },
    };
    store.create(resources.daemonsets, ds);
    const series = 'kube_daemonset_status_desired_number_scheduled{namespace="default",daemonset="agent"}';
    await eventually(
      async () => sampleValue(await metrics.metricsText(), series) === 2,
      'desiredNumberScheduled 2 in the metrics',
    );
    assert.deepEqual(
      controller.daemonSets().map((d) => d.metadata?.name),
      ['agent'],
    );
    const text = await metrics.metricsText();
    assert.ok((sampleValue(text, 'everynode_daemonset_syncs_total{result="success"}') ?? 0) >= 1);
    assert.ok((sampleValue(text, 'workqueue_adds_total{name="daemonset"}') ?? 0) >= 1);
    assert.equal(
      sampleValue(text, 'kube_daemonset_metadata_generation{namespace="default",daemonset="agent"}'),
      1,
    );
  } finally {
    await manager.stop();
    store.close();
  }
});
