/**
 * Operator mode end to end (issue #6): `everynode up --controllers '*,-daemonset'` and
 * `everynode controller` processes that authenticate as the ServiceAccount of deploy/rbac.yaml,
 * with exactly its permissions. One replica reads its kubeconfig, the other runs "in-cluster"
 * (token, CA and namespace files, KUBERNETES_SERVICE_HOST/PORT). Checked: only the leader acts;
 * the seeds converge exactly as with the built-in controller; SIGKILL of the leader hands over
 * within 20 s and a rollout after it loses and duplicates no pod; SIGTERM releases the lease; a
 * verb taken from the ClusterRole shows as 403s in the log and a failing /readyz; and at 1,000
 * nodes the idle controller writes nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { resources } from '../src/api/resources.js';
import type { Store } from '../src/store/types.js';
import { RealClock } from '../src/util/clock.js';
import type { KubectlCluster } from './support/kubectl.js';
import { kubectlBinary, startKubectlCluster } from './support/kubectl.js';
import { ControllerProcess, serviceAccountMount, tokenKubeconfig } from './support/controller-process.js';
import {
  REVISION_HASH_LABEL,
  checkDaemonStatus,
  checkRunningOnAllNodes,
  currentHash,
  daemonPods,
  isDeleting,
  schedulableNodeNames,
  untilOk,
} from './support/daemonset-checks.js';
import { RolloutMonitor } from './support/rollout-monitor.js';

const SA = 'system:serviceaccount:everynode-system:everynode-controller';
const LEASE = { namespace: 'kube-system', name: 'everynode-daemonset-controller' };
const SEEDS = [
  'examples/fluentd-elasticsearch.yaml',
  'examples/fluentd-ssd.yaml',
  'examples/nginx-daemonset.yaml',
];
const skip = kubectlBinary() ? false : 'no kubectl';

function seedDaemonSets(): DaemonSet[] {
  return SEEDS.map((f) => parse(readFileSync(f, 'utf8')) as DaemonSet);
}

async function ok(c: KubectlCluster, args: string[], input?: string): Promise<string> {
  const r = await c.kubectl(args, input !== undefined ? { input } : {});
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Applies deploy/rbac.yaml and returns a fresh token of the controller's ServiceAccount. */
async function grant(c: KubectlCluster): Promise<string> {
  await ok(c, ['apply', '-f', 'deploy/rbac.yaml']);
  const token = (await ok(c, ['create', 'token', 'everynode-controller', '-n', 'everynode-system'])).trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT');
  return token;
}

/** The environment of a child process: no inherited kubeconfig, a private HOME. */
function baseEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.KUBECONFIG;
  delete env.KUBERNETES_SERVICE_HOST;
  delete env.KUBERNETES_SERVICE_PORT;
  return env;
}

function startWithKubeconfig(
  c: KubectlCluster,
  token: string,
  name: string,
  extra: string[] = [],
): ControllerProcess {
  const home = join(c.dir, name);
  mkdirSync(home, { recursive: true });
  const kc = tokenKubeconfig(readFileSync(c.running.kubeconfig, 'utf8'), token, join(home, 'kubeconfig'));
  return new ControllerProcess(
    ['--kubeconfig', kc, '--metrics-address', '127.0.0.1:0', '--log-level', 'info', ...extra],
    baseEnv(home),
  );
}

function startInCluster(
  c: KubectlCluster,
  token: string,
  name: string,
  extra: string[] = [],
): ControllerProcess {
  const home = join(c.dir, name);
  mkdirSync(home, { recursive: true });
  const kc = parse(readFileSync(c.running.kubeconfig, 'utf8')) as {
    clusters: Array<{ cluster: { 'certificate-authority-data': string } }>;
  };
  const ca = Buffer.from(kc.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString(
    'utf8',
  );
  const root = serviceAccountMount(join(home, 'pod'), token, ca, 'everynode-system');
  const url = new URL(c.running.url);
  return new ControllerProcess(['--metrics-address', '127.0.0.1:0', '--log-level', 'info', ...extra], {
    ...baseEnv(home),
    KUBERNETES_SERVICE_HOST: url.hostname,
    KUBERNETES_SERVICE_PORT: url.port,
    EVERYNODE_SERVICEACCOUNT_ROOT: root,
  });
}

async function isLeader(p: ControllerProcess): Promise<boolean> {
  return (await p.metric('leader_election_master_status', { name: LEASE.name })) === 1;
}

function lease(store: Store): Lease | undefined {
  return store.get(resources.leases, LEASE.namespace, LEASE.name);
}

/** Requests of `user` by verb, from the API server's own /metrics (read as the admin). */
async function requestsByUser(c: KubectlCluster, user: string): Promise<Map<string, number>> {
  const text = await ok(c, ['get', '--raw', '/metrics']);
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('everynode_apiserver_requests_by_user_total{')) continue;
    if (!line.includes(`user="${user}"`)) continue;
    const verb = /verb="([^"]*)"/.exec(line)?.[1]?.toLowerCase() ?? '';
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    const key = `${verb} ${resource}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

const READ_VERBS = new Set(['get', 'list', 'watch']);

function writes(counts: Map<string, number>): number {
  let n = 0;
  for (const [key, v] of counts) if (!READ_VERBS.has(key.split(' ')[0] ?? '')) n += v;
  return n;
}

/** What a converged cluster shows of each DaemonSet, independent of pod names and timing. */
function convergedView(store: Store): unknown {
  return seedDaemonSets().map((seed) => {
    const ds = store.get(
      resources.daemonsets,
      seed.metadata?.namespace ?? 'default',
      seed.metadata?.name ?? '',
    );
    assert.ok(ds, `${seed.metadata?.name} exists`);
    const perNode: Record<string, string[]> = {};
    for (const p of daemonPods(store, ds)) {
      if (isDeleting(p)) continue;
      (perNode[p.spec?.nodeName ?? '<unbound>'] ??= []).push(p.metadata?.labels?.[REVISION_HASH_LABEL] ?? '');
    }
    const { observedGeneration: _o, ...status } = ds.status ?? {};
    const revisions = store
      .list(resources.controllerrevisions, { namespace: ds.metadata?.namespace ?? '' })
      .items.filter((r) => r.metadata?.ownerReferences?.some((o) => o.uid === ds.metadata?.uid))
      .map((r) => `${r.metadata?.name?.replace(ds.metadata?.name ?? '', '<ds>')}@${r.revision}`)
      .sort();
    return { name: ds.metadata?.name, status, perNode, revisions };
  });
}

/**
 * Labels `ssdNodes` ssd=true, applies the seeds, and waits until each DaemonSet's status is exact;
 * `checkPods` also checks one available pod per eligible node (cheap on small clusters only).
 */
async function convergeSeeds(
  c: KubectlCluster,
  ssdNodes: readonly string[] = ['node-1'],
  checkPods = true,
  timeoutMs = 60_000,
): Promise<void> {
  await ok(c, ['label', 'node', ...ssdNodes, 'ssd=true']);
  for (const f of SEEDS) await ok(c, ['apply', '-f', f]);
  const store = c.running.cluster.store;
  for (const seed of seedDaemonSets()) {
    await untilOk(
      () => {
        const ds = store.get(
          resources.daemonsets,
          seed.metadata?.namespace ?? 'default',
          seed.metadata?.name ?? '',
        );
        if (!ds) return 'not created';
        return (
          (checkPods ? checkRunningOnAllNodes(store, ds) : undefined) ??
          checkDaemonStatus(store, ds, schedulableNodeNames(store, ds).length)
        );
      },
      { timeoutMs, what: `${seed.metadata?.name} converged` },
    );
  }
}

describe('operator mode: everynode controller against everynode up', { skip }, () => {
  let reference: KubectlCluster;
  let cluster: KubectlCluster;
  let token: string;
  const procs: ControllerProcess[] = [];
  let first: ControllerProcess;
  let second: ControllerProcess;

  before(async () => {
    reference = await startKubectlCluster({ controlPlane: true, nodes: 3, persistence: 'memory' });
    cluster = await startKubectlCluster({
      controlPlane: true,
      nodes: 3,
      persistence: 'memory',
      controllers: '*,-daemonset',
    });
    token = await grant(cluster);
  });

  after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await cluster?.close();
    await reference?.close();
  });

  test('two leader-elected replicas: only the leader acts, and the seeds converge exactly as with the built-in controller', async () => {
    first = startWithKubeconfig(cluster, token, 'first', ['--leader-elect']);
    procs.push(first);
    await untilOkAsync(
      async () => ((await isLeader(first)) ? undefined : 'first is not leading yet'),
      30_000,
    );
    second = startInCluster(cluster, token, 'second', ['--leader-elect']);
    procs.push(second);
    assert.equal((await second.get('/readyz')).status, 200, 'a standby replica is ready');

    await Promise.all([convergeSeeds(reference), convergeSeeds(cluster)]);
    assert.deepEqual(
      convergedView(cluster.running.cluster.store),
      convergedView(reference.running.cluster.store),
    );

    assert.equal(await isLeader(first), true);
    assert.equal(await isLeader(second), false);
    const holder = lease(cluster.running.cluster.store)?.spec?.holderIdentity ?? '';
    assert.ok(holder !== '', 'the Lease names a holder');
    // The standby only reads the Lease: no write of any kind, no sync.
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      assert.equal(
        (await second.metric('rest_client_requests_total', { method })) ?? 0,
        0,
        `standby ${method}s`,
      );
    }
    assert.equal((await second.metric('workqueue_adds_total', { name: 'daemonset' })) ?? 0, 0);
    assert.ok(((await first.metric('workqueue_adds_total', { name: 'daemonset' })) ?? 0) > 0);
    assert.equal((await first.get('/readyz')).status, 200);
    assert.equal((await first.get('/healthz')).status, 200);
    assert.ok(
      ((await first.metric('kube_daemonset_status_number_ready', { daemonset: 'nginx-daemonset' })) ?? 0) ===
        3,
    );
  });

  test('SIGKILL of the leader hands over within 20 s; a rollout afterwards loses and duplicates no pod', async () => {
    const killedAt = Date.now();
    first.kill('SIGKILL');
    await first.exited;
    await untilOkAsync(async () => ((await isLeader(second)) ? undefined : 'second is not leading'), 20_000);
    const handOver = Date.now() - killedAt;
    assert.ok(handOver <= 20_000, `hand-over took ${handOver} ms`);
    assert.ok(second.find(/successfully acquired lease/).length > 0, 'the new leader logs the acquisition');

    const store = cluster.running.cluster.store;
    const monitor = new RolloutMonitor(store, new RealClock(), 'default', 'nginx-daemonset');
    await monitor.watch(cluster.running.cluster.client);
    try {
      await ok(cluster, ['set', 'image', 'ds/nginx-daemonset', 'nginx=nginx:1.27']);
      const out = await ok(cluster, ['rollout', 'status', 'ds/nginx-daemonset', '--timeout=90s']);
      assert.match(out, /daemon set "nginx-daemonset" successfully rolled out/);
    } finally {
      monitor.stop();
    }
    assert.deepEqual(
      monitor.violations.map((v) => `${v.invariant} ${v.node ?? ''}: ${v.detail}`),
      [],
    );
    const ds = store.get(resources.daemonsets, 'default', 'nginx-daemonset');
    assert.ok(ds);
    const hash = currentHash(store, ds);
    const live = daemonPods(store, ds).filter((p) => !isDeleting(p));
    const nodes = schedulableNodeNames(store, ds).sort();
    assert.deepEqual(live.map((p) => p.spec?.nodeName).sort(), nodes, 'exactly one pod per eligible node');
    assert.ok(
      live.every((p) => p.metadata?.labels?.[REVISION_HASH_LABEL] === hash),
      'every pod updated',
    );
    assert.equal(checkDaemonStatus(store, ds, nodes.length), undefined);
  });

  test('SIGTERM: the leader finishes, releases the lease and exits 0; a standby takes over at once', async () => {
    const third = startWithKubeconfig(cluster, token, 'third', ['--leader-elect']);
    procs.push(third);
    await third.endpoint();
    assert.equal(await isLeader(third), false, 'a third replica waits as a standby');
    const stoppedAt = Date.now();
    second.kill('SIGTERM');
    const exit = await second.exited;
    assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}`);
    await untilOkAsync(async () => ((await isLeader(third)) ? undefined : 'third is not leading'), 15_000);
    // A released lease is taken after one retry period, not after a lease duration.
    assert.ok(Date.now() - stoppedAt < 10_000, `took ${Date.now() - stoppedAt} ms`);
  });

  test('a verb taken from the ClusterRole fails visibly: 403 in the log and /readyz not ready, until restored', async () => {
    const leader = procs.find((p) => p.child.exitCode === null && p.child.signalCode === null);
    assert.ok(leader);
    assert.equal(await isLeader(leader), true);
    const role = JSON.parse(
      await ok(cluster, ['get', 'clusterrole', 'everynode:daemonset-controller', '-o', 'json']),
    ) as {
      rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
    };
    const podRule = role.rules.findIndex((r) => r.resources.includes('pods'));
    const verbs = role.rules[podRule]?.verbs ?? [];
    assert.ok(verbs.includes('create'));
    await ok(cluster, [
      'patch',
      'clusterrole',
      'everynode:daemonset-controller',
      '--type=json',
      '-p',
      JSON.stringify([
        { op: 'replace', path: `/rules/${podRule}/verbs`, value: verbs.filter((v) => v !== 'create') },
      ]),
    ]);
    await ok(cluster, ['create', 'ns', 'probe']);
    await ok(cluster, ['apply', '-n', 'probe', '-f', 'examples/nginx-daemonset.yaml']);
    await untilOkAsync(async () => {
      const forbidden = leader.logs.filter((l) => l.code === 403);
      if (forbidden.length === 0) return 'no 403 logged yet';
      const ready = await leader.get('/readyz?verbose');
      return ready.status !== 200 ? undefined : `readyz still ${ready.status}: ${ready.text}`;
    }, 30_000);
    const ready = await leader.get('/readyz?verbose');
    assert.match(ready.text, /pods/);
    const probe = cluster.running.cluster.store.get(resources.daemonsets, 'probe', 'nginx-daemonset');
    assert.ok(probe);
    assert.equal(
      daemonPods(cluster.running.cluster.store, probe).length,
      0,
      'no pod created without the verb',
    );

    await ok(cluster, ['apply', '-f', 'deploy/rbac.yaml']);
    const store = cluster.running.cluster.store;
    await untilOk(() => checkRunningOnAllNodes(store, probe), {
      timeoutMs: 60_000,
      what: 'probe converged after the fix',
    });
    await untilOkAsync(async () => {
      const r = await leader.get('/readyz');
      return r.status === 200 ? undefined : `readyz ${r.status}: ${r.text}`;
    }, 30_000);
  });
});

describe('operator mode at 1,000 nodes', { skip }, () => {
  test('with 3 converged DaemonSets the idle controller issues zero writes', async () => {
    const cluster = await startKubectlCluster({
      nodes: 1000,
      persistence: 'memory',
      controllers: '*,-daemonset',
    });
    let proc: ControllerProcess | undefined;
    try {
      const token = await grant(cluster);
      proc = startWithKubeconfig(cluster, token, 'idle');
      await convergeSeeds(cluster, ['node-1', 'node-2', 'node-3'], false, 120_000);
      const store = cluster.running.cluster.store;
      // Converged includes the tail of the work: the last events and status writes go out first.
      let before = await requestsByUser(cluster, SA);
      for (let stable = 0; stable < 3;) {
        await new Promise((r) => setTimeout(r, 1000));
        const now = await requestsByUser(cluster, SA);
        stable = writes(now) === writes(before) ? stable + 1 : 0;
        before = now;
      }
      assert.ok(writes(before) >= 2000, `the controller did create the pods (${writes(before)} writes)`);
      const syncsBefore = await proc.metric('everynode_daemonset_syncs_total');
      const revision = store.revision();
      // Heartbeats keep flowing (node leases, node status): nothing the controller must act on.
      await new Promise((r) => setTimeout(r, 15_000));
      assert.ok(store.revision() > revision, 'the cluster is alive while the controller idles');
      const afterCounts = await requestsByUser(cluster, SA);
      const changed = [...afterCounts].filter(([k, v]) => v !== (before.get(k) ?? 0));
      assert.equal(writes(afterCounts) - writes(before), 0, `requests while idle: ${changed.join(', ')}`);
      assert.equal(await proc.metric('everynode_daemonset_syncs_total'), syncsBefore, 'no sync while idle');
    } finally {
      proc?.kill('SIGKILL');
      await proc?.exited;
      await cluster.close();
    }
  });
});

async function untilOkAsync(check: () => Promise<string | undefined>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    try {
      last = await check();
    } catch (err) {
      last = String(err);
    }
    if (last === undefined) return;
    if (Date.now() > deadline) assert.fail(`timed out: ${last}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
