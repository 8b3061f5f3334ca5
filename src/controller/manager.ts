/**
 * The manager: owns the shared informers, starts them, waits for their caches to sync, then starts
 * the controllers; `stop` shuts controllers down (finishing in-flight work) before the informers.
 */
import type { KubeObject, ResourceType } from '../api/resources.js';
import type { Informer, IndexFunc } from '../client/informer.js';
import { Informer as InformerImpl } from '../client/informer.js';
import type { Client } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { errorMessage } from '../util/log.js';

/** A controller run by the manager. */
export interface Controller {
  readonly name: string;
  /** Called once the informers it asked for have synced. Must not block: start workers and return. */
  start(): void;
  /** Stops taking work and resolves when in-flight work is done. */
  stop(): Promise<void>;
}

/** One informer per resource type (cluster-wide, unfiltered), shared by every controller. */
export class InformerFactory {
  private readonly informers = new Map<ResourceType, Informer<KubeObject>>();
  private started = false;

  constructor(
    private readonly client: Client,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly namespace?: string,
  ) {}

  /**
   * The shared informer for a type. Each caller may add indexes; adding an index under an existing
   * name with another function is an error.
   */
  informer<T extends KubeObject>(
    type: ResourceType<T>,
    indexers: Record<string, IndexFunc<T>> = {},
  ): Informer<T> {
    const existing = this.informers.get(type) as unknown as Informer<T> | undefined;
    if (existing) {
      existing.addIndexers(indexers);
      return existing;
    }
    if (this.started) throw new Error(`informer for ${type.resource} requested after the factory started`);
    const namespaced = type.namespaced && this.namespace ? { namespace: this.namespace } : {};
    const inf = new InformerImpl<T>(this.client, type, {
      clock: this.clock,
      indexers,
      ...namespaced,
      onError: (err) =>
        this.logger.debug({ resource: type.resource, err: errorMessage(err) }, 'informer retry'),
    });
    this.informers.set(type, inf as unknown as Informer<KubeObject>);
    return inf;
  }

  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
  }
}

export interface ManagerOptions {
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Restrict namespaced informers to one namespace. */
  readonly namespace?: string;
}

export class Manager {
  readonly informers: InformerFactory;
  private readonly controllers: Controller[] = [];
  private running = false;
  /** The informers synced and the controllers were started: a controller added now starts at once. */
  private controllersStarted = false;

  constructor(private readonly options: ManagerOptions) {
    this.informers = new InformerFactory(options.client, options.clock, options.logger, options.namespace);
  }

  /**
   * Adds a controller. On a running manager it starts at once: the informers it asked for must
   * already exist (the factory refuses new types after it started), and they have synced.
   */
  add(controller: Controller): void {
    this.controllers.push(controller);
    if (this.controllersStarted) {
      this.options.logger.info({ controller: controller.name }, 'starting controller');
      controller.start();
    }
  }

  /** Stops one controller and forgets it; the shared informers (and its handlers) stay. */
  async remove(controller: Controller): Promise<void> {
    const i = this.controllers.indexOf(controller);
    if (i < 0) return;
    this.controllers.splice(i, 1);
    if (this.controllersStarted) await controller.stop();
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.informers.start();
    await this.informers.waitForSync();
    if (!this.running) return; // stopped while the caches synced
    for (const c of this.controllers) {
      this.options.logger.info({ controller: c.name }, 'starting controller');
      c.start();
    }
    this.controllersStarted = true;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.controllersStarted = false;
    await Promise.all(this.controllers.map((c) => c.stop()));
    this.informers.stop();
  }
}
