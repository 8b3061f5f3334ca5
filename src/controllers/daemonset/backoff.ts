/**
 * The per-node back-off for deleting failed daemon pods (client-go's flowcontrol.Backoff as
 * kube-controller-manager wires it: 1 s initial, doubling, 15 min max). Without it a pod that fails
 * at once would be deleted and re-created in a hot loop.
 */
import type { Clock } from '../../util/clock.js';

export const FAILED_POD_BACKOFF_INITIAL_MS = 1_000;
export const FAILED_POD_BACKOFF_MAX_MS = 15 * 60_000;

interface Entry {
  backoff: number;
  lastUpdate: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly initialMs = FAILED_POD_BACKOFF_INITIAL_MS,
    private readonly maxMs = FAILED_POD_BACKOFF_MAX_MS,
  ) {}

  /** The current back-off of `key` in ms (0 if none). */
  get(key: string): number {
    return this.entries.get(key)?.backoff ?? 0;
  }

  /** Starts or doubles the back-off; an entry idle for more than 2×max starts over. */
  next(key: string, now = this.clock.now()): void {
    const e = this.entries.get(key);
    if (!e || now - e.lastUpdate > 2 * this.maxMs) {
      this.entries.set(key, { backoff: this.initialMs, lastUpdate: now });
      return;
    }
    e.backoff = Math.min(e.backoff * 2, this.maxMs);
    e.lastUpdate = now;
  }

  /** True while less than the back-off has passed since the last `next`. */
  isInBackOffSinceUpdate(key: string, now = this.clock.now()): boolean {
    const e = this.entries.get(key);
    return e !== undefined && now - e.lastUpdate < e.backoff;
  }

  /** When the back-off of `key` ends (ms since epoch), or undefined. */
  until(key: string): number | undefined {
    const e = this.entries.get(key);
    return e ? e.lastUpdate + e.backoff : undefined;
  }

  /** Drops entries idle for more than 2×max. */
  gc(now = this.clock.now()): void {
    for (const [k, e] of this.entries) if (now - e.lastUpdate > 2 * this.maxMs) this.entries.delete(k);
  }
}
