/**
 * Leader election on a Lease, with LocalClient over an in-memory store and a FakeClock stepped in
 * 100 ms ticks; after every tick at most one candidate may lead, and a leader must hold the Lease.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { ApiError } from '../api/errors.js';
import { resources } from '../api/resources.js';
import { LocalClient } from '../client/local-client.js';
import type { Client } from '../client/types.js';
import { ObjectStore } from '../store/object-store.js';
import { defaultStrategies } from '../store/strategies.js';
import type { Clock } from '../util/clock.js';
import { FakeClock, parseTime } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import type { LeaderElectionOptions } from './leader-election.js';
import { LeaderElector, leaderElectionIdentity } from './leader-election.js';

const NS = 'kube-system';
const NAME = 'everynode-daemonset-controller';
const TICK = 100;

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** A client that fails every call (`down`) or never answers (`hang`) while told to. */
function faulty(inner: Client): { client: Client; mode: { down: boolean; hang: boolean } } {
  const mode = { down: false, hang: false };
  const client = new Proxy(inner, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]): unknown => {
        if (mode.hang) return new Promise(() => {});
        if (mode.down)
          return Promise.reject(new ApiError({ reason: 'ServiceUnavailable', code: 503, message: 'down' }));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client, mode };
}

interface Candidate {
  readonly id: string;
  readonly elector: LeaderElector;
  readonly events: string[];
  readonly done: Promise<void>;
  readonly mode: { down: boolean; hang: boolean };
  /** Fake time of the last onStartedLeading, if any. */
  startedAt: number | undefined;
  stoppedAt: number | undefined;
}

function setup() {
  const store = new ObjectStore({ strategies: defaultStrategies });
  store.create(resources.namespaces, { metadata: { name: NS } });
  const clock = new FakeClock(0);
  const candidates: Candidate[] = [];

  const lease = (): Lease | undefined => store.get(resources.leases, NS, NAME);

  const candidate = (
    id: string,
    overrides: Partial<LeaderElectionOptions> & { clock?: Clock } = {},
  ): Candidate => {
    const { client, mode } = faulty(new LocalClient(store));
    const c: Candidate = {
      id,
      mode,
      events: [],
      startedAt: undefined,
      stoppedAt: undefined,
      elector: undefined as unknown as LeaderElector,
      done: Promise.resolve(),
    };
    const elector = new LeaderElector({
      client,
      clock,
      logger: silentLogger(),
      namespace: NS,
      name: NAME,
      identity: id,
      random: () => 0,
      onStartedLeading: () => {
        c.events.push('started');
        c.startedAt = clock.now();
      },
      onStoppedLeading: () => {
        assert.equal(elector.isLeader(), false, 'isLeader() is false when onStoppedLeading runs');
        c.events.push('stopped');
        c.stoppedAt = clock.now();
      },
      onNewLeader: (leader) => c.events.push(`leader ${leader}`),
      ...overrides,
    });
    Object.assign(c, { elector, done: elector.run() });
    candidates.push(c);
    return c;
  };

  /**
   * The invariant checked after every tick: at most one leader, and a leader holds the Lease (unless
   * the test wrote the Lease behind the candidates' backs).
   */
  const check = (): void => {
    const leaders = candidates.filter((c) => c.elector.isLeader());
    assert.ok(leaders.length <= 1, `two leaders at ${clock.now()}: ${leaders.map((c) => c.id).join(', ')}`);
    const leader = leaders[0];
    if (leader && lease()?.spec?.holderIdentity !== 'intruder')
      assert.equal(lease()?.spec?.holderIdentity, leader.id, `leader ${leader.id} holds the lease`);
  };

  /** Advances `ms` in ticks, settling and checking after each; stops early once `until` holds. */
  const step = async (ms: number, until?: () => boolean): Promise<void> => {
    await settle();
    check();
    for (let t = 0; t < ms; t += TICK) {
      if (until?.()) return;
      clock.advance(TICK);
      await settle();
      check();
    }
  };

  const leader = (): Candidate | undefined => candidates.find((c) => c.elector.isLeader());

  return { store, clock, candidate, step, leader, lease, candidates };
}

describe('LeaderElector', () => {
  test('of two candidates exactly one leads; the Lease records it and the other sees the new leader', async () => {
    const { candidate, step, leader, lease } = setup();
    const a = candidate('a');
    const b = candidate('b');
    await step(10_000);
    const l = leader();
    assert.ok(l, 'someone leads');
    const other = l === a ? b : a;
    assert.deepEqual(l.events, [`leader ${l.id}`, 'started']);
    assert.deepEqual(other.events, [`leader ${l.id}`]);
    const spec = lease()?.spec;
    assert.equal(spec?.holderIdentity, l.id);
    assert.equal(spec?.leaseDurationSeconds, 15);
    assert.equal(spec?.leaseTransitions, 0);
    assert.ok(parseTime(spec?.renewTime)! >= 8_000, 'renewed every retry period');
    assert.equal(spec?.acquireTime, '1970-01-01T00:00:00.000000Z', 'acquireTime stays while renewing');
  });

  test('the leader stopping releases the lease; the other takes over within a retry period', async () => {
    const { candidate, step, leader, lease, clock } = setup();
    const a = candidate('a');
    await step(500);
    const b = candidate('b');
    await step(5_000);
    assert.equal(leader(), a);
    const stopping = a.elector.stop();
    assert.equal(a.elector.isLeader(), false, 'not leading from the moment stop() is called');
    assert.deepEqual(a.events.slice(-1), ['stopped']);
    await stopping;
    const released = lease()?.spec;
    assert.equal(released?.holderIdentity, '');
    assert.equal(released?.leaseDurationSeconds, 1);
    const stoppedAt = clock.now();
    await step(5_000, () => b.elector.isLeader());
    assert.equal(leader(), b);
    assert.ok(b.startedAt! - stoppedAt <= 2_000, `took over after ${b.startedAt! - stoppedAt} ms`);
    assert.equal(lease()?.spec?.leaseTransitions, 1);
    assert.deepEqual(b.events, ['leader a', 'leader b', 'started']);
    await a.done;
    assert.deepEqual(a.events, ['leader a', 'started', 'stopped']);
  });

  test('a crashed leader (no release) is replaced after leaseDuration, not before', async () => {
    const { candidate, step, leader, lease, clock } = setup();
    const a = candidate('a', { releaseOnCancel: false });
    await step(500);
    const b = candidate('b');
    await step(6_000);
    assert.equal(leader(), a);
    await a.elector.stop();
    const lastRenew = parseTime(lease()?.spec?.renewTime)!;
    assert.equal(lease()?.spec?.holderIdentity, 'a', 'not released');
    await step(30_000, () => b.elector.isLeader());
    assert.equal(leader(), b);
    assert.ok(
      b.startedAt! >= lastRenew + 15_000,
      `took over ${b.startedAt! - lastRenew} ms after the last renewal`,
    );
    assert.ok(b.startedAt! <= clock.now() && b.startedAt! <= lastRenew + 15_000 + 2 * 2_000 + TICK);
    assert.equal(lease()?.spec?.leaseTransitions, 1);
  });

  test('renewals failing for renewDeadline end leadership at once; run() resolves', async () => {
    const { candidate, step, lease } = setup();
    const a = candidate('a');
    await step(3_000);
    assert.ok(a.elector.isLeader());
    a.mode.down = true;
    const lastRenew = parseTime(lease()?.spec?.renewTime)!;
    await step(20_000, () => !a.elector.isLeader());
    assert.equal(a.elector.isLeader(), false);
    assert.deepEqual(a.events, ['leader a', 'started', 'stopped']);
    // The round after the last renewal starts one retry period later; it may last renewDeadline.
    assert.ok(
      a.stoppedAt! > lastRenew + 10_000,
      `gave up ${a.stoppedAt! - lastRenew} ms after the last renewal`,
    );
    assert.ok(a.stoppedAt! <= lastRenew + 2_000 + 10_000);
    await a.done;
  });

  test('a renewal that never answers still ends leadership at renewDeadline', async () => {
    const { candidate, step, lease } = setup();
    const a = candidate('a');
    await step(2_000);
    assert.ok(a.elector.isLeader());
    a.mode.hang = true;
    const hungAt = parseTime(lease()?.spec?.renewTime)! + 2_000; // the next renewal round, which hangs
    await step(15_000, () => !a.elector.isLeader());
    assert.equal(a.stoppedAt, hungAt + 10_000);
    assert.equal(a.elector.isLeader(), false);
    // run() still resolves: the hung attempt and the release are each waited for renewDeadline.
    let resolved = false;
    void a.done.then(() => (resolved = true));
    await step(25_000, () => resolved);
    assert.ok(resolved);
  });

  test('a leader that finds another holder in the Lease stops at once, without waiting for the deadline', async () => {
    const { candidate, step, store, lease, clock } = setup();
    const a = candidate('a');
    await step(1_000);
    assert.ok(a.elector.isLeader());
    const current = lease()!;
    store.update(resources.leases, { ...current, spec: { ...current.spec, holderIdentity: 'intruder' } });
    const takenAt = clock.now();
    await step(5_000, () => !a.elector.isLeader());
    assert.equal(a.elector.isLeader(), false);
    assert.ok(a.stoppedAt! - takenAt <= 2_000, `noticed after ${a.stoppedAt! - takenAt} ms`);
    assert.equal(lease()?.spec?.holderIdentity, 'intruder', 'a lease it does not hold is not released');
    assert.deepEqual(a.events, ['leader a', 'started', 'leader intruder', 'stopped']);
    await a.done;
  });

  test('validity is judged on the local clock: a holder whose clock lags an hour keeps its lease', async () => {
    const { candidate, step, leader, clock } = setup();
    const skewed: Clock = {
      now: () => clock.now() - 3_600_000,
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    };
    const a = candidate('a', { clock: skewed });
    await step(500);
    candidate('b');
    await step(60_000);
    assert.equal(leader(), a);
  });

  test('candidates taking over an expired lease at the same instant: the conditional update picks one', async () => {
    const { candidate, step, store, lease, candidates } = setup();
    store.create(resources.leases, {
      metadata: { namespace: NS, name: NAME },
      spec: { holderIdentity: 'gone', leaseDurationSeconds: 15, leaseTransitions: 3 },
    });
    for (const id of ['a', 'b', 'c']) candidate(id);
    await step(16_000, () => candidates.some((c) => c.elector.isLeader()));
    await step(2_000);
    assert.equal(candidates.filter((c) => c.events.includes('started')).length, 1);
    assert.equal(lease()?.spec?.leaseTransitions, 4);
  });

  test('contending candidates with failures, stops and crashes never produce two leaders', async () => {
    const { candidate, step, lease, leader, candidates } = setup();
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let holders = 0;
    let lastHolder = '';
    const countTransitions = (): void => {
      const h = lease()?.spec?.holderIdentity ?? '';
      if (h && h !== lastHolder) holders++;
      if (h) lastHolder = h;
    };
    // Same-instant attempts (no jitter) maximise conflicts; half of the candidates jitter.
    for (let i = 0; i < 4; i++) candidate(`c${i}`, i % 2 === 0 ? {} : { random });
    let next = 4;
    for (let round = 0; round < 12; round++) {
      for (let t = 0; t < 40; t++) {
        await step(TICK * 5);
        countTransitions();
      }
      const l = leader();
      const r = random();
      if (l && r < 0.4) await l.elector.stop();
      else if (l && r < 0.7) l.mode.down = true;
      else if (l) l.mode.hang = true;
      candidate(`c${next++}`, r < 0.5 ? {} : { random, releaseOnCancel: false });
    }
    await step(40_000);
    countTransitions();
    assert.ok(leader(), 'someone leads at the end');
    assert.ok(holders >= 8, `leadership changed hands ${holders} times`);
    assert.equal(lease()?.spec?.leaseTransitions, holders - 1);
    for (const c of candidates) {
      const started = c.events.filter((e) => e === 'started').length;
      const stopped = c.events.filter((e) => e === 'stopped').length;
      assert.ok(started <= 1 && stopped <= started, `${c.id}: ${c.events.join(', ')}`);
    }
  });

  test('invalid timings are refused as client-go refuses them', () => {
    const store = new ObjectStore({ strategies: defaultStrategies });
    const base: LeaderElectionOptions = {
      client: new LocalClient(store),
      clock: new FakeClock(0),
      logger: silentLogger(),
      namespace: NS,
      name: NAME,
      identity: 'a',
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
    };
    assert.throws(() => new LeaderElector({ ...base, identity: '' }), /identity/);
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 10_000 }), /leaseDuration/);
    assert.throws(() => new LeaderElector({ ...base, retryPeriodMs: 9_000 }), /renewDeadline/);
    assert.match(leaderElectionIdentity('host-1'), /^host-1_[0-9a-f-]{36}$/);
  });
});
