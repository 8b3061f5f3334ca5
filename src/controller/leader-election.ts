/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's `tools/leaderelection` with a
 * LeaseLock, over the Client contract (in-process or HTTP).
 *
 * - Acquire: every `retryPeriodMs` × (1 + random × 1.2) (client-go's JitterFactor) — while another
 *   holder's lease is valid, every `retryPeriodMs` and at its expiry (see nextAttemptIn) — get the Lease;
 *   create it when absent; wait while another holder's lease is still valid; otherwise take it
 *   over with an update conditional on the resourceVersion read (a Conflict means another
 *   candidate won), counting `leaseTransitions` when the holder changes.
 * - Validity is judged on the LOCAL clock, never on the remote `renewTime`, so clock skew between
 *   replicas does not matter: a lease is valid until `leaseDurationSeconds` after the moment this
 *   elector last saw its record change (client-go's observedTime).
 * - Lead: renew every `retryPeriodMs` (first optimistically with the Lease last written, then by
 *   re-reading it). If renewals keep failing for `renewDeadlineMs` from the start of a round, or a
 *   renewal finds another holder, leadership ends at once: `isLeader()` turns false and
 *   `onStoppedLeading` runs synchronously, before anything else of the caller can run, so the
 *   caller stops its workers. `renewDeadlineMs` < `leaseDurationMs` is what makes this safe: a
 *   leader cut off from the API gives up before any other replica can consider its lease expired.
 * - Release (`releaseOnCancel`, default true): after leading ends, a lease still held is written
 *   back with no holder and `leaseDurationSeconds: 1`, so a standby takes over within one retry
 *   period instead of waiting out the lease.
 *
 * One elector runs once: `run()` resolves when `stop()` is called or leadership is lost; a process
 * that lost the lease is expected to exit (as kube-controller-manager does) or build a new elector.
 */
import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1.js';
import { randomUUID } from 'node:crypto';
import { resources } from '../api/resources.js';
import { isConflict, isNotFound } from '../api/errors.js';
import type { Client } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import { rfc3339Micro } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { errorMessage } from '../util/log.js';

/** client-go's JitterFactor: acquire attempts are spaced retryPeriod × [1, 2.2). */
export const JITTER_FACTOR = 1.2;

export interface LeaderElectionOptions {
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Namespace of the Lease, e.g. `kube-system`. */
  readonly namespace: string;
  /** Name of the Lease, e.g. `everynode-daemonset-controller`. */
  readonly name: string;
  /** This candidate's unique identity, `hostname_uuid` like client-go (see {@link leaderElectionIdentity}). */
  readonly identity: string;
  /** How long a lease stays valid without renewal, in whole seconds on the Lease. Default 15 s. */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps retrying a renewal before giving up. Default 10 s. */
  readonly renewDeadlineMs?: number;
  /** Wait between attempts to acquire or renew. Default 2 s. */
  readonly retryPeriodMs?: number;
  /** Release the lease when leadership ends (stop or loss). Default true. */
  readonly releaseOnCancel?: boolean;
  /** Randomness for the acquire jitter, in [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** Called once this candidate holds the lease. Must not block. */
  onStartedLeading(): void;
  /** Called at once when leadership ends: the lease is lost, or `stop()` is called while leading. */
  onStoppedLeading(): void;
  /** Called when the observed holder changes to a (non-empty) identity, this one's included. */
  onNewLeader?(identity: string): void;
}

/** `<hostname>_<uuid>`, the identity client-go's users build. */
export function leaderElectionIdentity(hostname: string): string {
  return `${hostname}_${randomUUID()}`;
}

/** The part of the Lease spec the election reads and writes. */
interface LeaderElectionRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

function recordOf(lease: Lease): LeaderElectionRecord {
  const s = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: s.acquireTime ?? '',
    renewTime: s.renewTime ?? '',
    leaseTransitions: s.leaseTransitions ?? 0,
  };
}

function specOf(r: LeaderElectionRecord): LeaseSpec {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime,
    renewTime: r.renewTime,
    leaseTransitions: r.leaseTransitions,
  };
}

/** Canonical form of a record, to notice any change of it (client-go compares the raw record). */
function rawOf(r: LeaderElectionRecord): string {
  return JSON.stringify([
    r.holderIdentity,
    r.leaseDurationSeconds,
    r.acquireTime,
    r.renewTime,
    r.leaseTransitions,
  ]);
}

export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly releaseOnCancel: boolean;
  private readonly random: () => number;
  private readonly desc: string;

  /** The Lease as last read or written (its resourceVersion makes updates conditional). */
  private lease: Lease | undefined;
  private observed: LeaderElectionRecord | undefined;
  private observedRaw = '';
  /** Local time at which `observed` was first seen. */
  private observedTime = 0;
  private reportedLeader = '';

  private leading = false;
  private stopped = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** The latest attempt to acquire or renew (it may outlive the election if the API hangs). */
  private inFlight: Promise<boolean> | undefined;
  /** Settles when the election ends (stop() or loss), cutting short waits for attempts. */
  private readonly ended: Promise<false>;
  private end!: () => void;

  /** Throws on an invalid configuration (client-go's NewLeaderElector checks). */
  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.releaseOnCancel = options.releaseOnCancel ?? true;
    this.ended = new Promise((resolve) => (this.end = () => resolve(false)));
    this.random = options.random ?? Math.random;
    this.desc = `${options.namespace}/${options.name}`;
    if (!options.identity) throw new Error('leader election: identity is empty');
    if (!options.namespace || !options.name)
      throw new Error('leader election: lease namespace and name are required');
    if (this.leaseDurationMs < 1000) throw new Error('leader election: leaseDuration must be at least 1s');
    if (this.leaseDurationMs <= this.renewDeadlineMs)
      throw new Error('leader election: leaseDuration must be greater than renewDeadline');
    if (this.retryPeriodMs <= 0) throw new Error('leader election: retryPeriod must be greater than zero');
    if (this.renewDeadlineMs <= JITTER_FACTOR * this.retryPeriodMs)
      throw new Error('leader election: renewDeadline must be greater than retryPeriod*JitterFactor');
  }

  /** Whether this candidate leads: true from `onStartedLeading` until `onStoppedLeading`. */
  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until the lease is acquired, then leads until `stop()` or until the lease is lost;
   * resolves once the lease is released (or the bounded waits of `stop()` are over). Never rejects
   * (failed attempts are logged and retried). Calling it again returns the same run.
   */
  run(): Promise<void> {
    this.running ??= this.campaign();
    return this.running;
  }

  /**
   * Stops campaigning or leading (`onStoppedLeading` runs at once if leading), waits for an attempt
   * in flight, then releases the lease if held and `releaseOnCancel`; each wait lasts at most
   * renewDeadline, so a hung API server cannot hold up a shutdown for long.
   */
  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.end();
      this.wakeUp?.();
      this.stopLeading('stopped leading');
    }
    await this.running;
  }

  private async campaign(): Promise<void> {
    if (this.stopped) return;
    const { logger } = this.options;
    logger.info(
      { lease: this.desc, identity: this.options.identity },
      `attempting to acquire leader lease ${this.desc}...`,
    );
    for (;;) {
      const acquired = await this.attempt();
      this.maybeReportTransition();
      if (this.stopped) break;
      if (acquired) {
        this.leading = true;
        logger.info(
          { lease: this.desc, identity: this.options.identity },
          `successfully acquired lease ${this.desc}`,
        );
        this.callback('onStartedLeading', () => this.options.onStartedLeading());
        await this.renew();
        break;
      }
      await this.sleep(this.nextAttemptIn());
      if (this.stopped) break;
    }
    // An attempt still in flight may yet take or keep the lease: give it a bounded chance to
    // finish so that the release sees the outcome; then release, also bounded.
    if (this.inFlight) await this.within(this.inFlight, this.renewDeadlineMs);
    if (this.releaseOnCancel) await this.within(this.release(), this.renewDeadlineMs);
  }

  /**
   * client-go's renew: a round every retryPeriod; within a round, attempts every retryPeriod until
   * one succeeds, and the deadline timer ends leadership renewDeadline after the round began, even
   * while an attempt hangs.
   */
  private async renew(): Promise<void> {
    while (this.leading) {
      await this.sleep(this.retryPeriodMs);
      if (!this.leading) return;
      const deadline = this.options.clock.setTimeout(
        () =>
          this.stopLeading(`failed to renew lease ${this.desc}: timed out after ${this.renewDeadlineMs}ms`),
        this.renewDeadlineMs,
      );
      try {
        for (;;) {
          const renewed = await this.attempt();
          this.maybeReportTransition();
          if (!this.leading) return;
          if (renewed) break;
          const holder = this.observed?.holderIdentity ?? this.options.identity;
          if (holder !== this.options.identity) {
            this.stopLeading(`lease ${this.desc} lost: now held by ${holder || '(nobody)'}`);
            return;
          }
          await this.sleep(this.retryPeriodMs);
          if (!this.leading) return;
        }
      } finally {
        deadline.cancel();
      }
    }
  }

  /** One acquire-or-renew attempt; resolves false at once when the election ends meanwhile. */
  private attempt(): Promise<boolean> {
    const p = this.tryAcquireOrRenew();
    this.inFlight = p;
    return Promise.race([p, this.ended]);
  }

  /** Resolves when `p` settles or after `ms` of the clock, whichever comes first. */
  private within(p: Promise<unknown>, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.options.clock.setTimeout(resolve, ms);
      const done = (): void => {
        timer.cancel();
        resolve();
      };
      p.then(done, done);
    });
  }

  /** Ends leadership synchronously: isLeader() is false before onStoppedLeading runs. */
  private stopLeading(message: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.options.logger.info({ lease: this.desc, identity: this.options.identity }, message);
    this.callback('onStoppedLeading', () => this.options.onStoppedLeading());
    this.end();
    this.wakeUp?.();
  }

  /** client-go's tryAcquireOrRenew: true when this candidate holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, clock, identity, namespace, name, logger } = this.options;
    const now = clock.now();
    const desired: LeaderElectionRecord = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.floor(this.leaseDurationMs / 1000),
      acquireTime: rfc3339Micro(now),
      renewTime: rfc3339Micro(now),
      leaseTransitions: 0,
    };

    // Fast path: the leader renews from the Lease it last wrote, without reading it first.
    if (this.lease && this.observed && this.holdsObserved() && this.observedValid(now)) {
      const record = {
        ...desired,
        acquireTime: this.observed.acquireTime,
        leaseTransitions: this.observed.leaseTransitions,
      };
      try {
        this.setObserved(await client.update(resources.leases, { ...this.lease, spec: specOf(record) }), now);
        return true;
      } catch (err) {
        logger.debug(
          { lease: this.desc, err: errorMessage(err) },
          'failed to update lease optimistically, falling back to slow path',
        );
      }
    }

    let current: Lease;
    try {
      current = await client.get(resources.leases, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) {
        logger.warn({ lease: this.desc, err: errorMessage(err) }, 'error retrieving resource lock');
        return false;
      }
      try {
        const created = await client.create(resources.leases, {
          metadata: { namespace, name },
          spec: specOf(desired),
        });
        this.setObserved(created, now);
        return true;
      } catch (createErr) {
        logger.debug(
          { lease: this.desc, err: errorMessage(createErr) },
          'error initially creating lease lock',
        );
        return false;
      }
    }

    this.lease = current;
    const record = recordOf(current);
    const raw = rawOf(record);
    if (raw !== this.observedRaw) {
      this.observed = record;
      this.observedRaw = raw;
      this.observedTime = now;
    }
    if (record.holderIdentity !== '' && record.holderIdentity !== identity && this.observedValid(now)) {
      logger.debug(
        { lease: this.desc, holder: record.holderIdentity },
        'lock is held and has not yet expired',
      );
      return false;
    }
    const next: LeaderElectionRecord =
      record.holderIdentity === identity
        ? { ...desired, acquireTime: record.acquireTime, leaseTransitions: record.leaseTransitions }
        : { ...desired, leaseTransitions: record.leaseTransitions + 1 };
    try {
      this.setObserved(await client.update(resources.leases, { ...current, spec: specOf(next) }), now);
      return true;
    } catch (err) {
      const level = isConflict(err) ? 'debug' : 'warn';
      logger[level]({ lease: this.desc, err: errorMessage(err) }, 'failed to update lock');
      return false;
    }
  }

  /** client-go's release: a lease this candidate holds is written back with no holder. */
  private async release(): Promise<void> {
    if (!this.lease || !this.observed || !this.holdsObserved()) return;
    const now = this.options.clock.now();
    const record: LeaderElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: rfc3339Micro(now),
      renewTime: rfc3339Micro(now),
      leaseTransitions: this.observed.leaseTransitions,
    };
    try {
      this.setObserved(
        await this.options.client.update(resources.leases, { ...this.lease, spec: specOf(record) }),
        now,
      );
      this.options.logger.info({ lease: this.desc }, `released lease ${this.desc}`);
    } catch (err) {
      this.options.logger.warn({ lease: this.desc, err: errorMessage(err) }, 'failed to release lease');
    }
  }

  private setObserved(lease: Lease, now: number): void {
    this.lease = lease;
    this.observed = recordOf(lease);
    this.observedRaw = rawOf(this.observed);
    this.observedTime = now;
  }

  private holdsObserved(): boolean {
    return this.observed?.holderIdentity === this.options.identity;
  }

  /**
   * When to try to acquire next. While another holder's lease is observed valid (everynode's
   * change to client-go's jittered polling): every retry period without jitter, so the record is
   * observed at most one period after its last renewal, and no later than the moment it expires —
   * a standby then takes over at most leaseDuration + retryPeriod after the leader's last renewal.
   * Otherwise client-go's jittered period (candidates racing for a free lease spread out).
   */
  private nextAttemptIn(): number {
    const now = this.options.clock.now();
    if (!this.observed?.holderIdentity || this.holdsObserved() || !this.observedValid(now)) {
      return this.retryPeriodMs * (1 + this.random() * JITTER_FACTOR);
    }
    const expiresIn = this.observedTime + (this.observed.leaseDurationSeconds ?? 0) * 1000 - now;
    return Math.max(1, Math.min(this.retryPeriodMs, expiresIn + 1));
  }

  /** The observed lease is valid for its own leaseDurationSeconds after we first saw it. */
  private observedValid(now: number): boolean {
    return this.observedTime + (this.observed?.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  private maybeReportTransition(): void {
    const holder = this.observed?.holderIdentity ?? '';
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    if (holder === '') return;
    this.options.logger.info({ lease: this.desc, leader: holder }, `new leader elected: ${holder}`);
    if (this.options.onNewLeader) this.callback('onNewLeader', () => this.options.onNewLeader?.(holder));
  }

  /** Runs a caller's callback; a throw is logged, never allowed to break the election loop. */
  private callback(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.logger.error(
        { lease: this.desc, err: errorMessage(err) },
        `leader election ${name} threw`,
      );
    }
  }

  /** Waits on the injected clock; `stop()` and loss of leadership cut the wait short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        this.wakeUp = undefined;
        resolve();
      };
      const timer = this.options.clock.setTimeout(finish, ms);
      this.wakeUp = () => {
        timer.cancel();
        finish();
      };
    });
  }
}
