/**
 * Letting a whole embedded cluster come to rest under a fake clock. Real-time work (watch
 * delivery, informers, workers, the fast kubelet) runs on setImmediate; everything that waits
 * (back-offs, pod GC quarantine, heartbeats, grace periods) waits on the clock. `settleCluster`
 * alternates the two: drain real-time work until the store revision stops moving, then move the
 * clock to the next timer (at most `stepMs`), until the observable state has not changed for
 * `quietMs` of fake time — or the advancing hits `maxAdvanceMs`, so a crash-looping pod (whose
 * restarts never end) cannot keep it going forever.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../../src/store/types.js';
import type { TimerHandle } from '../../src/util/clock.js';
import { FakeClock } from '../../src/util/clock.js';
import { resources } from '../../src/api/resources.js';

/** A FakeClock that knows when its next timer is due, so time can jump from timer to timer. */
export class SteppingClock extends FakeClock {
  private due: Array<{ at: number; done: boolean }> = [];

  override setTimeout(fn: () => void, ms: number): TimerHandle {
    const entry = { at: this.now() + Math.max(0, ms), done: false };
    const handle = super.setTimeout(() => {
      entry.done = true;
      fn();
    }, ms);
    this.due.push(entry);
    return {
      cancel: () => {
        entry.done = true;
        handle.cancel();
      },
    };
  }

  /** When the next live timer is due (ms since epoch), if any. */
  nextDue(): number | undefined {
    this.due = this.due.filter((e) => !e.done);
    let min: number | undefined;
    for (const e of this.due) if (min === undefined || e.at < min) min = e.at;
    return min;
  }
}

const immediate = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Runs setImmediate rounds until the store's revision has not moved for `stableChecks` checks of
 * `roundsPerCheck` rounds each. Throws if real-time work never stops (a hot loop is a bug too).
 */
export async function quiesce(
  store: Store,
  options: { roundsPerCheck?: number; stableChecks?: number; maxRounds?: number } = {},
): Promise<void> {
  const perCheck = options.roundsPerCheck ?? 4;
  const stableChecks = options.stableChecks ?? 3;
  const maxRounds = options.maxRounds ?? 20_000;
  let last = store.revision();
  let stable = 0;
  for (let rounds = 0; rounds < maxRounds; rounds += perCheck) {
    for (let i = 0; i < perCheck; i++) await immediate();
    const now = store.revision();
    if (now === last) {
      if (++stable >= stableChecks) return;
    } else {
      stable = 0;
      last = now;
    }
  }
  throw new Error(`the cluster never went quiet in real time (revision still moving at ${store.revision()})`);
}

/**
 * What "nothing changed" means for settling: pods (identity, node, phase, readiness, deletion),
 * nodes (labels, taints, annotations, Ready status), DaemonSets (generation and status) and
 * ControllerRevisions. Leases, events, heartbeat times and restart counts are left out: they move
 * forever on a healthy cluster.
 */
export function clusterFingerprint(store: Store): string {
  const parts: unknown[] = [];
  for (const p of store.list(resources.pods).items) {
    parts.push([
      p.metadata?.uid,
      p.spec?.nodeName,
      p.status?.phase,
      (p.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status,
      p.metadata?.deletionTimestamp,
      p.metadata?.labels,
      p.metadata?.annotations,
    ]);
  }
  for (const n of store.list(resources.nodes).items) {
    parts.push([
      n.metadata?.name,
      n.metadata?.labels,
      n.metadata?.annotations,
      (n.spec?.taints ?? []).map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`),
      (n.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status,
    ]);
  }
  for (const d of store.list(resources.daemonsets).items) {
    parts.push([d.metadata?.uid, d.metadata?.generation, d.status]);
  }
  for (const r of store.list(resources.controllerrevisions).items) {
    parts.push([r.metadata?.name, r.revision]);
  }
  return createHash('sha1').update(JSON.stringify(parts)).digest('hex');
}

export interface SettleOptions {
  /** Fake time without a fingerprint change that counts as settled. Default 60 s. */
  readonly quietMs?: number;
  /** Largest single clock jump. Default 5 s. */
  readonly stepMs?: number;
  /** Cap on the fake time one call may advance. Default 10 min. */
  readonly maxAdvanceMs?: number;
  /** Cap on clock steps (timers re-armed at 0 ms would never move time). Default 2,000. */
  readonly maxSteps?: number;
  /** Default {@link clusterFingerprint}. */
  readonly fingerprint?: (store: Store) => string;
}

export interface SettleResult {
  /** False when the cap was reached while state was still changing. */
  readonly settled: boolean;
  readonly advancedMs: number;
  readonly steps: number;
}

/** Runs the cluster until it is at rest (see the file comment). Ends at a real-time-quiet point. */
export async function settleCluster(
  cluster: { readonly store: Store },
  clock: SteppingClock,
  options: SettleOptions = {},
): Promise<SettleResult> {
  const quietMs = options.quietMs ?? 60_000;
  const stepMs = options.stepMs ?? 5_000;
  const maxAdvanceMs = options.maxAdvanceMs ?? 10 * 60_000;
  const maxSteps = options.maxSteps ?? 2_000;
  const fingerprint = options.fingerprint ?? clusterFingerprint;
  const start = clock.now();
  await quiesce(cluster.store);
  let last = fingerprint(cluster.store);
  let quietSince = clock.now();
  let steps = 0;
  for (;;) {
    const now = clock.now();
    if (now - quietSince >= quietMs) return { settled: true, advancedMs: now - start, steps };
    if (now - start >= maxAdvanceMs || steps >= maxSteps)
      return { settled: false, advancedMs: now - start, steps };
    const next = clock.nextDue();
    const target = Math.min(next ?? Infinity, now + stepMs, quietSince + quietMs, start + maxAdvanceMs);
    clock.advance(Math.max(0, target - now));
    steps++;
    await quiesce(cluster.store);
    const fp = fingerprint(cluster.store);
    if (fp !== last) {
      last = fp;
      quietSince = clock.now();
    }
  }
}
