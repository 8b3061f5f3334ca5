/**
 * syncNodes (spec §3.4): the only place daemon pods are created and deleted. Expectations are set
 * before any call; creations go out in slow-start batches (1, 2, 4, …) and stop at the first batch
 * with an error, so a quota or admission failure costs a handful of calls, not hundreds; at most
 * BurstReplicas creations and deletions per sync.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../../api/resources.js';
import { ApiError, isNotFound } from '../../api/errors.js';
import { errorMessage } from '../../util/log.js';
import type { DaemonSetContext } from './context.js';
import { dsKey } from './context.js';
import { daemonPodTemplate, newDaemonPod } from './util.js';

export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/** An aggregate of the errors of one sync. */
export class AggregateError extends Error {
  constructor(readonly errors: readonly unknown[]) {
    super(errors.length === 1 ? errorMessage(errors[0]) : `[${errors.map(errorMessage).join(', ')}]`);
    this.name = 'AggregateError';
  }
}

function isNamespaceTerminating(err: unknown): boolean {
  return (
    err instanceof ApiError &&
    err.reason === 'Forbidden' &&
    err.message.includes('because it is being terminated')
  );
}

export async function syncNodes(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  podsToDelete: readonly Pod[],
  nodesNeedingPods: readonly string[],
  hash: string,
): Promise<void> {
  const key = dsKey(ds);
  const createDiff = Math.min(nodesNeedingPods.length, ctx.burstReplicas);
  const deleteDiff = Math.min(podsToDelete.length, ctx.burstReplicas);
  ctx.expectations.setExpectations(key, createDiff, deleteDiff);
  const errors: unknown[] = [];

  if (createDiff > 0) {
    const template = daemonPodTemplate(ds, hash);
    if (Object.keys(template.metadata?.labels ?? {}).length === 0) {
      ctx.expectations.lowerExpectations(key, createDiff, 0);
      errors.push(new Error('unable to create pods, no labels'));
    } else {
      let pos = 0;
      let batch = Math.min(createDiff, SLOW_START_INITIAL_BATCH_SIZE);
      while (pos < createDiff) {
        const nodes = nodesNeedingPods.slice(pos, pos + batch);
        const results = await Promise.all(nodes.map((nodeName) => createPod(ctx, ds, template, nodeName)));
        pos += nodes.length;
        const failed = results.filter((r) => r !== undefined);
        errors.push(...failed);
        if (failed.length > 0) {
          const skipped = createDiff - pos;
          if (skipped > 0) ctx.expectations.lowerExpectations(key, skipped, 0);
          break;
        }
        batch = Math.min(2 * batch, createDiff - pos);
      }
    }
  }

  const deletions = podsToDelete.slice(0, deleteDiff);
  const results = await Promise.all(deletions.map((pod) => deletePod(ctx, ds, pod)));
  errors.push(...results.filter((r) => r !== undefined));
  if (errors.length > 0) throw new AggregateError(errors);
}

/** Creates one pod; returns the error to collect, or undefined. */
async function createPod(
  ctx: DaemonSetContext,
  ds: DaemonSet,
  template: Parameters<typeof newDaemonPod>[1],
  nodeName: string,
): Promise<unknown> {
  const key = dsKey(ds);
  try {
    const created = await ctx.client.create(resources.pods, newDaemonPod(ds, template, nodeName));
    ctx.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
    return undefined;
  } catch (err) {
    if (isNamespaceTerminating(err)) return undefined;
    ctx.expectations.creationObserved(key);
    ctx.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
    return err;
  }
}

async function deletePod(ctx: DaemonSetContext, ds: DaemonSet, pod: Pod): Promise<unknown> {
  const key = dsKey(ds);
  const name = pod.metadata?.name ?? '';
  try {
    await ctx.client.delete(resources.pods, pod.metadata?.namespace ?? '', name);
    ctx.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    return undefined;
  } catch (err) {
    ctx.expectations.deletionObserved(key);
    if (isNotFound(err)) return undefined;
    ctx.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
    return err;
  }
}
