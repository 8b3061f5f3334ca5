/**
 * S1: one DaemonSet on N nodes (default 5,000), timed from its creation until every pod is Ready
 * and the status is exact; in-process, and over HTTP (see s1-http.ts). The floor arm times the
 * null controller's writes on an identical cluster.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { resources } from '../../src/api/resources.js';
import { parseSelector } from '../../src/api/labels.js';
import type { EmbeddedCluster } from '../../src/cluster/embedded-cluster.js';
import type { Store } from '../../src/store/types.js';
import {
  BENCH_NAMESPACE,
  PodTally,
  WriteCounter,
  benchDaemonSet,
  startCluster,
  startController,
  startTimedWindow,
  statusConverged,
  waitFor,
  waitNodesReady,
} from '../lib/harness.js';
import { nullCreate } from '../lib/null-controller.js';
import type { RunResult } from '../lib/report.js';
import { efficiency, peakRssMB, round } from '../lib/report.js';
import type { ScenarioContext } from './context.js';

/** The S1 DaemonSet's name (in-process and over HTTP). */
export const S1_NAME = 's1';
const NAME = S1_NAME;

/** Fails the run unless the stored pods agree with the status: one Ready pod on every node. */
export function verifyConverged(store: Store, ds: DaemonSet, nodes: number): void {
  const live = store
    .list(resources.pods, {
      namespace: ds.metadata?.namespace ?? BENCH_NAMESPACE,
      labelSelector: parseSelector(`app=${ds.metadata?.name ?? ''}`),
    })
    .items.filter((p) => !p.metadata?.deletionTimestamp);
  const perNode = new Set(live.map((p) => p.spec?.nodeName));
  const ready = live.filter((p) =>
    (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  if (live.length !== nodes || perNode.size !== nodes || ready.length !== nodes) {
    throw new Error(
      `invalid run: ${live.length} live pods on ${perNode.size} nodes, ${ready.length} Ready; want ${nodes}`,
    );
  }
}

/**
 * S1's timed phase on a settled cluster: creates the DaemonSet, runs `floor` (the null
 * controller's writes) if given, and returns the seconds until it converged, checked.
 */
export async function createAndWait(
  cluster: EmbeddedCluster,
  nodes: number,
  ctx: ScenarioContext,
  arm: string,
  floor?: (cluster: EmbeddedCluster) => Promise<void>,
): Promise<number> {
  const store = cluster.store;
  const tally = new PodTally(store, `app=${NAME}`);
  try {
    const started = startTimedWindow();
    await cluster.client.create(resources.daemonsets, benchDaemonSet(NAME));
    const converged = waitFor(
      store,
      [resources.daemonsets],
      () => statusConverged(store.get(resources.daemonsets, BENCH_NAMESPACE, NAME), nodes),
      ctx.timeoutMs,
      `${NAME} converged (${arm})`,
      () => ctx.progress(`${arm}: ${tally.liveCount} pods, ${tally.readyCount} Ready of ${nodes}`),
    );
    if (floor) await floor(cluster);
    const ended = await converged;
    const ds = store.get(resources.daemonsets, BENCH_NAMESPACE, NAME);
    if (!ds) throw new Error('the DaemonSet vanished');
    verifyConverged(store, ds, nodes);
    return (ended - started) / 1000;
  } finally {
    tally.stop();
  }
}

export async function runS1InProcess(ctx: ScenarioContext): Promise<RunResult> {
  const nodes = ctx.nodes ?? 5000;
  // Floor arm: the null controller on its own identical cluster.
  ctx.progress(`floor: starting ${nodes} nodes`, true);
  let cluster = await startCluster({ nodes });
  let floorSeconds: number;
  try {
    await waitNodesReady(cluster, nodes, ctx);
    const counter = new WriteCounter();
    const client = counter.wrap(cluster.client);
    floorSeconds = await createAndWait(cluster, nodes, ctx, 'floor', () =>
      nullCreate(client, BENCH_NAMESPACE, NAME),
    );
  } finally {
    await cluster.stop();
  }

  ctx.progress(`controller: starting ${nodes} nodes`, true);
  cluster = await startCluster({ nodes });
  try {
    await waitNodesReady(cluster, nodes, ctx);
    const ctrl = await startController(cluster, { equalBudget: ctx.equalBudget });
    try {
      const seconds = await createAndWait(cluster, nodes, ctx, 'controller');
      return {
        scenario: 'S1',
        mode: ctx.equalBudget ? 'in-process equal-budget' : 'in-process',
        nodes,
        daemonsets: 1,
        seconds: round(seconds),
        floorSeconds: round(floorSeconds),
        efficiency: efficiency(floorSeconds, seconds),
        writesPerPod: round(ctrl.writes.total / nodes, 4),
        peakRssMB: peakRssMB(),
        heapPerNodeBytes: null,
        heapPerPodBytes: null,
        extra: {
          syncs: ctrl.controller.stats.syncs,
          meanSyncMs: round(ctrl.syncMs.total / Math.max(1, ctrl.controller.stats.syncs), 2),
        },
      };
    } finally {
      await ctrl.stop();
    }
  } finally {
    await cluster.stop();
  }
}
