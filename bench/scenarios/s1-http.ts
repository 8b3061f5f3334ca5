/**
 * S1 over HTTP: `everynode up` (in this process) with its DaemonSet controller off, and
 * `everynode controller` as a separate process talking HTTPS to it, unthrottled (`--qps 0`, as
 * upstream's "uncapped" arm) or at upstream's 20 QPS / burst 30 with `--equal-budget`. The floor
 * is a separate process issuing S1's writes over the same transport. Writes are counted by the
 * API server (requests of the admin user the controller authenticates as).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { resources } from '../../src/api/resources.js';
import type { RunningCluster } from '../../src/cli/up.js';
import { startUp } from '../../src/cli/up.js';
import {
  BENCH_NAMESPACE,
  PodTally,
  benchDaemonSet,
  startTimedWindow,
  statusConverged,
  waitFor,
  waitNodesReady,
} from '../lib/harness.js';
import type { RunResult } from '../lib/report.js';
import { efficiency, peakRssMB, round } from '../lib/report.js';
import { S1_NAME, verifyConverged } from './s1.js';
import type { ScenarioContext } from './context.js';

const NAME = S1_NAME;
const root = fileURLToPath(new URL('../..', import.meta.url));
const READ_VERBS = new Set(['GET', 'LIST', 'WATCH']);

async function cluster(nodes: number, dir: string): Promise<RunningCluster> {
  return startUp({
    nodes,
    controlPlane: false,
    port: 0,
    address: '127.0.0.1',
    dataDir: join(dir, 'data'),
    kubeletProfile: 'fast',
    controllers: '*,-daemonset',
    insecureHttp: false,
    persistence: 'memory',
    logger: pino({ level: 'silent' }),
    out: () => {},
  });
}

/** Spawns a TypeScript entry point; resolves once it prints `line` on stdout (or its log does on stderr). */
function start(args: readonly string[], ready: RegExp, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`${args[0]} did not start: ${seen.slice(-500)}`)),
      timeoutMs,
    );
    const onData = (d: Buffer): void => {
      seen += d.toString();
      if (ready.test(seen)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${args[0]} exited ${code}: ${seen.slice(-500)}`)));
  });
}

function writes(running: RunningCluster): number {
  return running.server
    .requestCounts()
    .filter((c) => !READ_VERBS.has(c.verb))
    .reduce((n, c) => n + c.count, 0);
}

async function arm(
  ctx: ScenarioContext,
  nodes: number,
  floor: boolean,
): Promise<{ seconds: number; writes: number }> {
  const label = floor ? 'floor' : 'controller';
  const dir = mkdtempSync(join(tmpdir(), 'everynode-bench-'));
  ctx.progress(`${label}: starting ${nodes} nodes behind the API server`, true);
  const running = await cluster(nodes, dir);
  let child: ChildProcess | undefined;
  try {
    await waitNodesReady(running.cluster, nodes, ctx);
    child = floor
      ? await start(
          ['bench/null-controller-main.ts', running.kubeconfig, BENCH_NAMESPACE, NAME],
          /ready/,
          60_000,
        )
      : await start(
          [
            'src/cli/main.ts',
            'controller',
            '--kubeconfig',
            running.kubeconfig,
            '--metrics-address',
            '127.0.0.1:0',
            ...(ctx.equalBudget ? ['--qps', '20', '--burst', '30'] : ['--qps', '0']),
          ],
          /informers synced/,
          120_000,
        );
    const store = running.cluster.store;
    const tally = new PodTally(store, `app=${NAME}`);
    const writes0 = writes(running);
    try {
      const started = startTimedWindow();
      await running.cluster.client.create(resources.daemonsets, benchDaemonSet(NAME));
      const ended = await waitFor(
        store,
        [resources.daemonsets],
        () => statusConverged(store.get(resources.daemonsets, BENCH_NAMESPACE, NAME), nodes),
        ctx.timeoutMs,
        `${NAME} converged over HTTP (${label})`,
        () => ctx.progress(`${label}: ${tally.liveCount} pods, ${tally.readyCount} Ready of ${nodes}`),
      );
      const ds = store.get(resources.daemonsets, BENCH_NAMESPACE, NAME);
      if (!ds) throw new Error('the DaemonSet vanished');
      verifyConverged(store, ds, nodes);
      return { seconds: (ended - started) / 1000, writes: writes(running) - writes0 };
    } finally {
      tally.stop();
    }
  } finally {
    child?.kill('SIGKILL');
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runS1Http(ctx: ScenarioContext): Promise<RunResult> {
  const nodes = ctx.nodes ?? 5000;
  const floor = await arm(ctx, nodes, true);
  const ts = await arm(ctx, nodes, false);
  return {
    scenario: 'S1',
    mode: ctx.equalBudget ? 'http equal-budget' : 'http',
    nodes,
    daemonsets: 1,
    seconds: round(ts.seconds),
    floorSeconds: round(floor.seconds),
    efficiency: efficiency(floor.seconds, ts.seconds),
    writesPerPod: round(ts.writes / nodes, 4),
    peakRssMB: peakRssMB(),
    heapPerNodeBytes: null,
    heapPerPodBytes: null,
  };
}
