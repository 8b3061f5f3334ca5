/**
 * What a benchmark run reports: one result per run, printed as one JSON line (`--json`) or as a
 * row of a readable table; a progress line on stderr while a run is in flight.
 */
export interface RunResult {
  readonly scenario: string;
  /** `in-process` | `http`, with suffixes for variants (e.g. `in-process ready=1s`). */
  readonly mode: string;
  readonly nodes: number;
  readonly daemonsets: number;
  /** Wall time of the measured phase. */
  readonly seconds: number;
  /** The null controller's time for the same writes over the same transport (S1, S3), else null. */
  readonly floorSeconds: number | null;
  /** floorSeconds / seconds, or null. */
  readonly efficiency: number | null;
  /** API writes of the controller per pod it converged (pods created + deleted), or null. */
  readonly writesPerPod: number | null;
  /** Peak resident set of the benchmark process so far. */
  readonly peakRssMB: number;
  /** The controller's own heap beyond the store's objects, per node / per pod (S2, S7), else null. */
  readonly heapPerNodeBytes: number | null;
  readonly heapPerPodBytes: number | null;
  /** Scenario-specific figures (largest unavailable count, latency percentiles, syncs, CPU…). */
  readonly extra?: Readonly<Record<string, number | string>>;
}

export function peakRssMB(): number {
  return round(process.resourceUsage().maxRSS / 1024, 1);
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function efficiency(floorSeconds: number | null, seconds: number): number | null {
  return floorSeconds === null || seconds <= 0 ? null : round(floorSeconds / seconds, 3);
}

export function jsonLine(r: RunResult): string {
  const { extra, ...base } = r;
  return JSON.stringify({ ...base, ...(extra ?? {}) });
}

const COLUMNS: Array<[string, (r: RunResult) => string]> = [
  ['scenario', (r) => r.scenario],
  ['mode', (r) => r.mode],
  ['nodes', (r) => String(r.nodes)],
  ['ds', (r) => String(r.daemonsets)],
  ['seconds', (r) => r.seconds.toFixed(3)],
  ['floor s', (r) => (r.floorSeconds === null ? '-' : r.floorSeconds.toFixed(3))],
  ['efficiency', (r) => (r.efficiency === null ? '-' : r.efficiency.toFixed(2))],
  ['writes/pod', (r) => (r.writesPerPod === null ? '-' : r.writesPerPod.toFixed(3))],
  ['peak RSS MB', (r) => r.peakRssMB.toFixed(0)],
  ['heap B/node', (r) => (r.heapPerNodeBytes === null ? '-' : r.heapPerNodeBytes.toFixed(0))],
  ['heap B/pod', (r) => (r.heapPerPodBytes === null ? '-' : r.heapPerPodBytes.toFixed(0))],
  [
    'other',
    (r) =>
      Object.entries(r.extra ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
  ],
];

export function table(results: readonly RunResult[]): string {
  const rows = [COLUMNS.map(([h]) => h), ...results.map((r) => COLUMNS.map(([, f]) => f(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Medians of the numeric fields of several runs of one scenario and mode. */
export function median(results: readonly RunResult[]): RunResult {
  const first = results[0];
  if (!first) throw new Error('no results');
  const med = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
  };
  const pick = (f: (r: RunResult) => number | null): number | null => {
    const xs = results.map(f).filter((x): x is number => x !== null);
    return xs.length ? round(med(xs)) : null;
  };
  const extra: Record<string, number | string> = {};
  for (const k of Object.keys(first.extra ?? {})) {
    const xs = results.map((r) => r.extra?.[k]).filter((x): x is number => typeof x === 'number');
    extra[k] = xs.length === results.length ? round(med(xs)) : (first.extra?.[k] ?? '');
  }
  return {
    ...first,
    mode: `${first.mode} (median of ${results.length})`,
    seconds: pick((r) => r.seconds) ?? 0,
    floorSeconds: pick((r) => r.floorSeconds),
    efficiency: pick((r) => r.efficiency),
    writesPerPod: pick((r) => r.writesPerPod),
    peakRssMB: pick((r) => r.peakRssMB) ?? 0,
    heapPerNodeBytes: pick((r) => r.heapPerNodeBytes),
    heapPerPodBytes: pick((r) => r.heapPerPodBytes),
    extra,
  };
}

/** A single progress line on stderr (rewritten in place on a terminal). */
export class Progress {
  private last = 0;
  constructor(private readonly enabled: boolean) {}
  update(text: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 250) return;
    this.last = now;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`);
    else process.stderr.write(`${text}\n`);
  }
  done(): void {
    if (this.enabled && process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
  }
}
