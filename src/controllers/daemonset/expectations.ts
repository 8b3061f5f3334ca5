/**
 * ControllerExpectations (spec §3.5): per DaemonSet key, how many creations and deletions the
 * controller has issued but not yet seen in its caches. While any are outstanding the controller
 * only refreshes status — acting on a cache that does not yet show its own writes would create
 * duplicates. A record older than the TTL counts as satisfied (a lost watch event must not wedge
 * the DaemonSet forever).
 */
import type { Clock } from '../../util/clock.js';

export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Record {
  add: number;
  del: number;
  timestamp: number;
}

export class ControllerExpectations {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  /** True when there is no record, nothing is outstanding, or the record expired. */
  satisfiedExpectations(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.clock.now() - r.timestamp > this.ttlMs;
  }

  /** Replaces the record for `key`. */
  setExpectations(key: string, add: number, del: number): void {
    this.records.set(key, { add, del, timestamp: this.clock.now() });
  }

  lowerExpectations(key: string, add: number, del: number): void {
    const r = this.records.get(key);
    if (!r) return;
    r.add -= add;
    r.del -= del;
  }

  creationObserved(key: string): void {
    this.lowerExpectations(key, 1, 0);
  }

  deletionObserved(key: string): void {
    this.lowerExpectations(key, 0, 1);
  }

  deleteExpectations(key: string): void {
    this.records.delete(key);
  }

  get(key: string): { add: number; del: number } | undefined {
    const r = this.records.get(key);
    return r ? { add: r.add, del: r.del } : undefined;
  }
}
