/**
 * Annotations that steer the simulated kubelet. Put them on a pod (or, for `fail`, on a node to
 * affect every pod there). Documented in the README's "Simulated nodes" section.
 */

/** Failure injection: `crash` | `image-pull` | `never-ready` | `failed`. On a pod or on its node. */
export const FAIL_ANNOTATION = 'everynode.io/fail';
/** On a node: `stopped` makes its kubelet stop heartbeating (lease and status) and stop acting on pods. */
export const HEARTBEAT_ANNOTATION = 'everynode.io/heartbeat';
/** On a node: resources it reports, e.g. `cpu=4,memory=8Gi,pods=110` (when status.capacity is not set). */
export const CAPACITY_ANNOTATION = 'everynode.io/capacity';
/** On a node: allocatable resources, same syntax (default: the capacity). */
export const ALLOCATABLE_ANNOTATION = 'everynode.io/allocatable';
/** On a pod: seconds its containers take to stop after a graceful delete (capped by the grace period). */
export const TERMINATION_SECONDS_ANNOTATION = 'everynode.io/termination-seconds';

export const FAILURE_MODES = ['crash', 'image-pull', 'never-ready', 'failed'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

export const DEFAULT_NODE_CAPACITY: Readonly<Record<string, string>> = {
  cpu: '32',
  memory: '256Gi',
  pods: '110',
  'ephemeral-storage': '1Ti',
};

/** Parses `cpu=4,memory=8Gi` into a resource map; undefined for an absent or empty value. */
export function parseResourceAnnotation(value: string | undefined): Record<string, string> | undefined {
  if (!value) return undefined;
  const out: Record<string, string> = {};
  for (const part of value.split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (k && v) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
