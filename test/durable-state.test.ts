/**
 * Durable state (issue 5): `everynode up` keeps the cluster in `<data-dir>/state.db` and resumes it
 * exactly on the next start, and a SIGKILL at any moment loses no acknowledged write.
 *
 * (a) resume, in-process: converge a DaemonSet, stop, start again on the same data dir, and find
 *     the same nodes, pods and ControllerRevisions (by uid), with resourceVersions still increasing.
 * (b) SIGKILL, out of process: `bin/everynode.js up` as a child; a rolling update is under way and
 *     acknowledged writes stream in when the child is killed with SIGKILL; after a restart every
 *     acknowledged object is there (same or newer resourceVersion) and the rollout completes.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { Agent, request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parse } from 'yaml';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../src/api/resources.js';
import type { KubeObject } from '../src/api/resources.js';
import type { RunningCluster, UpOptions } from '../src/cli/up.js';
import { startUp } from '../src/cli/up.js';
import { kubectlBinary } from './support/kubectl.js';
import { eventually, eventuallyAsync } from './support/wait.js';

const root = mkdtempSync(join(tmpdir(), 'everynode-durable-'));
after(() => rmSync(root, { recursive: true, force: true }));

const rv = (o: KubeObject | undefined): number => Number(o?.metadata?.resourceVersion ?? NaN);
const uids = (items: readonly KubeObject[]): string[] =>
  items.map((o) => `${o.metadata?.name ?? ''}=${o.metadata?.uid ?? ''}`).sort();

function daemonSet(name: string, image: string, minReadySeconds = 0): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      minReadySeconds,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'agent', image }] },
      },
    },
  };
}

/** True when the DaemonSet's latest spec is rolled out and every pod is available. */
function rolledOut(ds: DaemonSet | undefined): boolean {
  const s = ds?.status;
  return (
    !!s &&
    s.observedGeneration === ds.metadata?.generation &&
    s.desiredNumberScheduled > 0 &&
    s.updatedNumberScheduled === s.desiredNumberScheduled &&
    s.numberAvailable === s.desiredNumberScheduled
  );
}

describe('durable state: resume', () => {
  test('up on an existing data dir resumes the same nodes, pods and revisions; --nodes is ignored with a note', async () => {
    const dataDir = join(root, 'resume');
    const base: UpOptions = {
      nodes: 3,
      controlPlane: false,
      port: 0,
      address: '127.0.0.1',
      dataDir,
      kubeletProfile: 'fast',
      controllers: '*',
      insecureHttp: false,
      logger: pino({ level: 'silent' }),
      out: () => {},
    };
    let running: RunningCluster | undefined = await startUp(base);
    try {
      const { client, store } = running.cluster;
      await client.create(resources.daemonsets, daemonSet('agent', 'agent:1'));
      await eventually(() => rolledOut(store.get(resources.daemonsets, 'default', 'agent')), {
        what: 'the DaemonSet to converge',
        timeoutMs: 20_000,
      });
      const ds = await client.get(resources.daemonsets, 'default', 'agent');
      await client.update(resources.daemonsets, {
        ...ds,
        spec: {
          ...ds.spec!,
          template: { ...ds.spec!.template, spec: daemonSet('', 'agent:2').spec!.template.spec! },
        },
      });
      await eventually(() => rolledOut(store.get(resources.daemonsets, 'default', 'agent')), {
        what: 'the rolling update to agent:2',
        timeoutMs: 20_000,
      });
      const before = {
        revision: store.revision(),
        nodes: uids(store.list(resources.nodes).items),
        pods: uids(store.list(resources.pods, { namespace: 'default' }).items),
        revisions: store
          .list(resources.controllerrevisions, { namespace: 'default' })
          .items.map((r) => `${r.metadata?.name ?? ''}=${r.metadata?.uid ?? ''}@${r.revision}`)
          .sort(),
        ds: store.get(resources.daemonsets, 'default', 'agent'),
      };
      assert.equal(before.nodes.length, 3);
      assert.equal(before.pods.length, 3);
      assert.equal(before.revisions.length, 2);
      await running.stop();
      running = undefined;

      const lines: string[] = [];
      running = await startUp({ ...base, nodes: 7, controlPlane: true, out: (l) => lines.push(l) });
      const resumed = running.cluster;
      assert.ok(
        lines.some((l) => /--nodes and --control-plane .* ignored/.test(l)),
        `expected a note that --nodes is ignored, got:\n${lines.join('\n')}`,
      );
      assert.ok(lines.some((l) => l.startsWith('resuming everynode')));
      assert.ok(resumed.store.revision() >= before.revision);
      assert.deepEqual(uids(resumed.store.list(resources.nodes).items), before.nodes);
      const dsAfter = resumed.store.get(resources.daemonsets, 'default', 'agent');
      assert.equal(dsAfter?.metadata?.uid, before.ds?.metadata?.uid);
      assert.equal(dsAfter?.metadata?.generation, before.ds?.metadata?.generation);

      // Give every controller a full pass over the resumed state: nothing is re-created.
      const settleUntil = Date.now() + 1_500;
      await eventually(
        () =>
          Date.now() > settleUntil && rolledOut(resumed.store.get(resources.daemonsets, 'default', 'agent')),
        {
          what: 'the resumed DaemonSet to be rolled out',
          timeoutMs: 20_000,
        },
      );
      assert.deepEqual(uids(resumed.store.list(resources.nodes).items), before.nodes);
      assert.deepEqual(uids(resumed.store.list(resources.pods, { namespace: 'default' }).items), before.pods);
      assert.deepEqual(
        resumed.store
          .list(resources.controllerrevisions, { namespace: 'default' })
          .items.map((r) => `${r.metadata?.name ?? ''}=${r.metadata?.uid ?? ''}@${r.revision}`)
          .sort(),
        before.revisions,
      );
      const revisionAfterResume = resumed.store.revision();
      const lease = await resumed.client.create(resources.leases, {
        metadata: { name: 'probe', namespace: 'default' },
        spec: { holderIdentity: 'test' },
      });
      assert.ok(rv(lease) > revisionAfterResume && rv(lease) > before.revision);
      for (const p of resumed.store.list(resources.pods, { namespace: 'default' }).items) {
        assert.ok(rv(p) < rv(lease));
      }
    } finally {
      await running?.stop();
    }
  });
});

// ------------------------------------------------------------------------------------------------
// (b) SIGKILL mid-rollout

const bin = fileURLToPath(new URL('../bin/everynode.js', import.meta.url));
const kubectl = kubectlBinary();

interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<void>;
}

/** Spawns `everynode up` and resolves once it prints the API URL. */
function spawnUp(dataDir: string, extra: readonly string[] = []): Promise<Child> {
  const child = spawn(
    process.execPath,
    [bin, 'up', '--port', '0', '--data-dir', dataDir, '--log-level', 'error', ...extra],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`everynode up did not start:\n${out}\n${err}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /API server listening on (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ process: child, url: m[1], stdout: () => out, stderr: () => err, exited });
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`everynode up exited (${code ?? signal ?? ''}) before serving:\n${out}\n${err}`));
    });
  });
}

interface Api {
  call(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ code: number; json: unknown }>;
}

/** An HTTPS client for the API with the kubeconfig's CA and token. */
function apiFor(url: string, kubeconfig: string): Api {
  const config = parse(readFileSync(kubeconfig, 'utf8')) as {
    clusters: Array<{ cluster: { 'certificate-authority-data': string } }>;
    users: Array<{ user: { token: string } }>;
  };
  const ca = Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64');
  const token = config.users[0]!.user.token;
  const agent = new Agent({ keepAlive: true, ca });
  return {
    call: (method, path, body, contentType = 'application/json') =>
      new Promise((resolve, reject) => {
        const req = request(
          `${url}${path}`,
          {
            method,
            agent,
            headers: {
              Authorization: `Bearer ${token}`,
              'Content-Type': contentType,
              Accept: 'application/json',
            },
          },
          (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString('utf8')));
            res.on('error', reject);
            res.on('end', () => {
              try {
                resolve({
                  code: res.statusCode ?? 0,
                  json: text ? (JSON.parse(text) as unknown) : undefined,
                });
              } catch (err) {
                reject(err instanceof Error ? err : new Error(String(err)));
              }
            });
          },
        );
        req.on('error', reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      }),
  };
}

function runKubectl(
  kubeconfig: string,
  args: readonly string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      kubectl ?? 'kubectl',
      ['--kubeconfig', kubeconfig, '--cache-dir', join(root, 'kube-cache'), '--request-timeout=20s', ...args],
      { timeout: 90_000, env: { ...process.env, HOME: root, KUBECONFIG: kubeconfig } },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

describe('durable state: SIGKILL', () => {
  test(
    'SIGKILL mid-rollout loses no acknowledged write; after a restart the rollout completes',
    { skip: kubectl ? false : 'kubectl is not installed', timeout: 180_000 },
    async () => {
      const dataDir = join(root, 'sigkill');
      const kubeconfig = join(dataDir, 'kubeconfig');
      const nodes = 5;
      let child: Child | undefined = await spawnUp(dataDir, ['--nodes', String(nodes)]);
      try {
        const api = apiFor(child.url, kubeconfig);
        const dsPath = '/apis/apps/v1/namespaces/default/daemonsets/agent';
        const getDs = async (a: Api): Promise<DaemonSet | undefined> => {
          const r = await a.call('GET', dsPath);
          return r.code === 200 ? (r.json as DaemonSet) : undefined;
        };

        const nodeUids = async (a: Api): Promise<string[]> =>
          uids(((await a.call('GET', '/api/v1/nodes')).json as { items: KubeObject[] }).items);
        const nodesBefore = await nodeUids(api);
        assert.equal(nodesBefore.length, nodes);

        // kubectl apply agent:1 and wait for it.
        const apply1 = await runKubectl(
          kubeconfig,
          ['apply', '-f', '-'],
          JSON.stringify(daemonSet('agent', 'agent:1', 2)),
        );
        assert.equal(apply1.code, 0, apply1.stderr);
        await eventuallyAsync(async () => rolledOut(await getDs(api)), {
          what: 'agent:1 rolled out',
          timeoutMs: 60_000,
        });
        // Acknowledged writes stream in from 3 writers until the kill: lease creates, and updates of
        // one counter lease.
        const acked = new Map<string, number>(); // lease name → acknowledged resourceVersion
        let counter = { value: 'v-1', rv: 0 };
        let writing = true;
        const leasesPath = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
        const created = await api.call('POST', leasesPath, {
          metadata: { name: 'counter' },
          spec: { holderIdentity: 'v-1' },
        });
        assert.equal(created.code, 201);
        const writer = async (id: number): Promise<void> => {
          for (let i = 0; writing; i++) {
            try {
              const name = `ack-${id}-${i}`;
              const r = await api.call('POST', leasesPath, {
                metadata: { name },
                spec: { holderIdentity: name },
              });
              if (r.code === 201) acked.set(name, rv(r.json as KubeObject));
              const value = i * 3 + id;
              const p = await api.call(
                'PATCH',
                `${leasesPath}/counter`,
                { spec: { holderIdentity: `v${value}` } },
                'application/merge-patch+json',
              );
              const obj = p.json as KubeObject & { spec?: { holderIdentity?: string } };
              if (p.code === 200 && rv(obj) > counter.rv) {
                counter = { value: obj.spec?.holderIdentity ?? '', rv: rv(obj) };
              }
            } catch {
              return; // the server is gone: this request was never acknowledged
            }
          }
        };
        const writers = [0, 1, 2].map((id) => writer(id));

        // kubectl apply agent:2: a rolling update of ~2 s per node (minReadySeconds).
        const apply2 = await runKubectl(
          kubeconfig,
          ['apply', '-f', '-'],
          JSON.stringify(daemonSet('agent', 'agent:2', 2)),
        );
        assert.equal(apply2.code, 0, apply2.stderr);
        const acknowledgedDs = await getDs(api);
        assert.equal(acknowledgedDs?.spec?.template.spec?.containers[0]?.image, 'agent:2');

        // Kill once the rollout is under way but not done, with writes acknowledged and in flight.
        const midway = await eventuallyAsync(
          async () => {
            const ds = await getDs(api);
            const updated = ds?.status?.updatedNumberScheduled ?? 0;
            return ds?.status?.observedGeneration === 2 &&
              updated >= 1 &&
              updated <= nodes - 2 &&
              acked.size >= 100
              ? ds
              : undefined;
          },
          { what: 'the rolling update to be under way', timeoutMs: 60_000 },
        );
        child.process.kill('SIGKILL');
        await child.exited;
        writing = false;
        await Promise.all(writers);
        assert.equal(child.process.signalCode, 'SIGKILL');
        assert.ok(acked.size >= 100);
        const maxAcked = Math.max(...acked.values(), counter.rv);

        child = await spawnUp(dataDir, ['--nodes', '9']);
        assert.match(child.stdout(), /resuming everynode/);
        assert.match(child.stdout(), /--nodes and --control-plane .* ignored/);
        const api2 = apiFor(child.url, kubeconfig);

        // Every acknowledged write is there, with the same or a newer resourceVersion.
        const list = await api2.call('GET', leasesPath);
        assert.equal(list.code, 200);
        const leases = new Map(
          (list.json as { items: KubeObject[] }).items.map((l) => [l.metadata?.name ?? '', l] as const),
        );
        const missing = [...acked.keys()].filter((n) => !leases.has(n));
        assert.deepEqual(missing, [], `${missing.length} of ${acked.size} acknowledged leases are missing`);
        for (const [name, ackedRv] of acked) assert.ok(rv(leases.get(name)) >= ackedRv, name);
        const counterNow = leases.get('counter') as
          (KubeObject & { spec?: { holderIdentity?: string } }) | undefined;
        assert.ok(rv(counterNow) >= counter.rv);
        if (rv(counterNow) === counter.rv) assert.equal(counterNow?.spec?.holderIdentity, counter.value);
        const dsAfter = await getDs(api2);
        assert.equal(dsAfter?.metadata?.uid, midway.metadata?.uid);
        assert.equal(dsAfter?.metadata?.generation, 2);
        assert.equal(dsAfter?.spec?.template.spec?.containers[0]?.image, 'agent:2');

        // The rollout completes; one agent:2 pod per node, nothing duplicated, no node re-created.
        const status = await runKubectl(kubeconfig, ['rollout', 'status', 'ds/agent', '--timeout=90s']);
        assert.equal(status.code, 0, `${status.stdout}\n${status.stderr}`);
        assert.match(status.stdout, /successfully rolled out/);
        assert.deepEqual(await nodeUids(api2), nodesBefore);
        const history = await api2.call('GET', '/apis/apps/v1/namespaces/default/controllerrevisions');
        assert.equal((history.json as { items: unknown[] }).items.length, 2);
        const pods = (await api2.call('GET', '/api/v1/namespaces/default/pods')).json as { items: Pod[] };
        const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
        assert.equal(live.length, nodes);
        assert.equal(new Set(live.map((p) => p.spec?.nodeName)).size, nodes);
        for (const p of live) assert.equal(p.spec?.containers[0]?.image, 'agent:2');

        // resourceVersions keep increasing across the kill.
        const probe = await api2.call('POST', leasesPath, { metadata: { name: 'after-restart' } });
        assert.equal(probe.code, 201);
        assert.ok(rv(probe.json as KubeObject) > maxAcked);
      } finally {
        if (child && child.process.exitCode === null && child.process.signalCode === null) {
          child.process.kill('SIGTERM');
          await child.exited;
        }
      }
    },
  );
});
