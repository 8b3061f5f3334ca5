/**
 * The injectable clock. Every component that waits or stamps time takes a Clock, so tests drive
 * time by hand ({@link FakeClock}) and two clusters in one process never share hidden timers.
 */
import { boundedMemo } from './memo.js';

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds of this clock's time. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /**
   * Milliseconds from an arbitrary origin, finer than {@link now}: for timing work that takes
   * less than a millisecond. Left out by clocks that do not move by themselves ({@link FakeClock}),
   * where such work takes no time.
   */
  precise?(): number;
  /**
   * Milliseconds the event loop has spent idle (waiting for I/O or timers) since the process
   * started: two readings tell whether anything else wanted the CPU in between. Left out by
   * clocks that do not move by themselves.
   */
  idleMs?(): number;
}

/** The wall clock, backed by Date.now and timers (unref'd, so they never keep a process alive). */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
  precise(): number {
    return performance.now();
  }
  idleMs(): number {
    return performance.eventLoopUtilization().idle;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  }
}

interface FakeTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

const before = (a: FakeTimer, b: FakeTimer): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/**
 * A clock that only moves when told. `advance` fires due timers in time order (ties in the order
 * they were set); callbacks that schedule new timers inside the advanced window fire too.
 */
export class FakeClock implements Clock {
  private current: number;
  /** Min-heap of timers by (at, seq); cancelled timers are dropped when they surface. */
  private heap: FakeTimer[] = [];
  private seq = 0;
  private live = 0;

  constructor(start: number | string | Date = '2026-01-01T00:00:00Z') {
    this.current = typeof start === 'number' ? start : new Date(start).getTime();
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: FakeTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.push(timer);
    this.live++;
    return {
      cancel: () => {
        if (!timer.cancelled) {
          timer.cancelled = true;
          this.live--;
        }
      },
    };
  }

  /** Number of timers still waiting. */
  pending(): number {
    return this.live;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.heap[0];
      if (!next || next.at > target) break;
      this.pop();
      if (next.cancelled) continue;
      next.cancelled = true;
      this.live--;
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = target;
  }

  /** Sets the time (forward only), firing due timers. */
  set(time: number | string | Date): void {
    const t = typeof time === 'number' ? time : new Date(time).getTime();
    if (t > this.current) this.advance(t - this.current);
  }

  private push(t: FakeTimer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as FakeTimer;
      if (!before(t, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = t;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (h.length === 0 || !last) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let mv = last;
      const lv = h[l];
      const rv = h[r];
      if (lv && before(lv, mv)) {
        m = l;
        mv = lv;
      }
      if (rv && before(rv, mv)) {
        m = r;
        mv = rv;
      }
      if (m === i) break;
      h[i] = mv;
      i = m;
    }
    h[i] = last;
  }
}

/** RFC 3339 with second precision, as Kubernetes writes metav1.Time. */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
  }
  return lastText;
}
// Timestamps are written many times per second: format each second once.
let lastSecond = Number.NaN;
let lastText = '';

/** RFC 3339 with microsecond precision, as Kubernetes writes metav1.MicroTime. */
export function rfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function parseTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = parsedTime(s);
  return Number.isNaN(t) ? undefined : t;
}
// Controllers read the same timestamps over and over (heartbeats, start times of one second).
const parsedTime = boundedMemo(4096, (s: string) => Date.parse(s));
