/**
 * Pod garbage collection (upstream's podgc): pods bound to a node that no longer exists are
 * force-deleted after a quarantine (the node might reappear), re-checked against the API first;
 * unbound pods that are terminating are force-deleted at once.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resources, objectKey } from '../../api/resources.js';
import { isNotFound } from '../../api/errors.js';
import type { Client } from '../../client/types.js';
import type { Informer } from '../../client/informer.js';
import type { EventRecorder } from '../../client/events.js';
import type { Controller, Manager } from '../../controller/manager.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import { errorMessage } from '../../util/log.js';

export interface PodGCOptions {
  readonly manager: Manager;
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly recorder: EventRecorder;
  /** How long a node must stay missing before its pods are deleted. Default 40 s. */
  readonly quarantineMs?: number;
  /** How often the check runs. Default 20 s (gcCheckPeriod). */
  readonly periodMs?: number;
}

export class PodGCController implements Controller {
  readonly name = 'podgc';
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  /** Node name → when it was first seen missing. */
  private readonly missingSince = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private timerAt: number | undefined;
  private running = false;
  private busy: Promise<void> = Promise.resolve();

  constructor(private readonly options: PodGCOptions) {
    this.pods = options.manager.informers.informer(resources.pods);
    this.nodes = options.manager.informers.informer(resources.nodes);
    // A node that is back is no longer missing: if it goes again, its quarantine starts over.
    const seen = (n: Node): void => {
      this.missingSince.delete(n.metadata?.name ?? '');
    };
    // A deleted node starts its pods' quarantine now; one pass runs when it ends (a pass over
    // every pod per deleted node would cost O(pods) per node event under churn).
    const gone = (n: Node): void => {
      const name = n.metadata?.name ?? '';
      const now = this.options.clock.now();
      if (!this.missingSince.has(name)) this.missingSince.set(name, now);
      this.passBy((this.missingSince.get(name) ?? now) + (this.options.quarantineMs ?? 40_000));
    };
    this.nodes.addHandlers({ onAdd: seen, onUpdate: (_o, n) => seen(n), onDelete: gone });
  }

  start(): void {
    this.running = true;
    this.schedule();
    this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    await this.busy;
  }

  /** Makes sure a pass runs no later than `at` (clock time). */
  private passBy(at: number): void {
    if (!this.running) return;
    if (this.timerAt !== undefined && this.timerAt <= at) return;
    this.schedule(Math.max(0, at - this.options.clock.now()));
  }

  /** (Re)arms the one pass timer: after `ms`, or a period by default. */
  private schedule(ms = this.options.periodMs ?? 20_000): void {
    this.timer?.cancel();
    this.timerAt = this.options.clock.now() + ms;
    this.timer = this.options.clock.setTimeout(() => {
      this.timerAt = undefined;
      if (!this.running) return;
      this.kick();
      this.schedule();
    }, ms);
  }

  /** Runs one pass now (passes never overlap). */
  kick(): void {
    if (!this.running) return;
    this.busy = this.busy
      .then(() => this.gc())
      .catch((err: unknown) => this.options.logger.warn({ err: errorMessage(err) }, 'pod gc failed'));
  }

  private async gc(): Promise<void> {
    const now = this.options.clock.now();
    const quarantine = this.options.quarantineMs ?? 40_000;
    const seenMissing = new Set<string>();
    /** The earliest end of a quarantine still running: the next pass must not come later. */
    let nextDeadline: number | undefined;
    for (const pod of this.pods.list()) {
      const nodeName = pod.spec?.nodeName;
      if (!nodeName) {
        if (pod.metadata?.deletionTimestamp) await this.forceDelete(pod, undefined);
        continue;
      }
      if (this.nodes.get('', nodeName)) continue;
      seenMissing.add(nodeName);
      const since = this.missingSince.get(nodeName) ?? now;
      this.missingSince.set(nodeName, since);
      if (now - since < quarantine) {
        nextDeadline = Math.min(nextDeadline ?? Infinity, since + quarantine);
        continue;
      }
      if (await this.nodeExists(nodeName)) continue;
      await this.forceDelete(pod, nodeName);
    }
    for (const n of [...this.missingSince.keys()]) if (!seenMissing.has(n)) this.missingSince.delete(n);
    if (nextDeadline !== undefined && this.running) {
      const wait = Math.max(0, nextDeadline - this.options.clock.now());
      this.schedule(Math.min(wait, this.options.periodMs ?? 20_000));
    }
  }

  private async nodeExists(name: string): Promise<boolean> {
    try {
      await this.options.client.get(resources.nodes, '', name);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async forceDelete(pod: Pod, missingNode: string | undefined): Promise<void> {
    const { namespace = '', name = '', uid = '' } = pod.metadata ?? {};
    this.options.logger.info({ pod: objectKey(pod), node: missingNode }, 'garbage collecting pod');
    try {
      await this.options.client.delete(resources.pods, namespace, name, {
        gracePeriodSeconds: 0,
        preconditions: { uid },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
