import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { register as globalRegistry } from 'prom-client';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { WorkQueue } from '../client/workqueue.js';
import { FakeClock } from '../util/clock.js';
import { ControllerMetrics, WORKQUEUE_DURATION_BUCKETS } from './metrics.js';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses Prometheus text format 0.0.4 into samples (comments skipped). */
function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
    const raw = m[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** The samples named `name` whose labels include `labels`. */
function find(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

/** The value of the one sample named `name` with `labels`; fails if there is not exactly one. */
function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = find(samples, name, labels);
  assert.equal(found.length, 1, `want one ${name}${JSON.stringify(labels)}, got ${JSON.stringify(found)}`);
  return found[0]!.value;
}

async function scrape(m: ControllerMetrics): Promise<Sample[]> {
  return parsePrometheusText(await m.metricsText());
}

function daemonSet(namespace: string, name: string, status: DaemonSet['status'], generation = 1): DaemonSet {
  return {
    metadata: { namespace, name, generation, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [] } },
    },
    ...(status ? { status } : {}),
  };
}

const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

describe('ControllerMetrics: workqueue', () => {
  test('a real WorkQueue drives client-go workqueue metrics, labelled by queue name', async () => {
    const clock = new FakeClock();
    const m = new ControllerMetrics({ processMetrics: false });
    const q = new WorkQueue<string>({ name: 'daemonset', clock, metrics: m.workqueue });
    const l = { name: 'daemonset' };

    let s = await scrape(m);
    assert.equal(value(s, 'workqueue_depth', l), 0, 'series exist from the queue creation on');
    assert.equal(value(s, 'workqueue_adds_total', l), 0);
    assert.equal(value(s, 'workqueue_queue_duration_seconds_count', l), 0);

    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    s = await scrape(m);
    assert.equal(value(s, 'workqueue_adds_total', l), 2, 'a duplicate add is not counted');
    assert.equal(value(s, 'workqueue_depth', l), 2);

    clock.advance(1000);
    assert.equal(await q.get(), 'ns/a');
    clock.advance(250);
    assert.equal(await q.get(), 'ns/b');
    clock.advance(500);
    s = await scrape(m);
    assert.equal(value(s, 'workqueue_depth', l), 0);
    assert.equal(value(s, 'workqueue_queue_duration_seconds_count', l), 2);
    assert.ok(close(value(s, 'workqueue_queue_duration_seconds_sum', l), 1 + 1.25));
    assert.equal(value(s, 'workqueue_queue_duration_seconds_bucket', { ...l, le: '1' }), 1);
    assert.equal(value(s, 'workqueue_queue_duration_seconds_bucket', { ...l, le: '10' }), 2);
    // In flight: a for 0.75 s, b for 0.5 s.
    assert.ok(close(value(s, 'workqueue_unfinished_work_seconds', l), 1.25));
    assert.ok(close(value(s, 'workqueue_longest_running_processor_seconds', l), 0.75));

    q.done('ns/a');
    q.addRateLimited('ns/b');
    q.done('ns/b');
    s = await scrape(m);
    assert.equal(value(s, 'workqueue_work_duration_seconds_count', l), 2);
    assert.ok(close(value(s, 'workqueue_work_duration_seconds_sum', l), 0.75 + 0.5));
    assert.equal(value(s, 'workqueue_retries_total', l), 1);
    assert.equal(value(s, 'workqueue_unfinished_work_seconds', l), 0);
    assert.equal(value(s, 'workqueue_longest_running_processor_seconds', l), 0);
    q.shutDown();
  });

  test('duration buckets are client-go ExponentialBuckets(10e-9, 10, 10)', async () => {
    assert.deepEqual(WORKQUEUE_DURATION_BUCKETS, [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10]);
    const m = new ControllerMetrics({ processMetrics: false });
    const q = new WorkQueue<string>({ name: 'q', clock: new FakeClock(), metrics: m.workqueue });
    const les = find(await scrape(m), 'workqueue_work_duration_seconds_bucket', { name: 'q' }).map(
      (x) => x.labels['le'],
    );
    assert.deepEqual(les, [
      '1e-8',
      '1e-7',
      '0.000001',
      '0.00001',
      '0.0001',
      '0.001',
      '0.01',
      '0.1',
      '1',
      '10',
      '+Inf',
    ]);
    q.shutDown();
  });

  test('watchQueue reports a queue built without these metrics; a later queue of the same name wins', async () => {
    const clock = new FakeClock();
    const m = new ControllerMetrics({ processMetrics: false });
    const old = new WorkQueue<string>({ name: 'x', clock, metrics: m.workqueue });
    old.add('stuck');
    await old.get();
    const q = new WorkQueue<string>({ name: 'x', clock });
    m.watchQueue(q);
    q.add('k');
    await q.get();
    clock.advance(3000);
    const s = await scrape(m);
    assert.equal(value(s, 'workqueue_unfinished_work_seconds', { name: 'x' }), 3);
    assert.equal(value(s, 'workqueue_longest_running_processor_seconds', { name: 'x' }), 3);
  });
});

describe('ControllerMetrics: syncs, client, leader election', () => {
  test('observeSync counts results and observes durations in seconds', async () => {
    const m = new ControllerMetrics({ processMetrics: false });
    let s = await scrape(m);
    assert.equal(value(s, 'everynode_daemonset_syncs_total', { result: 'success' }), 0);
    assert.equal(value(s, 'everynode_daemonset_syncs_total', { result: 'error' }), 0);
    m.observeSync('default/a', 20, undefined);
    m.observeSync('default/a', 30, undefined);
    m.observeSync('default/b', 2000, new Error('boom'));
    s = await scrape(m);
    assert.equal(value(s, 'everynode_daemonset_syncs_total', { result: 'success' }), 2);
    assert.equal(value(s, 'everynode_daemonset_syncs_total', { result: 'error' }), 1);
    assert.equal(value(s, 'everynode_daemonset_sync_duration_seconds_count'), 3);
    assert.ok(close(value(s, 'everynode_daemonset_sync_duration_seconds_sum'), 2.05));
    assert.equal(value(s, 'everynode_daemonset_sync_duration_seconds_bucket', { le: '0.025' }), 1);
  });

  test('observeRequest and observeThrottle feed rest_client_* with client-go labels', async () => {
    const m = new ControllerMetrics({ processMetrics: false, apiHost: '10.0.0.1:6443' });
    const host = '10.0.0.1:6443';
    m.observeRequest({ method: 'GET', path: '/api/v1/pods', code: 200, ms: 12 });
    m.observeRequest({ method: 'get', path: '/api/v1/nodes?watch=true', code: 200, ms: 8 });
    m.observeRequest({ method: 'POST', path: '/api/v1/namespaces/default/pods', code: 403, ms: 4 });
    m.observeRequest({
      method: 'PUT',
      path: '/apis/apps/v1/namespaces/d/daemonsets/x/status',
      code: 0,
      ms: 1,
    });
    m.observeThrottle(250, 'post');
    const s = await scrape(m);
    assert.equal(value(s, 'rest_client_requests_total', { code: '200', method: 'GET', host }), 2);
    assert.equal(value(s, 'rest_client_requests_total', { code: '403', method: 'POST', host }), 1);
    assert.equal(value(s, 'rest_client_requests_total', { code: '<error>', method: 'PUT', host }), 1);
    assert.equal(value(s, 'rest_client_request_duration_seconds_count', { verb: 'GET', host }), 2);
    assert.ok(close(value(s, 'rest_client_request_duration_seconds_sum', { verb: 'GET', host }), 0.02));
    assert.equal(
      value(s, 'rest_client_request_duration_seconds_bucket', { verb: 'POST', host, le: '0.005' }),
      1,
    );
    assert.equal(value(s, 'rest_client_rate_limiter_duration_seconds_count', { verb: 'POST', host }), 1);
    assert.ok(close(value(s, 'rest_client_rate_limiter_duration_seconds_sum', { verb: 'POST', host }), 0.25));
  });

  test('setLeader sets leader_election_master_status{name}', async () => {
    const m = new ControllerMetrics({ processMetrics: false });
    m.setLeader('everynode-controller', true);
    assert.equal(
      value(await scrape(m), 'leader_election_master_status', { name: 'everynode-controller' }),
      1,
    );
    m.setLeader('everynode-controller', false);
    assert.equal(
      value(await scrape(m), 'leader_election_master_status', { name: 'everynode-controller' }),
      0,
    );
  });
});

describe('ControllerMetrics: kube_daemonset_* gauges', () => {
  test('are read from the DaemonSet source at every scrape, with namespace and daemonset labels', async () => {
    const m = new ControllerMetrics({ processMetrics: false });
    let cache: DaemonSet[] = [
      daemonSet(
        'kube-system',
        'fluentd',
        {
          currentNumberScheduled: 3,
          desiredNumberScheduled: 4,
          numberAvailable: 2,
          numberMisscheduled: 1,
          numberReady: 2,
          numberUnavailable: 2,
          updatedNumberScheduled: 3,
          observedGeneration: 2,
        },
        3,
      ),
      daemonSet('default', 'fresh', undefined),
    ];
    m.watchDaemonSets(() => cache);
    let s = await scrape(m);
    const f = { namespace: 'kube-system', daemonset: 'fluentd' };
    assert.equal(value(s, 'kube_daemonset_status_current_number_scheduled', f), 3);
    assert.equal(value(s, 'kube_daemonset_status_desired_number_scheduled', f), 4);
    assert.equal(value(s, 'kube_daemonset_status_number_available', f), 2);
    assert.equal(value(s, 'kube_daemonset_status_number_misscheduled', f), 1);
    assert.equal(value(s, 'kube_daemonset_status_number_ready', f), 2);
    assert.equal(value(s, 'kube_daemonset_status_number_unavailable', f), 2);
    assert.equal(value(s, 'kube_daemonset_status_updated_number_scheduled', f), 3);
    assert.equal(value(s, 'kube_daemonset_status_observed_generation', f), 2);
    assert.equal(value(s, 'kube_daemonset_metadata_generation', f), 3);
    assert.equal(value(s, 'kube_daemonset_created', f), Date.parse('2026-01-01T00:00:00Z') / 1000);
    const fresh = { namespace: 'default', daemonset: 'fresh' };
    assert.equal(value(s, 'kube_daemonset_status_desired_number_scheduled', fresh), 0);
    assert.equal(value(s, 'kube_daemonset_metadata_generation', fresh), 1);
    for (const sample of find(s, 'kube_daemonset_status_number_ready'))
      assert.deepEqual(Object.keys(sample.labels).sort(), ['daemonset', 'namespace']);

    cache = [daemonSet('default', 'fresh', { desiredNumberScheduled: 5 } as DaemonSet['status'])];
    s = await scrape(m);
    assert.equal(find(s, 'kube_daemonset_status_desired_number_scheduled', f).length, 0, 'deleted: gone');
    assert.equal(value(s, 'kube_daemonset_status_desired_number_scheduled', fresh), 5);
  });
});

describe('ControllerMetrics: registries', () => {
  test('each instance has its own registry; the global one stays empty', async () => {
    const a = new ControllerMetrics({ processMetrics: false });
    const b = new ControllerMetrics({ processMetrics: false });
    a.observeSync('k', 1, undefined);
    assert.equal(value(await scrape(a), 'everynode_daemonset_syncs_total', { result: 'success' }), 1);
    assert.equal(value(await scrape(b), 'everynode_daemonset_syncs_total', { result: 'success' }), 0);
    assert.equal(globalRegistry.getSingleMetric('everynode_daemonset_syncs_total'), undefined);
    assert.equal(globalRegistry.getSingleMetric('workqueue_depth'), undefined);
  });

  test('process and Node.js metrics are on by default', async () => {
    const m = new ControllerMetrics();
    const s = await scrape(m);
    assert.equal(find(s, 'process_cpu_user_seconds_total').length, 1);
    assert.ok(find(s, 'nodejs_heap_size_used_bytes').length === 1);
    assert.match(m.contentType, /^text\/plain; version=0\.0\.4/);
    const off = await scrape(new ControllerMetrics({ processMetrics: false }));
    assert.equal(find(off, 'process_cpu_user_seconds_total').length, 0);
  });
});
