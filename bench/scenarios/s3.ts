/**
 * S3: a rolling update on N nodes (default 5,000): maxUnavailable 10% (S3b: maxSurge 10%,
 * maxUnavailable 0), the kubelet reporting Ready 0 s or 1 s after start (readinessProbe
 * initialDelaySeconds). Timed from the template change until every pod is of the new template,
 * Ready, and the status exact. A watch records the largest number of nodes without a Ready daemon
 * pod and the most live pods one node held at once.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseSelector } from '../../src/api/labels.js';
import { getTargetNodeName } from '../../src/api/scheduling.js';
import { resources } from '../../src/api/resources.js';
import type { EmbeddedCluster } from '../../src/cluster/embedded-cluster.js';
import { computeHash } from '../../src/controllers/daemonset/hash.js';
import type { Store, WatchHandle } from '../../src/store/types.js';
import {
  BENCH_NAMESPACE,
  WriteCounter,
  benchDaemonSet,
  isPodReady,
  startCluster,
  startController,
  startTimedWindow,
  statusConverged,
  waitFor,
  waitNodesReady,
} from '../lib/harness.js';
import type { RunningController } from '../lib/harness.js';
import { nullCreate, nullRollout } from '../lib/null-controller.js';
import type { RunResult } from '../lib/report.js';
import { efficiency, peakRssMB, round } from '../lib/report.js';
import type { ScenarioContext } from './context.js';

const NAME = 's3';

export interface S3Variant {
  readonly surge: boolean;
  readonly readySeconds: 0 | 1;
}

function daemonSet(v: S3Variant): DaemonSet {
  const ds = benchDaemonSet(NAME, {
    updateStrategy: {
      type: 'RollingUpdate',
      rollingUpdate: v.surge
        ? { maxSurge: '10%', maxUnavailable: 0 }
        : { maxUnavailable: '10%', maxSurge: 0 },
    },
  });
  if (v.readySeconds > 0) {
    const c = ds.spec?.template.spec?.containers[0];
    if (c)
      Object.assign(c, {
        readinessProbe: { exec: { command: ['true'] }, initialDelaySeconds: v.readySeconds },
      });
  }
  return ds;
}

/** Nodes without a Ready live daemon pod, and live pods per node, kept from a watch. */
export class AvailabilityWatch {
  maxUnavailable = 0;
  maxPodsPerNode = 0;
  private readonly ready = new Map<string, Set<string>>();
  private readonly live = new Map<string, Set<string>>();
  private readonly nodeOf = new Map<string, string>();
  private readonly handle: WatchHandle;
  private measuring = false;

  constructor(
    store: Store,
    private readonly desired: number,
  ) {
    this.handle = store.watch<Pod>(
      resources.pods,
      { namespace: BENCH_NAMESPACE, labelSelector: parseSelector(`app=${NAME}`) },
      { onEvent: (ev) => this.observe(ev.type, ev.object), onClose: () => {} },
    );
  }

  /** Starts recording maxima (after the initial state has been replayed). */
  start(): void {
    this.measuring = true;
  }

  private observe(type: string, pod: Pod): void {
    const name = pod.metadata?.name ?? '';
    const node = this.nodeOf.get(name) ?? getTargetNodeName(pod) ?? '';
    this.nodeOf.set(name, node);
    const gone = type === 'DELETED' || pod.metadata?.deletionTimestamp !== undefined;
    const set = (m: Map<string, Set<string>>, on: boolean): void => {
      let s = m.get(node);
      if (!s) m.set(node, (s = new Set()));
      if (on) s.add(name);
      else s.delete(name);
      if (s.size === 0) m.delete(node);
    };
    set(this.live, !gone);
    set(this.ready, !gone && isPodReady(pod));
    if (type === 'DELETED') this.nodeOf.delete(name);
    if (!this.measuring) return;
    this.maxUnavailable = Math.max(this.maxUnavailable, this.desired - this.ready.size);
    this.maxPodsPerNode = Math.max(this.maxPodsPerNode, this.live.get(node)?.size ?? 0);
  }

  stop(): void {
    this.handle.stop();
  }
}

function allUpdated(store: Store, nodes: number): boolean {
  const ds = store.get(resources.daemonsets, BENCH_NAMESPACE, NAME);
  return statusConverged(ds, nodes) && (ds?.status?.observedGeneration ?? 0) >= 2;
}

function verifyRolledOut(store: Store, nodes: number, v: S3Variant): void {
  const ds = store.get(resources.daemonsets, BENCH_NAMESPACE, NAME);
  const probe = ds?.spec?.template.spec?.containers[0]?.readinessProbe;
  if ((probe?.initialDelaySeconds ?? 0) !== v.readySeconds) {
    throw new Error(`invalid run: the updated template's readiness delay is not ${v.readySeconds} s`);
  }
  const hash = computeHash(ds?.spec?.template, ds?.status?.collisionCount);
  const live = store
    .list(resources.pods, { namespace: BENCH_NAMESPACE, labelSelector: parseSelector(`app=${NAME}`) })
    .items.filter((p) => !p.metadata?.deletionTimestamp);
  const fresh = live.filter(
    (p) => p.metadata?.labels?.['controller-revision-hash'] === hash && isPodReady(p),
  );
  const perNode = new Set(fresh.map((p) => p.spec?.nodeName));
  if (live.length !== nodes || fresh.length !== nodes || perNode.size !== nodes) {
    throw new Error(
      `invalid run: ${live.length} live pods, ${fresh.length} new and Ready on ${perNode.size} nodes; want ${nodes}`,
    );
  }
}

interface Arm {
  seconds: number;
  writes: number;
  maxUnavailable: number;
  maxPodsPerNode: number;
}

async function runArm(ctx: ScenarioContext, v: S3Variant, nodes: number, floor: boolean): Promise<Arm> {
  const label = floor ? 'floor' : 'controller';
  ctx.progress(`${label}: starting ${nodes} nodes`, true);
  const cluster: EmbeddedCluster = await startCluster({ nodes });
  let ctrl: RunningController | undefined;
  try {
    await waitNodesReady(cluster, nodes, ctx);
    const store = cluster.store;
    const counter = new WriteCounter();
    const client = counter.wrap(cluster.client);
    if (!floor) ctrl = await startController(cluster, { equalBudget: ctx.equalBudget });
    await cluster.client.create(resources.daemonsets, daemonSet(v));
    if (floor) await nullCreate(client, BENCH_NAMESPACE, NAME);
    ctx.progress(`${label}: first rollout of ${nodes} pods`, true);
    await waitFor(
      store,
      [resources.daemonsets],
      () => statusConverged(store.get(resources.daemonsets, BENCH_NAMESPACE, NAME), nodes),
      ctx.timeoutMs,
      `${NAME} converged before the update`,
    );
    const watch = new AvailabilityWatch(store, nodes);
    try {
      await new Promise((r) => setImmediate(r));
      watch.start();
      const writesBefore = ctrl ? ctrl.writes.total : counter.total;
      const started = startTimedWindow();
      const current = store.get(resources.daemonsets, BENCH_NAMESPACE, NAME);
      if (!current) throw new Error('the DaemonSet vanished');
      // A strategic merge patch (as `kubectl set image` sends): the container keeps its probe.
      await cluster.client.patch(resources.daemonsets, BENCH_NAMESPACE, NAME, 'strategic', {
        spec: {
          template: { spec: { containers: [{ name: 'agent', image: 'registry.k8s.io/pause:3.10' }] } },
        },
      });
      const done = waitFor(
        store,
        [resources.daemonsets],
        () => allUpdated(store, nodes),
        ctx.timeoutMs,
        `${NAME} rolled out`,
        () => ctx.progress(`${label}: rolling, unavailable now ≤ ${watch.maxUnavailable} (max)`),
      );
      if (floor) {
        const window = Math.ceil(nodes / 10);
        await nullRollout(client, BENCH_NAMESPACE, NAME, window, v.surge);
      }
      const ended = await done;
      verifyRolledOut(store, nodes, v);
      return {
        seconds: (ended - started) / 1000,
        writes: (ctrl ? ctrl.writes.total : counter.total) - writesBefore,
        maxUnavailable: watch.maxUnavailable,
        maxPodsPerNode: watch.maxPodsPerNode,
      };
    } finally {
      watch.stop();
    }
  } finally {
    await ctrl?.stop();
    await cluster.stop();
  }
}

export function s3(v: S3Variant): (ctx: ScenarioContext) => Promise<RunResult> {
  return async (ctx) => {
    const nodes = ctx.nodes ?? 5000;
    const floorArm = await runArm(ctx, v, nodes, true);
    const arm = await runArm(ctx, v, nodes, false);
    return {
      scenario: v.surge ? 'S3b' : 'S3',
      mode: `in-process ready=${v.readySeconds}s${ctx.equalBudget ? ' equal-budget' : ''}`,
      nodes,
      daemonsets: 1,
      seconds: round(arm.seconds),
      floorSeconds: round(floorArm.seconds),
      efficiency: efficiency(floorArm.seconds, arm.seconds),
      writesPerPod: round(arm.writes / nodes, 4),
      peakRssMB: peakRssMB(),
      heapPerNodeBytes: null,
      heapPerPodBytes: null,
      extra: {
        maxUnavailable: arm.maxUnavailable,
        maxPodsPerNode: arm.maxPodsPerNode,
        floorMaxUnavailable: floorArm.maxUnavailable,
      },
    };
  };
}
