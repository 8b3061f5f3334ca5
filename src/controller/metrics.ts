/**
 * Prometheus metrics of the operator-mode controller, under upstream's names so dashboards and
 * alerts written for kube-controller-manager and kube-state-metrics work unchanged:
 * - workqueue_* (client-go's workqueue metrics, label `name`);
 * - rest_client_* (client-go's REST client metrics, labels `code`/`method`/`host` and `verb`/`host`);
 * - leader_election_master_status (client-go's leader election, label `name`);
 * - kube_daemonset_* (kube-state-metrics' DaemonSet gauges, labels `namespace`/`daemonset`), read
 *   from the controller's informer cache at scrape time;
 * - everynode_daemonset_syncs_total / everynode_daemonset_sync_duration_seconds (the worker loop);
 * - prom-client's process_* and nodejs_* metrics.
 *
 * Every instance owns its Registry (never prom-client's global one): two controllers, or many
 * tests, in one process never share a series.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { InFlightWork, WorkQueueMetrics } from '../client/workqueue.js';

/** client-go's workqueue duration buckets: ExponentialBuckets(10e-9, 10, 10), 10 ns … 10 s. */
export const WORKQUEUE_DURATION_BUCKETS: readonly number[] = Array.from({ length: 10 }, (_, i) =>
  Number(`1e${i - 8}`),
);

/** client-go's REST client latency buckets (rest_client_request_duration_seconds). */
export const REST_CLIENT_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60,
];

/** Buckets of everynode_daemonset_sync_duration_seconds. */
export const SYNC_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

export interface ControllerMetricsOptions {
  /**
   * The `host` label of rest_client_* series: the API server's host[:port], as client-go takes it
   * from the request URL. Default "".
   */
  readonly apiHost?: string;
  /** Register prom-client's process_* and nodejs_* collectors. Default true. */
  readonly processMetrics?: boolean;
}

/** One API response as the HTTP client reports it (its `onResponse` hook). */
export interface RequestInfo {
  /** HTTP method, e.g. "GET". */
  readonly method: string;
  /** Request path (a query string is ignored). */
  readonly path: string;
  /** HTTP status code; 0 (or less) when no response came back (client-go's "<error>"). */
  readonly code: number;
  /** Milliseconds from sending the request to the response (or the failure). */
  readonly ms: number;
}

type DaemonSetValue = (ds: DaemonSet) => number | undefined;

/** kube-state-metrics' DaemonSet gauges: name, help, value. */
const DAEMONSET_GAUGES: ReadonlyArray<readonly [string, string, DaemonSetValue]> = [
  [
    'kube_daemonset_created',
    'Unix creation timestamp',
    (ds) => {
      const t = ds.metadata?.creationTimestamp;
      return t === undefined ? undefined : Math.floor(Date.parse(t) / 1000);
    },
  ],
  [
    'kube_daemonset_status_current_number_scheduled',
    'The number of nodes running at least one daemon pod and are supposed to.',
    (ds) => ds.status?.currentNumberScheduled ?? 0,
  ],
  [
    'kube_daemonset_status_desired_number_scheduled',
    'The number of nodes that should be running the daemon pod.',
    (ds) => ds.status?.desiredNumberScheduled ?? 0,
  ],
  [
    'kube_daemonset_status_number_available',
    'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available',
    (ds) => ds.status?.numberAvailable ?? 0,
  ],
  [
    'kube_daemonset_status_number_misscheduled',
    'The number of nodes running a daemon pod but are not supposed to.',
    (ds) => ds.status?.numberMisscheduled ?? 0,
  ],
  [
    'kube_daemonset_status_number_ready',
    'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
    (ds) => ds.status?.numberReady ?? 0,
  ],
  [
    'kube_daemonset_status_number_unavailable',
    'The number of nodes that should be running the daemon pod and have none of the daemon pod running and available',
    (ds) => ds.status?.numberUnavailable ?? 0,
  ],
  [
    'kube_daemonset_status_observed_generation',
    'The most recent generation observed by the daemon set controller.',
    (ds) => ds.status?.observedGeneration ?? 0,
  ],
  [
    'kube_daemonset_status_updated_number_scheduled',
    'The total number of nodes that are running updated daemon pod',
    (ds) => ds.status?.updatedNumberScheduled ?? 0,
  ],
  [
    'kube_daemonset_metadata_generation',
    'Sequence number representing a specific generation of the desired state.',
    (ds) => ds.metadata?.generation ?? 0,
  ],
];

/**
 * The controller's metrics. Feed it through its hooks — `workqueue` (pass as the controller's
 * `metrics`), `observeSync` (the controller's `observeSync`), `observeRequest` / `observeThrottle`
 * (the HTTP client), `setLeader` (leader election), `watchDaemonSets` (the controller's cache) —
 * and serve `metricsText()` with `contentType`.
 */
export class ControllerMetrics {
  readonly registry: Registry;
  /** client-go's workqueue metrics provider, for WorkQueueOptions.metrics. */
  readonly workqueue: WorkQueueMetrics;
  private readonly apiHost: string;
  private readonly queues = new Map<string, InFlightWork>();
  private daemonSets: () => readonly DaemonSet[] = () => [];

  private readonly syncs: Counter<'result'>;
  private readonly syncDuration: Histogram;
  private readonly requests: Counter<'code' | 'method' | 'host'>;
  private readonly requestDuration: Histogram<'verb' | 'host'>;
  private readonly throttle: Histogram<'verb' | 'host'>;
  private readonly leader: Gauge<'name'>;

  constructor(options: ControllerMetricsOptions = {}) {
    const registry = new Registry();
    const registers = [registry];
    this.registry = registry;
    this.apiHost = options.apiHost ?? '';
    this.workqueue = this.workqueueMetrics(registers);

    this.syncs = new Counter({
      name: 'everynode_daemonset_syncs_total',
      help: 'DaemonSet syncs (reconciles) by result: success or error (retried, or terminal).',
      labelNames: ['result'],
      registers,
    });
    this.syncs.inc({ result: 'success' }, 0);
    this.syncs.inc({ result: 'error' }, 0);
    this.syncDuration = new Histogram({
      name: 'everynode_daemonset_sync_duration_seconds',
      help: 'Time one DaemonSet sync (reconcile) took, successful or not.',
      buckets: [...SYNC_DURATION_BUCKETS],
      registers,
    });

    this.requests = new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests, partitioned by status code, method, and host.',
      labelNames: ['code', 'method', 'host'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'rest_client_request_duration_seconds',
      help: 'Request latency in seconds. Broken down by verb, and host.',
      labelNames: ['verb', 'host'],
      buckets: [...REST_CLIENT_DURATION_BUCKETS],
      registers,
    });
    this.throttle = new Histogram({
      name: 'rest_client_rate_limiter_duration_seconds',
      help: 'Client side rate limiter latency in seconds. Broken down by verb, and host.',
      labelNames: ['verb', 'host'],
      buckets: [...REST_CLIENT_DURATION_BUCKETS],
      registers,
    });

    this.leader = new Gauge({
      name: 'leader_election_master_status',
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.",
      labelNames: ['name'],
      registers,
    });

    for (const [name, help, value] of DAEMONSET_GAUGES) {
      const source = (): readonly DaemonSet[] => this.daemonSets();
      new Gauge({
        name,
        help,
        labelNames: ['namespace', 'daemonset'],
        registers,
        collect(this: Gauge<'namespace' | 'daemonset'>) {
          this.reset();
          for (const ds of source()) {
            const v = value(ds);
            if (v === undefined) continue;
            this.set({ namespace: ds.metadata?.namespace ?? '', daemonset: ds.metadata?.name ?? '' }, v);
          }
        },
      });
    }

    if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  }

  /** Content-Type of `metricsText()`: Prometheus text format 0.0.4. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The registry in Prometheus text format; gauges computed at scrape are computed now. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  /** The worker loop's observe hook: one reconcile of `key` took `ms`; `err` is its failure. */
  observeSync(_key: string, ms: number, err: unknown): void {
    this.syncs.inc({ result: err === undefined ? 'success' : 'error' });
    this.syncDuration.observe(ms / 1000);
  }

  /** The HTTP client's onResponse hook (client-go's RequestResult and RequestLatency). */
  observeRequest(info: RequestInfo): void {
    const method = info.method.toUpperCase();
    const code = info.code > 0 ? String(info.code) : '<error>';
    this.requests.inc({ code, method, host: this.apiHost });
    this.requestDuration.observe({ verb: method, host: this.apiHost }, info.ms / 1000);
  }

  /** Time a request waited for the client-side rate limiter (client-go's RateLimiterLatency). */
  observeThrottle(ms: number, method = ''): void {
    this.throttle.observe({ verb: method.toUpperCase(), host: this.apiHost }, ms / 1000);
  }

  /** Leader election: whether this process holds the lease `name` now. */
  setLeader(name: string, isLeader: boolean): void {
    this.leader.set({ name }, isLeader ? 1 : 0);
  }

  /**
   * The DaemonSets the kube_daemonset_* gauges describe, read at every scrape (the controller's
   * informer cache: `() => controller.daemonSets()`). A later call replaces the source.
   */
  watchDaemonSets(source: () => readonly DaemonSet[]): void {
    this.daemonSets = source;
  }

  /**
   * Reports a queue's in-flight work in workqueue_unfinished_work_seconds and
   * workqueue_longest_running_processor_seconds. A queue built with `workqueue` as its metrics
   * registers itself; this is for one built without. A later queue of the same name replaces it.
   */
  watchQueue(queue: InFlightWork): void {
    this.workqueue.trackQueue?.(queue);
  }

  private workqueueMetrics(registers: Registry[]): WorkQueueMetrics {
    const labelNames = ['name'] as const;
    const depth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames,
      registers,
    });
    const adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames,
      registers,
    });
    const queueLatency = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested.',
      labelNames,
      buckets: [...WORKQUEUE_DURATION_BUCKETS],
      registers,
    });
    const workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames,
      buckets: [...WORKQUEUE_DURATION_BUCKETS],
      registers,
    });
    const retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames,
      registers,
    });
    const queues = this.queues;
    new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help:
        "How many seconds of work has done that is in progress and hasn't been observed by work_duration. " +
        'Large values indicate stuck threads. One can deduce the number of stuck threads by observing ' +
        'the rate at which this increases.',
      labelNames,
      registers,
      collect(this: Gauge<'name'>) {
        this.reset();
        for (const q of queues.values()) {
          const now = q.clock.now();
          let total = 0;
          for (const since of q.inFlightSince()) total += Math.max(0, now - since);
          this.set({ name: q.name }, total / 1000);
        }
      },
    });
    new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames,
      registers,
      collect(this: Gauge<'name'>) {
        this.reset();
        for (const q of queues.values()) {
          const now = q.clock.now();
          let longest = 0;
          for (const since of q.inFlightSince()) longest = Math.max(longest, now - since);
          this.set({ name: q.name }, longest / 1000);
        }
      },
    });
    return {
      add: (name) => adds.inc({ name }),
      depth: (name, n) => depth.set({ name }, n),
      retry: (name) => retries.inc({ name }),
      queueDuration: (name, seconds) => queueLatency.observe({ name }, seconds),
      workDuration: (name, seconds) => workDuration.observe({ name }, seconds),
      trackQueue: (queue) => {
        queues.set(queue.name, queue);
        // Like client-go, a queue's series exist (at zero) from its creation on.
        const name = queue.name;
        depth.set({ name }, 0);
        adds.inc({ name }, 0);
        retries.inc({ name }, 0);
        queueLatency.zero({ name });
        workDuration.zero({ name });
      },
    };
  }
}
