/**
 * The worker loop: N workers take keys from a queue and reconcile them. Success forgets the key's
 * failure history (and honours requeueAfter); an error re-queues with rate limiting; a
 * {@link TerminalError} is counted and dropped.
 */
import type { WorkQueue } from '../client/workqueue.js';
import type { Logger } from '../util/log.js';
import { errorMessage } from '../util/log.js';
import type { Reconciler } from './reconcile.js';
import { TerminalError } from './reconcile.js';

export interface WorkerStats {
  syncs: number;
  errors: number;
  terminalErrors: number;
}

export interface RunWorkersOptions {
  readonly queue: WorkQueue<string>;
  readonly reconciler: Reconciler;
  readonly workers: number;
  readonly logger: Logger;
  readonly stats?: WorkerStats;
  /**
   * Called after each reconcile (once the key is done) with its duration in ms and its error
   * (undefined on success), for metrics; an exception it throws is logged, never fatal.
   */
  readonly observe?: (key: string, ms: number, err: unknown) => void;
}

/** Runs workers until the queue shuts down; resolves once all have exited. */
export async function runWorkers(options: RunWorkersOptions): Promise<void> {
  const { queue, reconciler, logger } = options;
  const stats = options.stats ?? { syncs: 0, errors: 0, terminalErrors: 0 };
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = performance.now();
      let failure: unknown;
      try {
        const result = await reconciler.reconcile(key);
        stats.syncs++;
        queue.forget(key);
        if (result?.requeueAfter !== undefined) queue.addAfter(key, result.requeueAfter);
      } catch (err) {
        failure = err;
        if (err instanceof TerminalError) {
          stats.terminalErrors++;
          queue.forget(key);
          logger.error({ key, err: errorMessage(err) }, 'terminal reconcile error');
        } else {
          stats.errors++;
          logger.info({ key, err: errorMessage(err) }, 'reconcile failed, will retry');
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
      try {
        options.observe?.(key, performance.now() - started, failure);
      } catch (err) {
        // A broken metrics hook must not stop the worker.
        logger.error({ key, err: errorMessage(err) }, 'observe hook failed');
      }
      // Yield to the event loop between items: in-process calls resolve as microtasks, and a worker
      // that never yields would starve watch delivery (and so its own caches).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.workers) }, () => worker()));
}

/**
 * The workers of a controller with one queue, as a controller starts and stops them: `start` runs
 * them ({@link runWorkers}); `stop` shuts the queue down and resolves once the work in flight is
 * done.
 */
export class QueueWorkers {
  private running: Promise<void> | undefined;

  constructor(private readonly options: RunWorkersOptions) {}

  start(): void {
    this.running ??= runWorkers(this.options);
  }

  async stop(): Promise<void> {
    this.options.queue.shutDown();
    await this.running;
  }
}
