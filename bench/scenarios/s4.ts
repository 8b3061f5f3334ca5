/**
 * S4: node churn on a cluster of N nodes (default 5,000) with 3 converged DaemonSets: for 30 s,
 * 100 nodes join and 100 leave every second. For every joined node and DaemonSet, the latency
 * from the node turning Ready to its daemon pod being created (0 when the pod came first: daemon
 * pods tolerate not-ready nodes); p50/p99 in ms. Also from the node's creation.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { getTargetNodeName } from '../../src/api/scheduling.js';
import { resources } from '../../src/api/resources.js';
import { nodeObject } from '../../src/cluster/embedded-cluster.js';
import type { WatchHandle } from '../../src/store/types.js';
import {
  BENCH_NAMESPACE,
  createAndConverge,
  startCluster,
  startController,
  waitNodesReady,
} from '../lib/harness.js';
import type { RunResult } from '../lib/report.js';
import { peakRssMB, round } from '../lib/report.js';
import type { ScenarioContext } from './context.js';

const DAEMONSETS = ['s4-a', 's4-b', 's4-c'];
const RATE = 100;
const DURATION_S = 30;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function isReady(n: Node): boolean {
  return (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export async function runS4(ctx: ScenarioContext): Promise<RunResult> {
  const nodes = ctx.nodes ?? 5000;
  ctx.progress(`starting ${nodes} nodes`, true);
  const cluster = await startCluster({ nodes });
  const handles: WatchHandle[] = [];
  try {
    await waitNodesReady(cluster, nodes, ctx);
    const store = cluster.store;
    const ctrl = await startController(cluster, { equalBudget: ctx.equalBudget });
    try {
      await createAndConverge(cluster, DAEMONSETS, nodes, ctx);
      const createdAt = new Map<string, number>();
      const readyAt = new Map<string, number>();
      const podAt = new Map<string, number>();
      handles.push(
        store.watch<Node>(
          resources.nodes,
          { resourceVersion: store.revision() },
          {
            onEvent: (ev) => {
              const name = ev.object.metadata?.name ?? '';
              if (!name.startsWith('churn-') || readyAt.has(name) || !isReady(ev.object)) return;
              readyAt.set(name, performance.now());
            },
            onClose: () => {},
          },
        ),
        store.watch<Pod>(
          resources.pods,
          { resourceVersion: store.revision(), namespace: BENCH_NAMESPACE },
          {
            onEvent: (ev) => {
              if (ev.type !== 'ADDED') return;
              const node = getTargetNodeName(ev.object) ?? '';
              if (!node.startsWith('churn-')) return;
              const key = `${node}/${ev.object.metadata?.labels?.app ?? ''}`;
              if (!podAt.has(key)) podAt.set(key, performance.now());
            },
            onClose: () => {},
          },
        ),
      );
      const syncsBefore = ctrl.controller.stats.syncs;
      const started = performance.now();
      let added = 0;
      let removed = 0;
      const total = RATE * DURATION_S;
      while (added < total) {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
        while (added < due) {
          const name = `churn-${++added}`;
          createdAt.set(name, performance.now());
          await cluster.client.create(resources.nodes, nodeObject({}, name));
          // Only nodes of the base cluster leave (all of them, on clusters under 3,000 nodes).
          if (removed < nodes) await cluster.client.delete(resources.nodes, '', `node-${++removed}`);
        }
        ctx.progress(`churn: +${added} −${removed} nodes, ${podAt.size} daemon pods on new nodes`);
        await new Promise((r) => setTimeout(r, 10));
      }
      const churnSeconds = (performance.now() - started) / 1000;
      const want = total * DAEMONSETS.length;
      const deadline = Date.now() + 60_000;
      while (podAt.size < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (podAt.size < want)
        throw new Error(`invalid run: ${podAt.size} of ${want} daemon pods created on new nodes`);
      const fromReady: number[] = [];
      const fromCreated: number[] = [];
      for (const [key, at] of podAt) {
        const node = key.slice(0, key.indexOf('/'));
        fromReady.push(Math.max(0, at - (readyAt.get(node) ?? at)));
        fromCreated.push(at - (createdAt.get(node) ?? at));
      }
      fromReady.sort((a, b) => a - b);
      fromCreated.sort((a, b) => a - b);
      return {
        scenario: 'S4',
        mode: ctx.equalBudget ? 'in-process equal-budget' : 'in-process',
        nodes,
        daemonsets: DAEMONSETS.length,
        seconds: round(churnSeconds),
        floorSeconds: null,
        efficiency: null,
        writesPerPod: null,
        peakRssMB: peakRssMB(),
        heapPerNodeBytes: null,
        heapPerPodBytes: null,
        extra: {
          p50Ms: round(percentile(fromReady, 50), 1),
          p99Ms: round(percentile(fromReady, 99), 1),
          maxMs: round(fromReady[fromReady.length - 1] ?? 0, 1),
          p99FromCreatedMs: round(percentile(fromCreated, 99), 1),
          syncs: ctrl.controller.stats.syncs - syncsBefore,
          meanSyncMs: round(ctrl.syncMs.total / Math.max(1, ctrl.controller.stats.syncs), 2),
        },
      };
    } finally {
      await ctrl.stop();
    }
  } finally {
    for (const h of handles) h.stop();
    await cluster.stop();
  }
}
