/**
 * The embedded cluster: a store, the in-process client, and the cluster components (scheduler,
 * simulated kubelets, node lifecycle, taint eviction, pod GC, garbage collector) in one process,
 * built from one options object. Two clusters can run side by side: nothing is global.
 */
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { resources } from '../api/resources.js';
import { isAlreadyExists } from '../api/errors.js';
import { LocalClient } from '../client/local-client.js';
import type { Client } from '../client/types.js';
import { ClientEventRecorder } from '../client/events.js';
import type { EventRecorder } from '../client/events.js';
import type { Controller } from '../controller/manager.js';
import { Manager } from '../controller/manager.js';
import { DaemonSetsController } from '../controllers/daemonset/controller.js';
import { GarbageCollector } from '../controllers/garbagecollector/garbage-collector.js';
import { ClusterRoleAggregationController } from '../controllers/clusterroleaggregation/aggregation.js';
import {
  BOOTSTRAP_CLUSTER_ROLE_BINDINGS,
  BOOTSTRAP_CLUSTER_ROLES,
} from '../controllers/clusterroleaggregation/bootstrap-roles.js';
import { NodeLifecycleController } from '../controllers/nodelifecycle/node-lifecycle.js';
import { TaintEvictionController } from '../controllers/nodelifecycle/taint-eviction.js';
import { PodGCController } from '../controllers/podgc/podgc.js';
import { SimulatedKubelet } from '../kubelet/kubelet.js';
import type { KubeletProfileName } from '../kubelet/profiles.js';
import { profiles } from '../kubelet/profiles.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { ObjectStore } from '../store/object-store.js';
import { defaultStrategies } from '../store/strategies.js';
import type { Store } from '../store/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { RealClock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { silentLogger } from '../util/log.js';
import { resolveControllers } from './controllers.js';
import type { ComponentName } from './controllers.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

export const BUILTIN_PRIORITY_CLASSES = [
  {
    name: 'system-node-critical',
    value: 2_000_001_000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    name: 'system-cluster-critical',
    value: 2_000_000_000,
    description:
      'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
] as const;

export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';
export const BOOKMARK_INTERVAL_MS = 60_000;

/** The shape of one simulated node. */
export interface NodeShape {
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
  /** e.g. `{ cpu: '4', memory: '8Gi', pods: '110' }`; default 32 cpu / 256Gi / 110 pods. */
  readonly capacity?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface EmbeddedClusterOptions {
  /** Worker nodes: a count (named `node-1` …) or explicit shapes. Default 0. */
  readonly nodes?: number | readonly NodeShape[];
  /** Adds `control-plane`, labelled and tainted as kubeadm does. Default false. */
  readonly controlPlane?: boolean;
  /** Default `fast`. */
  readonly kubeletProfile?: KubeletProfileName;
  /**
   * Which components run, in kube-controller-manager's syntax: `['*']` (default) or e.g.
   * `['*', '-podgc']`, `['scheduler', 'kubelet']`. Names: scheduler, kubelet, nodelifecycle,
   * taint-eviction, podgc, garbagecollector, daemonset.
   */
  readonly controllers?: readonly string[];
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Seeded randomness for generated names and jitter. Default Math.random. */
  readonly random?: () => number;
  /** Bring your own store (e.g. durable). Default: a fresh in-memory store. */
  readonly store?: Store;
  /** Node heartbeat grace period before a node becomes Unknown. Default 40 s. */
  readonly nodeMonitorGracePeriodMs?: number;
  /** How long pods of a deleted node linger before pod GC removes them. Default 40 s. */
  readonly podGCQuarantineMs?: number;
  /** Extra controllers built on this cluster's manager and client (e.g. the DaemonSet controller). */
  readonly extraControllers?: ReadonlyArray<(ctx: ClusterContext) => Controller>;
}

/** What a controller factory gets to build itself on the cluster. */
export interface ClusterContext {
  readonly manager: Manager;
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly recorderFor: (component: string, host?: string) => EventRecorder;
}

export function nodeObject(shape: NodeShape, fallbackName: string): Node {
  const annotations = { ...(shape.annotations ?? {}) };
  if (shape.capacity) {
    annotations['everynode.io/capacity'] = Object.entries(shape.capacity)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  const name = shape.name ?? fallbackName;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...(shape.labels ?? {}),
      },
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: { ...(shape.taints && shape.taints.length > 0 ? { taints: [...shape.taints] } : {}) },
  };
}

export class EmbeddedCluster {
  readonly store: Store;
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly manager: Manager;
  readonly components: ReadonlySet<ComponentName>;
  private readonly recorders: ClientEventRecorder[] = [];
  private readonly recorderCache = new Map<string, ClientEventRecorder>();
  private readonly ownsStore: boolean;
  private started = false;
  private bookmarkTimer: TimerHandle | undefined;

  private constructor(private readonly options: EmbeddedClusterOptions) {
    this.clock = options.clock ?? new RealClock();
    this.logger = options.logger ?? silentLogger();
    this.ownsStore = options.store === undefined;
    this.store =
      options.store ??
      new ObjectStore({
        clock: this.clock,
        strategies: defaultStrategies,
        ...(options.random ? { random: options.random } : {}),
      });
    this.client = new LocalClient(this.store);
    this.manager = new Manager({ client: this.client, clock: this.clock, logger: this.logger });
    this.components = resolveControllers(options.controllers ?? ['*']);
  }

  /** Builds, bootstraps (namespaces, priority classes, nodes) and starts a cluster. */
  static async start(options: EmbeddedClusterOptions = {}): Promise<EmbeddedCluster> {
    const cluster = new EmbeddedCluster(options);
    await cluster.bootstrap();
    await cluster.startComponents();
    return cluster;
  }

  /** An event recorder writing as `component` (cached per component and host). */
  recorderFor(component: string, host?: string): EventRecorder {
    const key = `${component}\u0000${host ?? ''}`;
    let r = this.recorderCache.get(key);
    if (!r) {
      r = new ClientEventRecorder({
        client: this.client,
        clock: this.clock,
        logger: this.logger,
        component,
        ...(host ? { host } : {}),
      });
      this.recorderCache.set(key, r);
      this.recorders.push(r);
    }
    return r;
  }

  private async bootstrap(): Promise<void> {
    const createIfMissing = async <T extends object>(fn: () => Promise<T>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    };
    for (const name of SYSTEM_NAMESPACES) {
      await createIfMissing(() => this.client.create(resources.namespaces, { metadata: { name } }));
    }
    for (const pc of BUILTIN_PRIORITY_CLASSES) {
      await createIfMissing(() =>
        this.client.create(resources.priorityclasses, {
          metadata: { name: pc.name },
          value: pc.value,
          description: pc.description,
          preemptionPolicy: 'PreemptLowerPriority',
        }),
      );
    }
    for (const role of BOOTSTRAP_CLUSTER_ROLES)
      await createIfMissing(() => this.client.create(resources.clusterroles, role));
    for (const binding of BOOTSTRAP_CLUSTER_ROLE_BINDINGS)
      await createIfMissing(() => this.client.create(resources.clusterrolebindings, binding));
    if (this.store.list(resources.nodes).items.length > 0) return; // resuming: never re-create nodes
    if (this.options.controlPlane) {
      await this.addNode({
        name: 'control-plane',
        labels: { [CONTROL_PLANE_LABEL]: '' },
        taints: [{ key: CONTROL_PLANE_LABEL, effect: 'NoSchedule' }],
      });
    }
    const nodes = this.options.nodes ?? 0;
    const shapes: readonly NodeShape[] =
      typeof nodes === 'number' ? Array.from({ length: nodes }, () => ({})) : nodes;
    let i = 0;
    for (const shape of shapes) await this.addNode(shape, `node-${++i}`);
  }

  private async startComponents(): Promise<void> {
    const m = this.manager;
    const base = { manager: m, client: this.client, clock: this.clock, logger: this.logger };
    const has = (c: ComponentName): boolean => this.components.has(c);
    if (has('scheduler')) m.add(new Scheduler({ ...base, recorder: this.recorderFor('default-scheduler') }));
    if (has('kubelet')) {
      m.add(
        new SimulatedKubelet({
          ...base,
          profile: profiles[this.options.kubeletProfile ?? 'fast'],
          recorderFor: (node) => this.recorderFor('kubelet', node),
          ...(this.options.random ? { random: this.options.random } : {}),
        }),
      );
    }
    if (has('nodelifecycle')) {
      m.add(
        new NodeLifecycleController({
          ...base,
          recorder: this.recorderFor('node-controller'),
          ...(this.options.nodeMonitorGracePeriodMs !== undefined
            ? { gracePeriodMs: this.options.nodeMonitorGracePeriodMs }
            : {}),
        }),
      );
    }
    if (has('taint-eviction'))
      m.add(
        new TaintEvictionController({ ...base, recorder: this.recorderFor('taint-eviction-controller') }),
      );
    if (has('podgc')) {
      m.add(
        new PodGCController({
          ...base,
          recorder: this.recorderFor('pod-garbage-collector'),
          ...(this.options.podGCQuarantineMs !== undefined
            ? { quarantineMs: this.options.podGCQuarantineMs }
            : {}),
        }),
      );
    }
    if (has('garbagecollector')) m.add(new GarbageCollector(base));
    if (has('clusterrole-aggregation')) m.add(new ClusterRoleAggregationController(base));
    if (has('daemonset'))
      m.add(new DaemonSetsController({ ...base, recorder: this.recorderFor('daemonset-controller') }));
    const ctx: ClusterContext = { ...base, recorderFor: (c, h) => this.recorderFor(c, h) };
    for (const make of this.options.extraControllers ?? []) m.add(make(ctx));
    await m.start();
    this.started = true;
    this.scheduleBookmarks();
  }

  /** Watch bookmarks every minute, as the apiserver sends them, so idle watchers keep a recent resourceVersion. */
  private scheduleBookmarks(): void {
    this.bookmarkTimer = this.clock.setTimeout(() => {
      if (!this.started) return;
      this.store.bookmark();
      this.scheduleBookmarks();
    }, BOOKMARK_INTERVAL_MS);
  }

  /** Creates a simulated node (the kubelet adopts it). */
  async addNode(shape: NodeShape = {}, fallbackName?: string): Promise<Node> {
    const name = shape.name ?? fallbackName ?? `node-${this.store.list(resources.nodes).items.length + 1}`;
    return this.client.create(resources.nodes, nodeObject(shape, name));
  }

  /** Stops every component, waits for pending event writes, and closes the store if it owns it. */
  async stop(): Promise<void> {
    this.bookmarkTimer?.cancel();
    if (this.started) await this.manager.stop();
    this.started = false;
    for (const r of this.recorders) await r.flush();
    await this.store.flush();
    if (this.ownsStore) this.store.close();
  }
}
