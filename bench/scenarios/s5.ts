/**
 * S5: heartbeat flood. N nodes (default 10,000) with 3 converged DaemonSets; every node renews
 * its Lease (the simulated kubelets, every 10 s) and its conditions' heartbeats (this harness,
 * every 10 s: 1,000 node status writes a second at 10,000 nodes) for 20 s. Counted: DaemonSet
 * syncs and controller writes in that window. Controller CPU: the process's CPU time in the
 * window minus its CPU time in an identical window after the controller stopped.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { resources } from '../../src/api/resources.js';
import type { EmbeddedCluster } from '../../src/cluster/embedded-cluster.js';
import { rfc3339 } from '../../src/util/clock.js';
import { createAndConverge, startCluster, startController, waitNodesReady } from '../lib/harness.js';
import type { RunResult } from '../lib/report.js';
import { peakRssMB, round } from '../lib/report.js';
import type { ScenarioContext } from './context.js';

const DAEMONSETS = ['s5-a', 's5-b', 's5-c'];
const PERIOD_S = 10;
const WINDOW_S = 20;

/** Writes every node's heartbeat once per PERIOD_S, spread evenly, for `seconds`; returns writes. */
async function heartbeats(
  cluster: EmbeddedCluster,
  names: readonly string[],
  seconds: number,
  progress: (s: string) => void,
): Promise<number> {
  const started = performance.now();
  const perSecond = names.length / PERIOD_S;
  let sent = 0;
  for (;;) {
    const elapsed = (performance.now() - started) / 1000;
    if (elapsed >= seconds) return sent;
    const due = Math.floor(elapsed * perSecond);
    while (sent < due) {
      const name = names[sent % names.length] ?? '';
      sent++;
      const node = cluster.store.get(resources.nodes, '', name);
      if (!node) continue;
      const now = rfc3339(Date.now());
      const status: Node['status'] = {
        ...node.status,
        conditions: (node.status?.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: now })),
      };
      await cluster.client.updateStatus(resources.nodes, { ...node, status });
    }
    progress(`${sent} heartbeats (${Math.round(sent / Math.max(elapsed, 0.001))}/s)`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export async function runS5(ctx: ScenarioContext): Promise<RunResult> {
  const nodes = ctx.nodes ?? 10_000;
  ctx.progress(`starting ${nodes} nodes`, true);
  const cluster = await startCluster({ nodes });
  try {
    await waitNodesReady(cluster, nodes, ctx);
    const store = cluster.store;
    const names = store.list(resources.nodes).items.map((n) => n.metadata?.name ?? '');
    const ctrl = await startController(cluster, { equalBudget: ctx.equalBudget, ownInformers: true });
    let stopped = false;
    try {
      await createAndConverge(cluster, DAEMONSETS, nodes, ctx);
      await new Promise((r) => setTimeout(r, 2000));
      const syncs0 = ctrl.controller.stats.syncs;
      const writes0 = ctrl.writes.total;
      let cpu0 = cpuMs();
      const sent = await heartbeats(cluster, names, WINDOW_S, (s) => ctx.progress(`with controller: ${s}`));
      const withController = cpuMs() - cpu0;
      const syncs = ctrl.controller.stats.syncs - syncs0;
      const writes = ctrl.writes.total - writes0;
      await ctrl.stop();
      stopped = true;
      cpu0 = cpuMs();
      await heartbeats(cluster, names, WINDOW_S, (s) => ctx.progress(`without controller: ${s}`));
      const without = cpuMs() - cpu0;
      const controllerCpu = Math.max(0, withController - without) / (WINDOW_S * 1000);
      return {
        scenario: 'S5',
        mode: 'in-process',
        nodes,
        daemonsets: DAEMONSETS.length,
        seconds: WINDOW_S,
        floorSeconds: null,
        efficiency: null,
        writesPerPod: null,
        peakRssMB: peakRssMB(),
        heapPerNodeBytes: null,
        heapPerPodBytes: null,
        extra: {
          syncs,
          writes,
          heartbeatsPerSecond: Math.round(sent / WINDOW_S),
          controllerCpuPercent: round(controllerCpu * 100, 2),
          processCpuPercent: round((withController / (WINDOW_S * 1000)) * 100, 1),
        },
      };
    } finally {
      if (!stopped) await ctrl.stop();
    }
  } finally {
    await cluster.stop();
  }
}
