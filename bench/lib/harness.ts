/**
 * Shared pieces of the benchmark scenarios: an embedded cluster without its built-in DaemonSet
 * controller, the controller started on its own manager with a write-counting client (and, for
 * `--equal-budget`, upstream's client budget), and watch-based observers that time convergence.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../../src/api/resources.js';
import { parseSelector } from '../../src/api/labels.js';
import type { ResourceType } from '../../src/api/resources.js';
import { EmbeddedCluster } from '../../src/cluster/embedded-cluster.js';
import type { NodeShape } from '../../src/cluster/embedded-cluster.js';
import { ClientEventRecorder } from '../../src/client/events.js';
import type { Client } from '../../src/client/types.js';
import { WriteHookClient } from '../../src/client/write-hook-client.js';
import { Manager } from '../../src/controller/manager.js';
import { DaemonSetsController } from '../../src/controllers/daemonset/controller.js';
import type { KubeletProfileName } from '../../src/kubelet/profiles.js';
import type { Store, WatchHandle } from '../../src/store/types.js';
import { RealClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';
import { rateLimitedClient } from './rate-limited-client.js';

export const BENCH_NAMESPACE = 'default';

export interface ClusterOptions {
  readonly nodes: number | readonly NodeShape[];
  readonly kubeletProfile?: KubeletProfileName;
  /** Extra components to switch off, e.g. `-nodelifecycle`. */
  readonly without?: readonly string[];
}

/** An embedded cluster with every component but the DaemonSet controller, on the real clock. */
export function startCluster(options: ClusterOptions): Promise<EmbeddedCluster> {
  return EmbeddedCluster.start({
    nodes: options.nodes,
    kubeletProfile: options.kubeletProfile ?? 'fast',
    controllers: ['*', '-daemonset', ...(options.without ?? [])],
    clock: new RealClock(),
    logger: silentLogger(),
  });
}

/** Counts a client's writes by verb and resource. */
export class WriteCounter {
  readonly byKey = new Map<string, number>();
  total = 0;
  wrap(client: Client): Client {
    return new WriteHookClient(client, (verb, type: ResourceType) => {
      this.total++;
      const k = `${verb} ${type.resource}`;
      this.byKey.set(k, (this.byKey.get(k) ?? 0) + 1);
    });
  }
  count(verb: string, resource: string): number {
    return this.byKey.get(`${verb} ${resource}`) ?? 0;
  }
}

export interface RunningController {
  readonly controller: DaemonSetsController;
  readonly writes: WriteCounter;
  /** Wall time spent in syncs so far (ms): with `controller.stats.syncs`, the mean sync cost. */
  readonly syncMs: { total: number };
  stop(): Promise<void>;
}

export interface ControllerOptions {
  /** Upstream's client budget (kube-controller-manager: 20 QPS, burst 30). */
  readonly equalBudget?: boolean;
  readonly workers?: number;
  /**
   * On its own manager with its own informers, as a separate process would be (S5 needs this: it
   * stops the controller and measures the cluster without it). Default: on the cluster's manager,
   * sharing its informers, as `everynode up` runs its built-in controller.
   */
  readonly ownInformers?: boolean;
}

/** The DaemonSet controller on the cluster (shared informers, or its own), writing through a counter. */
export async function startController(
  cluster: EmbeddedCluster,
  options: ControllerOptions = {},
): Promise<RunningController> {
  const writes = new WriteCounter();
  const base = options.equalBudget ? rateLimitedClient(cluster.client, 20, 30) : cluster.client;
  const client = writes.wrap(base);
  const logger = silentLogger();
  const manager = options.ownInformers
    ? new Manager({ client, clock: cluster.clock, logger })
    : cluster.manager;
  const recorder = new ClientEventRecorder({
    client,
    clock: cluster.clock,
    logger,
    component: 'daemonset-controller',
  });
  const syncMs = { total: 0 };
  const controller = new DaemonSetsController({
    manager,
    client,
    clock: cluster.clock,
    logger,
    recorder,
    observeSync: (_key, ms) => {
      syncMs.total += ms;
    },
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
  });
  manager.add(controller);
  if (options.ownInformers) await manager.start();
  return {
    controller,
    writes,
    syncMs,
    stop: async () => {
      if (options.ownInformers) await manager.stop();
      else await manager.remove(controller);
      await recorder.flush();
    },
  };
}

/** A DaemonSet of the benchmark: one container, labels `app=<name>`, optional strategy fields. */
export function benchDaemonSet(name: string, extra: Partial<NonNullable<DaemonSet['spec']>> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: BENCH_NAMESPACE },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'agent',
              image: 'registry.k8s.io/pause:3.9',
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
            },
          ],
          terminationGracePeriodSeconds: 0,
        },
      },
      ...extra,
    },
  };
}

export function isPodReady(p: Pod): boolean {
  return (
    p.metadata?.deletionTimestamp === undefined &&
    (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** True when the DaemonSet's status is final for `desired` nodes: every counter exact, generation observed. */
export function statusConverged(ds: DaemonSet | undefined, desired: number): boolean {
  const s = ds?.status;
  return (
    s !== undefined &&
    (s.observedGeneration ?? 0) >= (ds?.metadata?.generation ?? 0) &&
    s.desiredNumberScheduled === desired &&
    s.currentNumberScheduled === desired &&
    s.numberReady === desired &&
    (s.numberAvailable ?? 0) === desired &&
    (s.updatedNumberScheduled ?? 0) === desired &&
    (s.numberUnavailable ?? 0) === 0 &&
    s.numberMisscheduled === 0
  );
}

/**
 * Resolves when `check` holds, re-evaluated after every watch event of the given types (no
 * polling: the time measured is when the store reached the state).
 */
export function waitFor(
  store: Store,
  types: readonly ResourceType[],
  check: () => boolean,
  timeoutMs: number,
  what: string,
  onProgress?: () => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const handles: WatchHandle[] = [];
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(progress);
      for (const h of handles) h.stop();
      if (err) reject(err);
      else resolve(performance.now());
    };
    const timer = setTimeout(
      () => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
    const progress = setInterval(() => onProgress?.(), 250);
    const evaluate = (): void => {
      if (!done && check()) finish();
    };
    for (const type of types) {
      handles.push(
        store.watch(
          type,
          { resourceVersion: store.revision() },
          {
            onEvent: evaluate,
            onClose: () => finish(new Error(`watch on ${type.resource} closed while waiting for ${what}`)),
          },
        ),
      );
    }
    evaluate();
  });
}

/** Live counts of one DaemonSet's pods by readiness, kept from a watch (O(1) per event). */
export class PodTally {
  private readonly ready = new Set<string>();
  private readonly live = new Set<string>();
  private readonly handle: WatchHandle;
  constructor(store: Store, selector: string) {
    this.handle = store.watch<Pod>(
      resources.pods,
      { namespace: BENCH_NAMESPACE, labelSelector: parseSelector(selector) },
      {
        onEvent: (ev) => {
          const name = ev.object.metadata?.name ?? '';
          if (ev.type === 'DELETED' || ev.object.metadata?.deletionTimestamp) {
            this.live.delete(name);
            this.ready.delete(name);
            return;
          }
          this.live.add(name);
          if (isPodReady(ev.object)) this.ready.add(name);
          else this.ready.delete(name);
        },
        onClose: () => {},
      },
    );
  }
  get readyCount(): number {
    return this.ready.size;
  }
  get liveCount(): number {
    return this.live.size;
  }
  stop(): void {
    this.handle.stop();
  }
}

/** Forces a full garbage collection (node --expose-gc) and returns the heap in use. */
export function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the benchmark with node --expose-gc (npm run bench does)');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * The start of a timed window: a full collection first (when node runs with --expose-gc, as
 * `npm run bench` does), so that the garbage of the cluster's setup and of earlier runs in this
 * process is not collected on the run's time; then the time (performance.now()).
 */
export function startTimedWindow(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return performance.now();
}

/** Waits (polling) until `n` nodes report Ready: clusters are timed from a settled start. */
export async function waitNodesReady(
  cluster: EmbeddedCluster,
  n: number,
  ctx: { progress(text: string, force?: boolean): void; timeoutMs: number },
): Promise<void> {
  const deadline = Date.now() + ctx.timeoutMs;
  for (;;) {
    const ready = cluster.store
      .list(resources.nodes)
      .items.filter((node) =>
        (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
    if (ready >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${ready} of ${n} nodes became Ready`);
    ctx.progress(`nodes Ready: ${ready}/${n}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates benchmark DaemonSets and resolves (with the time it took) once all have converged. */
export async function createAndConverge(
  cluster: EmbeddedCluster,
  names: readonly string[],
  nodes: number,
  ctx: { progress(text: string, force?: boolean): void; timeoutMs: number },
): Promise<number> {
  const store = cluster.store;
  const started = startTimedWindow();
  for (const name of names) await cluster.client.create(resources.daemonsets, benchDaemonSet(name));
  const ended = await waitFor(
    store,
    [resources.daemonsets],
    () => names.every((n) => statusConverged(store.get(resources.daemonsets, BENCH_NAMESPACE, n), nodes)),
    ctx.timeoutMs,
    `${names.length} DaemonSet(s) converged`,
    () => {
      const ready = names.reduce(
        (sum, n) => sum + (store.get(resources.daemonsets, BENCH_NAMESPACE, n)?.status?.numberReady ?? 0),
        0,
      );
      ctx.progress(`${ready} of ${nodes * names.length} pods Ready`);
    },
  );
  return (ended - started) / 1000;
}
