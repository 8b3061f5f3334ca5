/**
 * Rolling-update budgets (spec §4.2): maxSurge and maxUnavailable scaled against the number of
 * nodes that should run the pod, percentages rounded up, with the both-zero safety fallback.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { ApiError } from '../../api/errors.js';

type IntOrString = number | string;

/** intstr.GetScaledValueFromIntOrPercent with rounding up. */
export function scaledValue(value: IntOrString | undefined | null, total: number, what: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    throw new ApiError({
      reason: 'Invalid',
      code: 422,
      message: `invalid value for ${what}: invalid value for IntOrString: invalid type: string is not a percentage`,
    });
  }
  return Math.ceil((Number(m[1]) * total) / 100);
}

function rollingUpdate(ds: DaemonSet): { maxSurge?: IntOrString; maxUnavailable?: IntOrString } | undefined {
  const s = ds.spec?.updateStrategy;
  if ((s?.type ?? 'RollingUpdate') !== 'RollingUpdate') return undefined;
  return s?.rollingUpdate;
}

/** The surge budget (0 unless RollingUpdate with maxSurge). */
export function surgeCount(ds: DaemonSet, desired: number): number {
  return scaledValue(rollingUpdate(ds)?.maxSurge, desired, 'MaxSurge');
}

/** The unavailability budget (0 unless RollingUpdate with maxUnavailable). */
export function unavailableCount(ds: DaemonSet, desired: number): number {
  return scaledValue(rollingUpdate(ds)?.maxUnavailable, desired, 'MaxUnavailable');
}

/** Both budgets; if both are zero while pods are desired, maxUnavailable falls back to 1. */
export function budgets(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const maxSurge = surgeCount(ds, desired);
  let maxUnavailable = unavailableCount(ds, desired);
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}
