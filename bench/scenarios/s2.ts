/**
 * S2: 10,000 nodes × 5 DaemonSets (50,000 pods), in-process, timed from creating the five until
 * all are Ready with exact status. S7: the same cluster's memory after a forced GC — the
 * controller's own heap (its informers' caches and indexes, expectations, queues) beyond the
 * store's objects, measured by stopping the controller and collecting again; and the whole
 * cluster's heap per node and per pod.
 */
import { resources } from '../../src/api/resources.js';
import type { EmbeddedCluster } from '../../src/cluster/embedded-cluster.js';
import {
  BENCH_NAMESPACE,
  createAndConverge,
  heapAfterGc,
  startCluster,
  startController,
  waitNodesReady,
} from '../lib/harness.js';
import type { RunningController } from '../lib/harness.js';
import type { RunResult } from '../lib/report.js';
import { peakRssMB, round } from '../lib/report.js';
import { verifyConverged } from './s1.js';
import type { ScenarioContext } from './context.js';

const DAEMONSETS = 5;

function names(): string[] {
  return Array.from({ length: DAEMONSETS }, (_, i) => `s2-${i + 1}`);
}

async function converge(
  cluster: EmbeddedCluster,
  nodes: number,
  ctx: ScenarioContext,
  ownInformers = false,
): Promise<{ seconds: number; ctrl: RunningController }> {
  const store = cluster.store;
  const ctrl = await startController(cluster, { equalBudget: ctx.equalBudget, ownInformers });
  const seconds = await createAndConverge(cluster, names(), nodes, ctx);
  for (const n of names()) {
    const ds = store.get(resources.daemonsets, BENCH_NAMESPACE, n);
    if (!ds) throw new Error(`${n} vanished`);
    verifyConverged(store, ds, nodes);
  }
  return { seconds, ctrl };
}

export async function runS2(ctx: ScenarioContext): Promise<RunResult> {
  const nodes = ctx.nodes ?? 10_000;
  ctx.progress(`starting ${nodes} nodes`, true);
  const cluster = await startCluster({ nodes });
  try {
    await waitNodesReady(cluster, nodes, ctx);
    const { seconds, ctrl } = await converge(cluster, nodes, ctx);
    const writes = ctrl.writes.total;
    await ctrl.stop();
    return {
      scenario: 'S2',
      mode: ctx.equalBudget ? 'in-process equal-budget' : 'in-process',
      nodes,
      daemonsets: DAEMONSETS,
      seconds: round(seconds),
      floorSeconds: null,
      efficiency: null,
      writesPerPod: round(writes / (nodes * DAEMONSETS), 4),
      peakRssMB: peakRssMB(),
      heapPerNodeBytes: null,
      heapPerPodBytes: null,
      extra: { syncs: ctrl.controller.stats.syncs },
    };
  } finally {
    await cluster.stop();
  }
}

export async function runS7(ctx: ScenarioContext): Promise<RunResult> {
  const nodes = ctx.nodes ?? 10_000;
  const pods = nodes * DAEMONSETS;
  const baseline = heapAfterGc();
  ctx.progress(`starting ${nodes} nodes`, true);
  const cluster = await startCluster({ nodes });
  try {
    await waitNodesReady(cluster, nodes, ctx);
    const withNodes = heapAfterGc();
    // Informers of its own: what stopping it frees is then everything the controller holds.
    const converged: { seconds: number; ctrl: RunningController | undefined } = await converge(
      cluster,
      nodes,
      ctx,
      true,
    );
    const seconds = converged.seconds;
    // Let the last status writes and events settle before measuring.
    await new Promise((r) => setTimeout(r, 1000));
    const withController = heapAfterGc();
    const syncs = converged.ctrl?.controller.stats.syncs ?? 0;
    await converged.ctrl?.stop();
    // Nothing may hold the controller now: its informers' caches and indexes become garbage.
    converged.ctrl = undefined;
    const released = releaseAndMeasure();
    const controllerHeap = Math.max(0, withController - released);
    return {
      scenario: 'S7',
      mode: 'in-process',
      nodes,
      daemonsets: DAEMONSETS,
      seconds: round(seconds),
      floorSeconds: null,
      efficiency: null,
      writesPerPod: null,
      peakRssMB: peakRssMB(),
      // One heap for both kinds of object: reported per cached object (node or pod) in both fields.
      heapPerNodeBytes: Math.round(controllerHeap / (nodes + pods)),
      heapPerPodBytes: Math.round(controllerHeap / (nodes + pods)),
      extra: {
        controllerHeapMB: round(controllerHeap / 2 ** 20, 1),
        clusterHeapPerNodeBytes: Math.round((withNodes - baseline) / nodes),
        clusterHeapPerPodBytes: Math.round((released - withNodes) / pods),
        syncs,
      },
    };
  } finally {
    await cluster.stop();
  }
}

/** A separate frame, so that no local of the caller keeps the stopped controller alive. */
function releaseAndMeasure(): number {
  return heapAfterGc();
}
