import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../client/workqueue.js';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import {
  Health,
  describeRequest,
  healthReply,
  parseAddress,
  requestAttributes,
  startEndpoints,
} from './endpoints.js';
import type { Endpoints } from './endpoints.js';
import { ControllerMetrics } from './metrics.js';

/** `name{labels} value` lines of a Prometheus text body, keyed by everything before the value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function get(url: string, init?: RequestInit): Promise<{ code: number; body: string; type: string }> {
  const res = await fetch(url, init);
  return { code: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
}

const POST_PODS = '/api/v1/namespaces/default/pods';

describe('requestAttributes', () => {
  const cases: Array<[string, string, string]> = [
    ['POST', '/api/v1/namespaces/default/pods', 'create pods in namespace "default"'],
    ['GET', '/api/v1/pods?labelSelector=a%3Db', 'list pods'],
    ['GET', '/api/v1/pods?watch=true&resourceVersion=5', 'watch pods'],
    ['GET', '/api/v1/watch/namespaces/x/pods', 'watch pods in namespace "x"'],
    ['GET', '/api/v1/nodes/node-1', 'get nodes'],
    ['DELETE', '/api/v1/namespaces/d/pods/p', 'delete pods in namespace "d"'],
    ['DELETE', '/api/v1/namespaces/d/pods', 'deletecollection pods in namespace "d"'],
    [
      'PUT',
      '/apis/apps/v1/namespaces/kube-system/daemonsets/fluentd/status',
      'update daemonsets/status in API group "apps" in namespace "kube-system"',
    ],
    [
      'PATCH',
      '/apis/apps/v1/namespaces/d/controllerrevisions/r',
      'patch controllerrevisions in API group "apps" in namespace "d"',
    ],
    ['GET', '/api/v1/namespaces/kube-system', 'get namespaces'],
    ['PUT', '/api/v1/namespaces/x/finalize', 'update namespaces/finalize'],
    ['POST', '/api/v1/namespaces/d/pods/p/binding', 'create pods/binding in namespace "d"'],
    ['GET', '/version', 'get /version'],
  ];
  for (const [method, path, want] of cases)
    test(`${method} ${path} is ${want}`, () =>
      assert.equal(describeRequest(requestAttributes(method, path)), want));
});

describe('parseAddress', () => {
  test('host:port, [v6]:port and :port; anything else throws', () => {
    assert.deepEqual(parseAddress('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseAddress(':9090'), { host: '', port: 9090 });
    assert.deepEqual(parseAddress('localhost:1'), { host: 'localhost', port: 1 });
    for (const bad of ['8080', '127.0.0.1', '1.2.3.4:70000', '::1:80', 'a:b', ''])
      assert.throws(() => parseAddress(bad), /invalid address/, bad);
  });
});

describe('Health', () => {
  const failing = (h: Health): string[] =>
    h
      .readiness()
      .filter((c) => !c.ok)
      .map((c) => `${c.name}: ${c.reason ?? ''}`);

  test('named checks, listed in the order first set', () => {
    const h = new Health({ clock: new FakeClock() });
    assert.deepEqual(failing(h), []);
    h.setCheck('informers-synced', false, 'waiting for pods');
    h.setCheck('leader', true);
    assert.deepEqual(
      h.readiness().map((c) => c.name),
      ['ping', 'informers-synced', 'leader', 'api-access', 'shutdown'],
    );
    assert.deepEqual(failing(h), ['informers-synced: waiting for pods']);
    h.setCheck('informers-synced', true);
    assert.deepEqual(failing(h), []);
    assert.throws(() => h.setCheck('api-access', true), /built in/);
  });

  test('a 403 fails api-access until a success of the same verb, resource and namespace', () => {
    const clock = new FakeClock();
    const h = new Health({ clock });
    h.recordApiResponse(200, 'POST', POST_PODS);
    h.recordApiResponse(403, 'POST', POST_PODS);
    assert.deepEqual(failing(h), [
      `api-access: forbidden (403): create pods in namespace "default" (POST ${POST_PODS})`,
    ]);
    // The controller keeps listing, watching and reading; none of that shows pods can be created.
    h.recordApiResponse(200, 'GET', '/api/v1/pods');
    h.recordApiResponse(200, 'GET', '/api/v1/pods?watch=true');
    h.recordApiResponse(201, 'POST', '/api/v1/namespaces/other/pods');
    h.recordApiResponse(200, 'DELETE', `${POST_PODS}/p`);
    h.recordApiResponse(500, 'POST', POST_PODS);
    h.recordApiResponse(0, 'POST', POST_PODS);
    assert.equal(failing(h).length, 1);
    // The same permission answered (even 404/409: authorization passed) clears it.
    h.recordApiResponse(409, 'POST', POST_PODS);
    assert.deepEqual(failing(h), []);
  });

  test('without a clearing success, the window expires 60 s after the latest 403', () => {
    const clock = new FakeClock();
    const h = new Health({ clock });
    h.recordApiResponse(403, 'GET', '/api/v1/nodes');
    clock.advance(59_999);
    assert.equal(failing(h).length, 1);
    clock.advance(1);
    assert.deepEqual(failing(h), []);
  });

  test('retries backing off beyond the window keep it failing: the window stretches to twice the gap', () => {
    const clock = new FakeClock();
    const h = new Health({ clock });
    const retry = (): void => h.recordApiResponse(403, 'POST', POST_PODS);
    retry();
    for (const gap of [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000]) {
      clock.advance(gap - 1);
      assert.equal(failing(h).length, 1, `still failing just before the retry after ${gap} ms`);
      clock.advance(1);
      retry();
    }
    // The retries stop (the DaemonSet was deleted): 60 s plus twice the last gap later it clears.
    clock.advance(60_000 + 2 * 320_000 - 1);
    assert.equal(failing(h).length, 1);
    clock.advance(1);
    assert.deepEqual(failing(h), []);
  });

  test('several refused permissions are listed newest first, each with its latest request', () => {
    const clock = new FakeClock();
    const h = new Health({ clock });
    h.recordApiResponse(403, 'GET', '/api/v1/nodes');
    clock.advance(1000);
    h.recordApiResponse(403, 'PUT', '/apis/apps/v1/namespaces/d/daemonsets/a/status');
    clock.advance(1000);
    h.recordApiResponse(403, 'GET', '/api/v1/nodes?limit=500');
    assert.deepEqual(failing(h), [
      'api-access: forbidden (403): list nodes (GET /api/v1/nodes); ' +
        'forbidden (403): update daemonsets/status in API group "apps" in namespace "d" ' +
        '(PUT /apis/apps/v1/namespaces/d/daemonsets/a/status)',
    ]);
  });

  test('a 401 fails api-access until any authorized answer', () => {
    const h = new Health({ clock: new FakeClock() });
    h.recordApiResponse(401, 'GET', '/api/v1/pods');
    h.recordApiResponse(401, 'GET', '/api/v1/nodes');
    assert.deepEqual(failing(h), ['api-access: unauthorized (401) (GET /api/v1/nodes)']);
    h.recordApiResponse(403, 'GET', '/api/v1/nodes');
    assert.equal(failing(h).length, 1);
    h.recordApiResponse(200, 'GET', '/version');
    assert.deepEqual(failing(h), ['api-access: forbidden (403): list nodes (GET /api/v1/nodes)']);
  });

  test('markShutDown fails liveness and readiness', () => {
    const h = new Health({ clock: new FakeClock() });
    assert.ok(h.liveness().every((c) => c.ok));
    h.markShutDown();
    assert.deepEqual(
      h.liveness().filter((c) => !c.ok),
      [{ name: 'shutdown', ok: false, reason: 'controller stopped' }],
    );
    assert.deepEqual(failing(h), ['shutdown: controller stopped']);
  });

  test('healthReply: ok, verbose, exclude', () => {
    const checks = [
      { name: 'ping', ok: true },
      { name: 'api-access', ok: false, reason: 'nope' },
    ];
    assert.deepEqual(healthReply('readyz', [{ name: 'ping', ok: true }]), { code: 200, body: 'ok' });
    assert.deepEqual(healthReply('readyz', [{ name: 'ping', ok: true }], { verbose: true }), {
      code: 200,
      body: '[+]ping ok\nreadyz check passed\n',
    });
    assert.deepEqual(healthReply('readyz', checks), {
      code: 500,
      body: '[+]ping ok\n[-]api-access failed: nope\nreadyz check failed\n',
    });
    assert.deepEqual(healthReply('readyz', checks, { exclude: new Set(['api-access']) }), {
      code: 200,
      body: 'ok',
    });
  });
});

describe('startEndpoints', () => {
  let clock: FakeClock;
  let metrics: ControllerMetrics;
  let health: Health;
  let endpoints: Endpoints;
  let queue: WorkQueue<string>;

  before(async () => {
    clock = new FakeClock();
    metrics = new ControllerMetrics({ processMetrics: false, apiHost: 'api:6443' });
    health = new Health({ clock });
    queue = new WorkQueue<string>({ name: 'daemonset', clock, metrics: metrics.workqueue });
    endpoints = await startEndpoints({ address: '127.0.0.1:0', metrics, health, logger: silentLogger() });
  });
  after(async () => {
    queue.shutDown();
    await endpoints.stop();
  });

  test('listens on the asked host with a picked port', () => {
    assert.ok(endpoints.port > 0);
    assert.equal(endpoints.url, `http://127.0.0.1:${endpoints.port}`);
  });

  test('GET /metrics serves the registry in Prometheus text format', async () => {
    queue.add('default/a');
    queue.add('default/b');
    await queue.get();
    clock.advance(2000);
    metrics.observeSync('default/a', 40, undefined);
    metrics.observeRequest({ method: 'POST', path: POST_PODS, code: 403, ms: 3 });
    metrics.setLeader('everynode', true);
    const r = await get(`${endpoints.url}/metrics`);
    assert.equal(r.code, 200);
    assert.match(r.type, /^text\/plain; version=0\.0\.4/);
    const s = samples(r.body);
    assert.equal(s.get('workqueue_adds_total{name="daemonset"}'), 2);
    assert.equal(s.get('workqueue_depth{name="daemonset"}'), 1);
    assert.equal(s.get('workqueue_unfinished_work_seconds{name="daemonset"}'), 2);
    assert.equal(s.get('workqueue_longest_running_processor_seconds{name="daemonset"}'), 2);
    assert.equal(s.get('everynode_daemonset_syncs_total{result="success"}'), 1);
    assert.equal(s.get('rest_client_requests_total{code="403",method="POST",host="api:6443"}'), 1);
    assert.equal(s.get('leader_election_master_status{name="everynode"}'), 1);
    assert.match(r.body, /^# TYPE workqueue_queue_duration_seconds histogram$/m);
  });

  test('GET /healthz and /livez answer ok; /healthz/ping answers one check', async () => {
    for (const path of ['/healthz', '/livez', '/healthz/ping', '/livez/shutdown'])
      assert.deepEqual(await get(`${endpoints.url}${path}`), {
        code: 200,
        body: 'ok',
        type: 'text/plain; charset=utf-8',
      });
  });

  test('GET /readyz flips on a 403 and recovers on the same permission allowed', async () => {
    health.setCheck('informers-synced', true);
    assert.equal((await get(`${endpoints.url}/readyz`)).body, 'ok');
    health.recordApiResponse(403, 'POST', POST_PODS);
    const r = await get(`${endpoints.url}/readyz`);
    assert.equal(r.code, 500);
    assert.equal(
      r.body,
      [
        '[+]ping ok',
        '[+]informers-synced ok',
        `[-]api-access failed: forbidden (403): create pods in namespace "default" (POST ${POST_PODS})`,
        '[+]shutdown ok',
        'readyz check failed',
        '',
      ].join('\n'),
    );
    assert.equal((await get(`${endpoints.url}/healthz`)).code, 200, 'a forbidden controller is alive');
    const one = await get(`${endpoints.url}/readyz/api-access`);
    assert.equal(one.code, 500);
    assert.match(one.body, /^internal server error: forbidden \(403\): create pods/);
    const excluded = await get(`${endpoints.url}/readyz?exclude=api-access`);
    assert.deepEqual([excluded.code, excluded.body], [200, 'ok']);

    health.recordApiResponse(200, 'GET', '/api/v1/pods');
    assert.equal((await get(`${endpoints.url}/readyz`)).code, 500);
    health.recordApiResponse(201, 'POST', POST_PODS);
    assert.deepEqual((await get(`${endpoints.url}/readyz`)).body, 'ok');
    const verbose = await get(`${endpoints.url}/readyz?verbose`);
    assert.equal(verbose.code, 200);
    assert.match(verbose.body, /^\[\+\]api-access ok$/m);
    assert.match(verbose.body, /readyz check passed\n$/);
  });

  test('unknown paths are 404, other methods 405, HEAD has no body', async () => {
    assert.equal((await get(`${endpoints.url}/nope`)).code, 404);
    assert.equal((await get(`${endpoints.url}/readyz/nope`)).code, 404);
    const post = await fetch(`${endpoints.url}/metrics`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    await post.body?.cancel();
    const head = await get(`${endpoints.url}/healthz`, { method: 'HEAD' });
    assert.deepEqual([head.code, head.body], [200, '']);
  });

  test('after markShutDown, /healthz and /readyz fail', async () => {
    const h = new Health({ clock });
    const e = await startEndpoints({ address: '127.0.0.1:0', metrics, health: h, logger: silentLogger() });
    try {
      h.markShutDown();
      const r = await get(`${e.url}/healthz`);
      assert.equal(r.code, 500);
      assert.equal(r.body, '[+]ping ok\n[-]shutdown failed: controller stopped\nhealthz check failed\n');
      assert.equal((await get(`${e.url}/readyz`)).code, 500);
    } finally {
      await e.stop();
    }
    await assert.rejects(fetch(`${e.url}/healthz`));
  });

  test('an address already in use rejects', async () => {
    await assert.rejects(
      startEndpoints({ address: `127.0.0.1:${endpoints.port}`, metrics, health, logger: silentLogger() }),
      /EADDRINUSE/,
    );
  });
});
