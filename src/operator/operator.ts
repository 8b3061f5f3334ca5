/**
 * Operator mode: the DaemonSet controller alone, against any Kubernetes API server, the way
 * kube-controller-manager runs it: an HTTP client with client-side rate limiting, optional leader
 * election on a Lease (informers start only once this replica leads; a replica that loses the
 * lease stops writing at once and reports it), and an endpoint serving /metrics, /healthz and
 * /readyz. A forbidden request (403) is logged (warn) and fails /readyz until it stops.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { HttpClient } from '../client/http-client.js';
import type { Client } from '../client/types.js';
import { fencedClient } from '../client/write-hook-client.js';
import { ClientEventRecorder } from '../client/events.js';
import { LeaderElector } from '../controller/leader-election.js';
import { Manager } from '../controller/manager.js';
import { ControllerMetrics } from '../controller/metrics.js';
import { Health, startEndpoints } from '../controller/endpoints.js';
import type { Endpoints } from '../controller/endpoints.js';
import { DaemonSetsController } from '../controllers/daemonset/controller.js';
import type { Clock } from '../util/clock.js';
import { RealClock } from '../util/clock.js';
import type { Logger } from '../util/log.js';

export const DEFAULT_LEASE_NAMESPACE = 'kube-system';
export const DEFAULT_LEASE_NAME = 'everynode-daemonset-controller';

export interface LeaderElectionConfig {
  readonly namespace: string;
  readonly name: string;
  /** Default: `<hostname>_<uuid>`, like client-go. */
  readonly identity?: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export interface OperatorOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Watch and manage DaemonSets of one namespace only; undefined: all namespaces. */
  readonly namespace?: string;
  /** Concurrent DaemonSet syncs. Default 2 (kube-controller-manager's --concurrent-daemonset-syncs). */
  readonly concurrentSyncs?: number;
  readonly qps?: number;
  readonly burst?: number;
  /** Undefined: no leader election, this process acts at once. */
  readonly leaderElection?: LeaderElectionConfig;
  /** `host:port` for /metrics, /healthz, /readyz; undefined: no endpoint. */
  readonly metricsAddress?: string;
  readonly userAgent?: string;
}

/** Why an operator stopped: asked to (SIGTERM) or because it lost the lease. */
export type StopReason = 'stopped' | 'lost-lease';

export class Operator {
  readonly metrics: ControllerMetrics;
  readonly health: Health;
  /** Resolves once the operator has stopped, with why. */
  readonly done: Promise<StopReason>;
  private resolveDone!: (r: StopReason) => void;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly client: Client;
  private readonly http: HttpClient;
  private readonly elector: LeaderElector | undefined;
  private endpoints: Endpoints | undefined;
  private manager: Manager | undefined;
  private recorder: ClientEventRecorder | undefined;
  private leading = false;
  private stopping: Promise<void> | undefined;

  private constructor(private readonly options: OperatorOptions) {
    this.clock = options.clock ?? new RealClock();
    this.logger = options.logger;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const server = options.kubeConfig.getCurrentCluster()?.server ?? '';
    this.metrics = new ControllerMetrics({ apiHost: server ? new URL(server).host : '' });
    // The health checks log each permission that becomes forbidden (403) and when it is back.
    this.health = new Health({ clock: this.clock, logger: this.logger });
    const http = new HttpClient({
      kubeConfig: options.kubeConfig,
      clock: this.clock,
      userAgent: options.userAgent ?? 'everynode-controller',
      fieldManager: 'everynode-controller',
      ...(options.qps !== undefined ? { qps: options.qps } : {}),
      ...(options.burst !== undefined ? { burst: options.burst } : {}),
      onResponse: (info) => {
        this.metrics.observeRequest(info);
        this.health.recordApiResponse(info.code, info.method, info.path);
      },
      onThrottle: (info) => this.metrics.observeThrottle(info.ms, info.method),
    });
    this.http = http;
    const le = options.leaderElection;
    // Without leader election the fence is always open; with it, only while holding the lease.
    this.client = fencedClient(http, () => !le || this.leading, 'this replica does not hold the lease');
    if (le) {
      const identity = le.identity ?? `${hostname()}_${randomUUID()}`;
      this.metrics.setLeader(le.name, false);
      this.elector = new LeaderElector({
        client: http,
        clock: this.clock,
        logger: this.logger,
        namespace: le.namespace,
        name: le.name,
        identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        onStartedLeading: () => {
          this.leading = true;
          this.metrics.setLeader(le.name, true);
          this.startController().catch((err: unknown) => this.fail(err));
        },
        onStoppedLeading: () => {
          this.leading = false;
          this.metrics.setLeader(le.name, false);
          if (this.stopping) return;
          this.logger.error({ lease: `${le.namespace}/${le.name}` }, 'leaderelection lost');
          void this.shutdown('lost-lease');
        },
      });
    }
  }

  /** Starts the endpoint, then either the controller or the leader election that starts it. */
  static async start(options: OperatorOptions): Promise<Operator> {
    const op = new Operator(options);
    if (options.metricsAddress !== undefined) {
      op.endpoints = await startEndpoints({
        address: options.metricsAddress,
        metrics: op.metrics,
        health: op.health,
        logger: op.logger,
      });
    }
    if (op.elector) {
      // A standby replica is ready: it can take over. The controller's checks start when it leads.
      op.health.setCheck('informers-synced', true);
      op.elector.run().catch((err: unknown) => op.fail(err));
    } else {
      await op.startController();
    }
    return op;
  }

  /** The endpoint's URL (`http://host:port`), when one is served. */
  get endpointUrl(): string | undefined {
    return this.endpoints?.url;
  }

  isLeader(): boolean {
    return this.elector ? this.leading : true;
  }

  private async startController(): Promise<void> {
    const { logger, clock } = this;
    this.health.setCheck('informers-synced', false, 'informers have not synced yet');
    const manager = new Manager({
      client: this.client,
      clock,
      logger,
      ...(this.options.namespace !== undefined ? { namespace: this.options.namespace } : {}),
    });
    this.recorder = new ClientEventRecorder({
      client: this.client,
      clock,
      logger,
      component: 'daemonset-controller',
    });
    const controller = new DaemonSetsController({
      manager,
      client: this.client,
      clock,
      logger,
      recorder: this.recorder,
      workers: this.options.concurrentSyncs ?? 2,
      metrics: this.metrics.workqueue,
      observeSync: (key, ms, err) => this.metrics.observeSync(key, ms, err),
    });
    manager.add(controller);
    this.manager = manager;
    this.metrics.watchDaemonSets(() => controller.daemonSets());
    logger.info({ namespace: this.options.namespace ?? '(all)' }, 'starting DaemonSet controller');
    await manager.start();
    if (this.stopping) return;
    this.health.setCheck('informers-synced', true);
    logger.info('informers synced; DaemonSet controller running');
  }

  private fail(err: unknown): void {
    this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'operator failed');
    void this.shutdown('stopped');
  }

  /** Graceful stop: take no more work, finish in-flight syncs, flush events, release the lease. */
  stop(): Promise<void> {
    return this.shutdown('stopped');
  }

  private shutdown(reason: StopReason): Promise<void> {
    this.stopping ??= (async () => {
      this.health.markShutDown('the controller is shutting down');
      await this.manager?.stop();
      await this.recorder?.flush().catch(() => undefined);
      await this.elector?.stop();
      await this.endpoints?.stop();
      this.http.close();
      this.resolveDone(reason);
    })();
    return this.stopping;
  }
}
