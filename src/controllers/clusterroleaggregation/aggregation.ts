/**
 * The ClusterRole aggregation controller (upstream's clusterrole-aggregation): a ClusterRole with
 * an `aggregationRule` gets, as its rules, the rules of every other ClusterRole its
 * `clusterRoleSelectors` match — selector by selector, roles in name order, each rule once — and
 * keeps them in step as those roles come, change and go. This is how `admin`, `edit` and `view`
 * get their rules, and how a ClusterRole labelled `rbac.authorization.k8s.io/aggregate-to-view:
 * "true"` extends `view`.
 */
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { resources } from '../../api/resources.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import { labelSelectorAsSelector } from '../../api/labels.js';
import type { Client } from '../../client/types.js';
import type { Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, Manager } from '../../controller/manager.js';
import type { Reconciler } from '../../controller/reconcile.js';
import { QueueWorkers } from '../../controller/worker.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import { deepEqual } from '../../util/objects.js';

export interface ClusterRoleAggregationOptions {
  readonly manager: Manager;
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The rules an aggregated ClusterRole should hold, given every ClusterRole there is. */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const byName = [...all].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  for (const term of role.aggregationRule?.clusterRoleSelectors ?? []) {
    let selector;
    try {
      selector = labelSelectorAsSelector(term);
    } catch {
      continue; // validation refuses such a selector; a stored one selects nothing
    }
    for (const other of byName) {
      if (other.metadata?.name === role.metadata?.name || !selector.matches(other.metadata?.labels)) continue;
      for (const rule of other.rules ?? []) if (!rules.some((r) => deepEqual(r, rule))) rules.push(rule);
    }
  }
  return rules;
}

export class ClusterRoleAggregationController implements Controller, Reconciler {
  readonly name = 'clusterrole-aggregation';
  private readonly roles: Informer<ClusterRole>;
  private readonly queue: WorkQueue<string>;
  private readonly workers: QueueWorkers;

  constructor(private readonly options: ClusterRoleAggregationOptions) {
    this.queue = new WorkQueue({ name: 'clusterrole_aggregation', clock: options.clock });
    this.workers = new QueueWorkers({
      queue: this.queue,
      reconciler: this,
      workers: 1,
      logger: this.options.logger,
    });
    this.roles = options.manager.informers.informer(resources.clusterroles);
    // Any change of any ClusterRole may change what an aggregated one selects: all are re-checked.
    const enqueueAggregated = (): void => {
      for (const r of this.roles.list()) if (r.aggregationRule) this.queue.add(r.metadata?.name ?? '');
    };
    this.roles.addHandlers({
      onAdd: enqueueAggregated,
      onUpdate: enqueueAggregated,
      onDelete: enqueueAggregated,
    });
  }

  start(): void {
    this.workers.start();
  }

  async stop(): Promise<void> {
    await this.workers.stop();
  }

  async reconcile(name: string): Promise<void> {
    const role = this.roles.get('', name);
    if (!role?.aggregationRule) return;
    const rules = aggregatedRules(role, this.roles.list());
    if (deepEqual(rules, role.rules ?? [])) return;
    try {
      await this.options.client.update(resources.clusterroles, { ...role, rules });
    } catch (err) {
      // Gone: nothing to do. Changed meanwhile: its update event queues it again.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}
