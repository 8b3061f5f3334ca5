/**
 * `kubectl rollout` for DaemonSets as a library (spec §4.8): status, history and undo with
 * kubectl's semantics and messages, so kubectl's path and everynode's own CLI agree.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { resources } from '../../api/resources.js';
import { ApiError } from '../../api/errors.js';
import { labelSelectorAsSelector } from '../../api/labels.js';
import type { Client } from '../../client/types.js';
import { deepEqual } from '../../util/objects.js';

export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export interface RolloutStatus {
  /** True when watching can stop (rolled out, or an error that waiting cannot fix). */
  readonly done: boolean;
  /** The line kubectl prints (ends with a newline), or the error text. */
  readonly message: string;
  readonly error?: boolean;
}

/** DaemonSetStatusViewer: evaluated on every change of the DaemonSet. */
export function rolloutStatus(ds: DaemonSet): RolloutStatus {
  const name = ds.metadata?.name ?? '';
  if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    return {
      done: true,
      error: true,
      message: 'rollout status is only available for RollingUpdate strategy type',
    };
  }
  const st = ds.status;
  if ((ds.metadata?.generation ?? 0) <= (st?.observedGeneration ?? 0)) {
    const desired = st?.desiredNumberScheduled ?? 0;
    const updated = st?.updatedNumberScheduled ?? 0;
    const available = st?.numberAvailable ?? 0;
    if (updated < desired) {
      return {
        done: false,
        message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...\n`,
      };
    }
    if (available < desired) {
      return {
        done: false,
        message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...\n`,
      };
    }
    return { done: true, message: `daemon set "${name}" successfully rolled out\n` };
  }
  return { done: false, message: 'Waiting for daemon set spec update to be observed...\n' };
}

/** The ControllerRevisions of a DaemonSet: matching its selector and controlled by it, by revision. */
export function historyOf(ds: DaemonSet, revisions: readonly ControllerRevision[]): ControllerRevision[] {
  const selector = labelSelectorAsSelector(ds.spec?.selector);
  const uid = ds.metadata?.uid;
  return revisions
    .filter(
      (r) =>
        r.metadata?.namespace === ds.metadata?.namespace &&
        selector.matches(r.metadata?.labels) &&
        (r.metadata?.ownerReferences ?? []).some((o) => o.controller && o.uid === uid),
    )
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
}

export interface HistoryEntry {
  readonly revision: number;
  readonly changeCause: string;
}

/** `kubectl rollout history daemonset/X`: revisions ascending with their change-cause. */
export function rolloutHistory(ds: DaemonSet, revisions: readonly ControllerRevision[]): HistoryEntry[] {
  return historyOf(ds, revisions).map((r) => ({
    revision: r.revision ?? 0,
    changeCause: r.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION] ?? '',
  }));
}

/** The text kubectl prints for the history listing. */
export function formatRolloutHistory(ds: DaemonSet, entries: readonly HistoryEntry[]): string {
  if (entries.length === 0) return 'No rollout history found.\n';
  const rows = [
    ['REVISION', 'CHANGE-CAUSE'],
    ...entries.map((e) => [String(e.revision), e.changeCause || '<none>']),
  ];
  const width = Math.max(...rows.map((r) => (r[0] ?? '').length)) + 2;
  return `daemonset.apps/${ds.metadata?.name ?? ''} \n${rows.map((r) => `${(r[0] ?? '').padEnd(width)}${r[1] ?? ''}`).join('\n')}\n\n`;
}

/** The pod template a revision holds (its data without the `$patch` directive). */
export function revisionTemplate(rev: ControllerRevision): PodTemplateSpec {
  const data = rev.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const t = { ...(data?.spec?.template ?? {}) };
  delete t['$patch'];
  const meta = { ...((t['metadata'] as Record<string, unknown> | undefined) ?? {}) };
  if (meta['creationTimestamp'] === null) delete meta['creationTimestamp'];
  if (Object.keys(meta).length > 0) t['metadata'] = meta;
  else delete t['metadata'];
  return t;
}

export interface RollbackOptions {
  /** 0 (default): the previous revision. */
  readonly toRevision?: number;
  readonly dryRun?: boolean;
}

export interface RollbackResult {
  readonly message: string;
  /** The template rolled back to (or that would be, with dryRun). */
  readonly template: PodTemplateSpec;
  readonly revision: number;
  readonly changed: boolean;
}

/**
 * DaemonSetRollbacker: rolls the DaemonSet's template back to a revision. Errors carry kubectl's
 * messages (`no last revision to roll back to`, `unable to find specified revision N in history`).
 */
export async function rollback(
  client: Client,
  ds: DaemonSet,
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  const toRevision = options.toRevision ?? 0;
  const name = ds.metadata?.name ?? '';
  const notFound = (): ApiError =>
    new ApiError({
      reason: 'NotFound',
      code: 404,
      message: `unable to find specified revision ${toRevision} in history`,
    });
  if (toRevision < 0) throw notFound();
  const all = await client.list(resources.controllerrevisions, { namespace: ds.metadata?.namespace ?? '' });
  const history = historyOf(ds, all.items);
  let target: ControllerRevision | undefined;
  if (toRevision === 0) {
    if (history.length <= 1)
      throw new ApiError({ reason: 'BadRequest', code: 400, message: 'no last revision to roll back to' });
    target = history[history.length - 2];
  } else {
    target = history.find((r) => r.revision === toRevision);
  }
  if (!target) throw notFound();
  const template = revisionTemplate(target);
  const revision = target.revision ?? 0;
  if (options.dryRun) {
    return { message: `will roll back to ${JSON.stringify(template)}`, template, revision, changed: false };
  }
  if (deepEqual(template, ds.spec?.template)) {
    return {
      message: `daemonset.apps/${name} skipped rollback (current template already matches revision ${revision})`,
      template,
      revision,
      changed: false,
    };
  }
  await client.patch(resources.daemonsets, ds.metadata?.namespace ?? '', name, 'json', [
    { op: 'replace', path: '/spec/template', value: template },
  ]);
  return { message: `daemonset.apps/${name} rolled back`, template, revision, changed: true };
}

/** `kubectl rollout restart`: stamps the template so a new revision rolls out. */
export async function rolloutRestart(client: Client, ds: DaemonSet, now: number): Promise<DaemonSet> {
  const stamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return client.patch(resources.daemonsets, ds.metadata?.namespace ?? '', ds.metadata?.name ?? '', 'merge', {
    spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: stamp } } } },
  });
}
