/**
 * Ages as kubectl shows them: k8s.io/apimachinery/pkg/util/duration.HumanDuration and the
 * `translateTimestampSince` helper of pkg/printers/internalversion. Pure: the caller passes `now`.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * A duration in milliseconds with ~2–3 significant figures, exactly as upstream `HumanDuration`:
 * - more than 1 s negative (truncated to whole seconds: ≤ -2 s) → `<invalid>`; slightly negative → `0s`;
 * - under 2 min → `Ns`; under 10 min → `MmSs` (`Mm` when S = 0); under 3 h → `Mm`;
 * - under 8 h → `HhMm` (`Hh` when M = 0); under 48 h → `Hh`;
 * - under 8 d → `DdHh` (`Dd` when H = 0); under 2 y → `Dd`;
 * - under 8 y → `YyDd` (`Yy` when D = 0); otherwise `Yy`. A year is 365 days.
 * Every unit is truncated toward zero, like Go's integer conversions. A non-finite input is `<invalid>`.
 */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '<invalid>';
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;

  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;

  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;

  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;

  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/**
 * Milliseconds since the epoch of an RFC 3339 timestamp (`metav1.Time` or `metav1.MicroTime`), or
 * `undefined` when it is missing, empty or unparsable (upstream's zero time).
 */
export function parseTimestamp(timestamp: string | null | undefined): number | undefined {
  if (timestamp === undefined || timestamp === null || timestamp === '') return undefined;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The age of `timestamp` at `now` (ms since the epoch) as {@link humanDuration} renders it, or
 * `<unknown>` when the timestamp is missing (upstream: the zero time). A timestamp more than a second
 * in the future is `<invalid>`, one slightly in the future `0s` (tolerated clock skew).
 */
export function translateTimestampSince(timestamp: string | null | undefined, now: number): string {
  const ms = parseTimestamp(timestamp);
  return ms === undefined ? '<unknown>' : humanDuration(now - ms);
}
