/**
 * Property: rolling updates keep their budgets at every moment, complete once pods are ready, and
 * a rollback to a revision whose pods still run restarts none of them (spec §4.1–§4.5, e2e E6–E8).
 *
 * fast-check generates a cluster of 3–8 nodes and a DaemonSet with a random RollingUpdate strategy
 * (maxUnavailable 1, 2, 25 % or 50 % without surge, or maxSurge 1, 20 % or 50 % with
 * maxUnavailable 0) and minReadySeconds 0, 5 or 10, then a sequence of template changes (new
 * image, readiness probe delay, termination time, some whose pods never become ready), strategy
 * edits, rollbacks (`rollback()` of the rollout library, to the previous or a chosen revision),
 * nodes whose pods stop becoming ready (`everynode.io/fail: never-ready` on the node) and heal
 * again, and never-ready pods healed one by one. An operation either waits until the cluster has
 * settled (fake clock) or only a few seconds, so template changes also land mid-rollout.
 *
 * Checked:
 * - continuously, after every pod and DaemonSet watch event and every clock step, by
 *   {@link RolloutMonitor} (its file comment derives the bounds): unavailable nodes within
 *   maxUnavailable beyond the §4.3 exemption, at most one new and one old pod per node, surging
 *   nodes within maxSurge beyond the §4.4 exemption;
 * - after every settled operation whose pods can all become ready (no never-ready template, no
 *   never-ready node): the rollout is complete (`rolloutStatus(ds).done`, status counters, and
 *   every node runs exactly one available pod with the current revision hash);
 * - after every settled rollback to a revision whose pods still run: those pods keep their UIDs,
 *   no pod was created on their nodes, and the reused revision was renumbered to the top;
 * - `brokenUpdateRollback`: an update whose pods never become ready leaves exactly the old pods
 *   the budget spares (n − maxUnavailable, or all n with surge beside maxSurge new ones); rolling
 *   back recreates none of them (e2e E7).
 * At the end every node is healed (and a broken template replaced) and the rollout must complete.
 * A failure prints the operations (node indexes resolved), every violation with the fake time,
 * step, node and pods, and the cluster's state.
 */
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { ControllerRevision, DaemonSet, DaemonSetSpec } from 'kubernetes-types/apps/v1.js';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { EmbeddedCluster } from '../src/cluster/embedded-cluster.js';
import { resources } from '../src/api/resources.js';
import { FAIL_ANNOTATION, TERMINATION_SECONDS_ANNOTATION } from '../src/kubelet/annotations.js';
import { computeHash } from '../src/controllers/daemonset/hash.js';
import { rollback, rolloutStatus } from '../src/controllers/daemonset/rollout.js';
import {
  REVISION_HASH_LABEL,
  checkDaemonStatus,
  daemonPods,
  independentPlacement,
  isAvailable,
  isControlledBy,
  isDeleting,
  isReady,
  statusCounters,
  targetNodeOf,
} from './support/daemonset-checks.js';
import { RolloutMonitor, specBudgets } from './support/rollout-monitor.js';
import { SteppingClock, quiesce, settleCluster } from './support/settle-cluster.js';
import { seededRandom } from './support/wait.js';

const NS = 'default';
const DS_NAME = 'roll';
const LABELS = { app: 'roll' };

// ---------------------------------------------------------------------------------------------
// The DaemonSet

type StrategyChoice =
  | 'maxUnavailable=1'
  | 'maxUnavailable=2'
  | 'maxUnavailable=25%'
  | 'maxUnavailable=50%'
  | 'maxSurge=1'
  | 'maxSurge=20%'
  | 'maxSurge=50%';

const STRATEGIES: readonly StrategyChoice[] = [
  'maxUnavailable=1',
  'maxUnavailable=2',
  'maxUnavailable=25%',
  'maxUnavailable=50%',
  'maxSurge=1',
  'maxSurge=20%',
  'maxSurge=50%',
];

function strategyOf(choice: StrategyChoice): NonNullable<DaemonSetSpec['updateStrategy']> {
  const [key, raw] = choice.split('=') as [string, string];
  const value: number | string = raw.endsWith('%') ? raw : Number(raw);
  return {
    type: 'RollingUpdate',
    rollingUpdate:
      key === 'maxSurge' ? { maxSurge: value, maxUnavailable: 0 } : { maxUnavailable: value, maxSurge: 0 },
  };
}

type MinReady = 0 | 5 | 10;

/** One template version: how its pods become ready and how long they take to stop. */
interface Version {
  /** Seconds until the readiness probe first succeeds; 0 = no probe (ready when started). */
  readonly readyDelay: 0 | 2 | 8 | 20;
  /** `everynode.io/termination-seconds` of its pods. */
  readonly termSeconds: 0 | 3;
  /** Its pods carry `everynode.io/fail: never-ready`: they never become ready. */
  readonly broken: boolean;
}

function template(version: Version, image: string): PodTemplateSpec {
  const annotations: Record<string, string> = {};
  if (version.broken) annotations[FAIL_ANNOTATION] = 'never-ready';
  if (version.termSeconds > 0) annotations[TERMINATION_SECONDS_ANNOTATION] = String(version.termSeconds);
  return {
    metadata: { labels: { ...LABELS }, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    spec: {
      containers: [
        {
          name: 'app',
          image,
          ...(version.readyDelay > 0
            ? {
                readinessProbe: {
                  exec: { command: ['true'] },
                  initialDelaySeconds: version.readyDelay,
                  periodSeconds: 1,
                },
              }
            : {}),
        },
      ],
    },
  };
}

const describeVersion = (v: Version): string =>
  `ready after ${v.readyDelay}s, stops in ${v.termSeconds}s${v.broken ? ', NEVER READY' : ''}`;

// ---------------------------------------------------------------------------------------------
// Operations

/** 'settle': until the cluster is at rest; a number: only that many seconds of fake time. */
type Wait = 'settle' | 0 | 1 | 4 | 12 | 30;

type Op =
  | { readonly kind: 'update'; readonly version: Version; readonly wait: Wait }
  | {
      readonly kind: 'strategy';
      readonly strategy: StrategyChoice;
      readonly minReady: MinReady;
      readonly wait: Wait;
    }
  /** `target` null: the previous revision (toRevision 0); else an index into the history. */
  | { readonly kind: 'rollback'; readonly target: number | null; readonly wait: Wait }
  | {
      readonly kind: 'nodeReadiness';
      readonly node: number;
      readonly neverReady: boolean;
      readonly wait: Wait;
    }
  | { readonly kind: 'healPods'; readonly wait: Wait }
  /** A never-ready update, settled, then a rollback to the revision before it, settled. */
  | { readonly kind: 'brokenUpdateRollback'; readonly version: Version };

const waitText = (w: Wait): string => (w === 'settle' ? '' : `, then ${w}s`);

function describeOp(op: Op): string {
  switch (op.kind) {
    case 'update':
      return `update(${describeVersion(op.version)}${waitText(op.wait)})`;
    case 'strategy':
      return `strategy(${op.strategy}, minReadySeconds=${op.minReady}${waitText(op.wait)})`;
    case 'rollback':
      return `rollback(${op.target === null ? 'previous' : `history[${op.target}]`}${waitText(op.wait)})`;
    case 'nodeReadiness':
      return `${op.neverReady ? 'neverReady' : 'heal'}(node#${op.node}${waitText(op.wait)})`;
    case 'healPods':
      return `healPods(${waitText(op.wait).slice(2)})`;
    case 'brokenUpdateRollback':
      return `brokenUpdateRollback(${describeVersion(op.version)})`;
  }
}

const printable = <T extends Op>(op: T): T =>
  Object.assign({ ...op }, { [fc.toStringMethod]: () => describeOp(op) });

const strategyArb = fc.constantFrom<StrategyChoice>(...STRATEGIES);
const minReadyArb = fc.constantFrom<MinReady>(0, 5, 10);
const goodVersionArb: fc.Arbitrary<Version> = fc.record({
  readyDelay: fc.constantFrom<Version['readyDelay']>(0, 2, 8, 20),
  termSeconds: fc.constantFrom<Version['termSeconds']>(0, 0, 3),
  broken: fc.constant(false),
});
const versionArb: fc.Arbitrary<Version> = fc.record({
  readyDelay: fc.constantFrom<Version['readyDelay']>(0, 2, 8, 20),
  termSeconds: fc.constantFrom<Version['termSeconds']>(0, 0, 3),
  broken: fc.constantFrom(false, false, false, true),
});
const waitArb: fc.Arbitrary<Wait> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Wait>('settle') },
  { weight: 2, arbitrary: fc.constantFrom<Wait>(0, 1, 4, 12, 30) },
);
const nodeIndex = fc.nat({ max: 7 });

const opArb: fc.Arbitrary<Op> = fc
  .oneof(
    {
      weight: 5,
      arbitrary: fc
        .tuple(versionArb, waitArb)
        .map(([version, wait]): Op => ({ kind: 'update', version, wait })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(strategyArb, minReadyArb, waitArb)
        .map(([strategy, minReady, wait]): Op => ({ kind: 'strategy', strategy, minReady, wait })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.option(fc.nat({ max: 9 }), { nil: null }), waitArb)
        .map(([target, wait]): Op => ({ kind: 'rollback', target, wait })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(nodeIndex, fc.boolean(), waitArb)
        .map(([node, neverReady, wait]): Op => ({ kind: 'nodeReadiness', node, neverReady, wait })),
    },
    { weight: 1, arbitrary: waitArb.map((wait): Op => ({ kind: 'healPods', wait })) },
    {
      weight: 2,
      arbitrary: goodVersionArb.map((version): Op => ({ kind: 'brokenUpdateRollback', version })),
    },
  )
  .map(printable);

interface ScenarioInput {
  readonly nodes: number;
  readonly strategy: StrategyChoice;
  readonly minReady: MinReady;
  readonly version: Version;
  readonly ops: Op[];
}

const scenarioArb: fc.Arbitrary<ScenarioInput> = fc.record({
  nodes: fc.integer({ min: 3, max: 8 }),
  strategy: strategyArb,
  minReady: minReadyArb,
  version: goodVersionArb,
  ops: fc.array(opArb, { minLength: 2, maxLength: 7 }),
});

const V = (
  readyDelay: Version['readyDelay'],
  termSeconds: Version['termSeconds'] = 0,
  broken = false,
): Version => ({
  readyDelay,
  termSeconds,
  broken,
});

const example = (s: Omit<ScenarioInput, 'ops'>, ops: Op[]): [ScenarioInput] => [
  { ...s, ops: ops.map(printable) },
];

/** Run first (fast-check `examples`): the e2e shapes and corners random runs reach rarely. */
const EXAMPLES: ReadonlyArray<[ScenarioInput]> = [
  // E6/E7: maxUnavailable 1; an update to pods that never become ready, rolled back.
  example({ nodes: 4, strategy: 'maxUnavailable=1', minReady: 0, version: V(0) }, [
    { kind: 'update', version: V(2), wait: 'settle' },
    { kind: 'brokenUpdateRollback', version: V(0) },
  ]),
  // E8: maxSurge 20 %, minReadySeconds 10, probe; then a broken update rolled back with surge.
  example({ nodes: 5, strategy: 'maxSurge=20%', minReady: 10, version: V(2) }, [
    { kind: 'update', version: V(8, 3), wait: 'settle' },
    { kind: 'brokenUpdateRollback', version: V(2) },
  ]),
  // Template changes mid-rollout with surge, then a rollback while pods of two revisions run.
  example({ nodes: 6, strategy: 'maxSurge=50%', minReady: 5, version: V(0) }, [
    { kind: 'update', version: V(8), wait: 4 },
    { kind: 'update', version: V(20, 3), wait: 4 },
    { kind: 'rollback', target: null, wait: 'settle' },
  ]),
  // A node whose new pods never become ready stalls the update; switch to surge; heal.
  example({ nodes: 8, strategy: 'maxUnavailable=25%', minReady: 5, version: V(2) }, [
    { kind: 'nodeReadiness', node: 1, neverReady: true, wait: 'settle' },
    { kind: 'update', version: V(8), wait: 'settle' },
    { kind: 'strategy', strategy: 'maxSurge=1', minReady: 10, wait: 'settle' },
    { kind: 'update', version: V(2), wait: 'settle' },
    { kind: 'nodeReadiness', node: 1, neverReady: false, wait: 'settle' },
  ]),
  // Half the nodes end up with never-ready pods; with surge, a good update replaces all of them
  // at once, beyond maxSurge 1 (§4.4: an unavailable old pod gets a new one regardless).
  example({ nodes: 6, strategy: 'maxUnavailable=50%', minReady: 5, version: V(2) }, [
    { kind: 'update', version: V(0, 0, true), wait: 'settle' },
    { kind: 'strategy', strategy: 'maxSurge=1', minReady: 5, wait: 'settle' },
    { kind: 'update', version: V(8, 3), wait: 12 },
    { kind: 'rollback', target: null, wait: 'settle' },
  ]),
  // The budget shrinks while a broken update holds it; pods healed one by one; a good update.
  example({ nodes: 7, strategy: 'maxUnavailable=50%', minReady: 0, version: V(0, 3) }, [
    { kind: 'update', version: V(2, 0, true), wait: 'settle' },
    { kind: 'strategy', strategy: 'maxUnavailable=1', minReady: 5, wait: 'settle' },
    { kind: 'healPods', wait: 'settle' },
    { kind: 'update', version: V(0), wait: 'settle' },
    { kind: 'rollback', target: 0, wait: 'settle' },
  ]),
];

// ---------------------------------------------------------------------------------------------
// Running one scenario

/** A SteppingClock that lets the monitor evaluate after every step of time. */
class ObservedClock extends SteppingClock {
  onAdvance: (() => void) | undefined;

  override advance(ms: number): void {
    super.advance(ms);
    this.onAdvance?.();
  }
}

class ScenarioFailure extends Error {}

interface RollbackRecord {
  readonly text: string;
  /** The live pods of the revision rolled back to, by node, when the rollback was issued. */
  readonly keep: ReadonlyMap<string, Pod>;
  /** UIDs of every pod of the DaemonSet at that moment. */
  readonly before: ReadonlySet<string>;
  readonly hash: string;
  /** The highest revision number before the rollback. */
  readonly topBefore: number;
  /** False when the template already matched (kubectl's "skipped rollback"). */
  readonly changed: boolean;
}

const hashOf = (p: Pod): string => p.metadata?.labels?.[REVISION_HASH_LABEL] ?? '';

class Scenario {
  readonly log: string[] = [];
  private images = 0;
  private strategy: StrategyChoice;
  private minReady: MinReady;

  constructor(
    readonly cluster: EmbeddedCluster,
    readonly clock: ObservedClock,
    readonly monitor: RolloutMonitor,
    input: ScenarioInput,
  ) {
    this.strategy = input.strategy;
    this.minReady = input.minReady;
  }

  get store(): EmbeddedCluster['store'] {
    return this.cluster.store;
  }

  private seconds(): string {
    return `t=${((this.clock.now() - START) / 1000).toFixed(1)}s`;
  }

  ds(): DaemonSet {
    const ds = this.store.get(resources.daemonsets, NS, DS_NAME);
    if (!ds) throw new Error('the DaemonSet is gone');
    return ds;
  }

  nodeNames(): string[] {
    return this.store
      .list(resources.nodes)
      .items.map((n) => n.metadata?.name ?? '')
      .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  }

  private desiredNodes(): string[] {
    const ds = this.ds();
    return this.store
      .list(resources.nodes)
      .items.filter((n) => independentPlacement(n, ds).shouldRun)
      .map((n) => n.metadata?.name ?? '');
  }

  pods(): Pod[] {
    return daemonPods(this.store, this.ds());
  }

  live(): Pod[] {
    return this.pods().filter((p) => !isDeleting(p));
  }

  revisions(): ControllerRevision[] {
    const uid = this.ds().metadata?.uid;
    return this.store
      .list(resources.controllerrevisions, { namespace: NS })
      .items.filter((r) => isControlledBy(r, uid))
      .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  }

  /** The hash of the ControllerRevision with the highest number. */
  currentRevisionHash(): string | undefined {
    return this.revisions().at(-1)?.metadata?.labels?.[REVISION_HASH_LABEL];
  }

  /** Every pod can become ready: no never-ready template and no never-ready node. */
  healthy(): boolean {
    if (this.ds().spec?.template.metadata?.annotations?.[FAIL_ANNOTATION]) return false;
    return this.store.list(resources.nodes).items.every((n) => !n.metadata?.annotations?.[FAIL_ANNOTATION]);
  }

  async create(input: ScenarioInput): Promise<void> {
    const ds: DaemonSet = {
      metadata: { name: DS_NAME, namespace: NS },
      spec: {
        selector: { matchLabels: { ...LABELS } },
        updateStrategy: strategyOf(input.strategy),
        minReadySeconds: input.minReady,
        template: template(input.version, `app:${++this.images}`),
      },
    };
    this.monitor.step = 'create';
    this.monitor.recordSpec(await this.cluster.client.create(resources.daemonsets, ds));
    this.log.push(
      `start: ${input.nodes} nodes; DaemonSet ${input.strategy}, minReadySeconds=${input.minReady}, app:1 (${describeVersion(input.version)})`,
    );
  }

  /** Replaces the spec (read and written in one turn: no conflict with status writes). */
  private async writeSpec(edit: (spec: DaemonSetSpec) => DaemonSetSpec): Promise<DaemonSet> {
    const current = this.ds();
    const written = await this.cluster.client.update(resources.daemonsets, {
      ...current,
      spec: edit(structuredClone(current.spec!)),
    });
    this.monitor.recordSpec(written);
    return written;
  }

  private async update(version: Version): Promise<string> {
    const image = `app:${++this.images}`;
    const ds = await this.writeSpec((spec) => ({ ...spec, template: template(version, image) }));
    return `update to ${image} (${describeVersion(version)}) → generation ${ds.metadata?.generation}`;
  }

  /** Settles, or lets `wait` seconds of fake time pass; returns a note for the log. */
  async wait(wait: Wait): Promise<string> {
    if (wait === 'settle') {
      const r = await settleCluster(this.cluster, this.clock, {
        quietMs: 60_000,
        maxAdvanceMs: 20 * 60_000,
        maxSteps: 5_000,
      });
      return r.settled ? ` [settled at ${this.seconds()}]` : ` [NOT settled after ${r.advancedMs / 1000}s]`;
    }
    const end = this.clock.now() + wait * 1000;
    await quiesce(this.store);
    while (this.clock.now() < end) {
      const next = this.clock.nextDue();
      const target = Math.min(next ?? Infinity, this.clock.now() + 5_000, end);
      this.clock.advance(Math.max(0, target - this.clock.now()));
      await quiesce(this.store);
    }
    return ` [${this.seconds()}]`;
  }

  /** Problems with "the rollout is complete" (§4.8 rollout status, E6's checks). */
  completionProblems(): string[] {
    const ds = this.ds();
    const problems: string[] = [];
    const st = rolloutStatus(ds);
    if (!st.done || st.error) problems.push(`rolloutStatus: ${st.message.trim()}`);
    const expected = computeHash(ds.spec?.template, ds.status?.collisionCount);
    const revHash = this.currentRevisionHash();
    if (revHash !== expected)
      problems.push(`the highest revision has hash ${revHash}, the template's is ${expected}`);
    const desired = this.desiredNodes();
    const status = checkDaemonStatus(this.store, ds, desired.length);
    if (status) problems.push(status);
    const now = this.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const pods = this.pods();
    for (const node of desired) {
      const here = pods.filter((p) => targetNodeOf(p) === node);
      const ok =
        here.length === 1 &&
        here.every((p) => !isDeleting(p) && hashOf(p) === expected && isAvailable(p, minReady, now));
      if (!ok)
        problems.push(
          `${node} should run exactly one available pod of ${expected}, runs [${here.map(podText(ds, now)).join(', ')}]`,
        );
    }
    return problems;
  }

  /**
   * Rolls back and records what must survive: the live pods of the target revision (by node).
   * Returns undefined when there was nothing to roll back to.
   */
  private async rollbackTo(toRevision: number | undefined): Promise<RollbackRecord | undefined> {
    const history = this.revisions();
    const topBefore = history.at(-1)?.revision ?? 0;
    const target = toRevision === undefined ? history.at(-2) : history.find((r) => r.revision === toRevision);
    if (!target) return undefined;
    const hash = target.metadata?.labels?.[REVISION_HASH_LABEL] ?? '';
    const keep = new Map<string, Pod>();
    for (const p of this.live()) if (hashOf(p) === hash) keep.set(targetNodeOf(p) ?? '', p);
    const before = new Set(this.pods().map((p) => p.metadata?.uid ?? ''));
    const r = await rollback(this.cluster.client, this.ds(), toRevision === undefined ? {} : { toRevision });
    const text =
      `rollback to revision ${target.revision} (${hash}; ${keep.size} of its pods run: ${[...keep.keys()].sort().join(', ') || 'none'})` +
      ` → ${r.message}`;
    return { text, keep, before, hash, topBefore, changed: r.changed };
  }

  /**
   * After a settled rollback: the pods of the revision rolled back to are still there (same UID,
   * not deleting), no pod was created on their nodes, and that revision was renumbered to the top.
   */
  private rollbackProblems(rb: RollbackRecord): string[] {
    const problems: string[] = [];
    const now = this.clock.now();
    const ds = this.ds();
    const pods = this.pods();
    for (const [node, kept] of rb.keep) {
      const here = pods.filter((p) => targetNodeOf(p) === node);
      const survivor = here.find((p) => p.metadata?.uid === kept.metadata?.uid && !isDeleting(p));
      const created = here.filter((p) => !rb.before.has(p.metadata?.uid ?? ''));
      if (!survivor || created.length > 0)
        problems.push(
          `${node}: pod ${kept.metadata?.name} of the revision rolled back to should have been kept and nothing created beside it, the node runs [${here.map(podText(ds, now)).join(', ')}]`,
        );
    }
    if (rb.changed) {
      const revs = this.revisions();
      const top = revs.at(-1);
      if (top?.metadata?.labels?.[REVISION_HASH_LABEL] !== rb.hash || top.revision !== rb.topBefore + 1)
        problems.push(
          `revision ${rb.hash} should have been renumbered to ${rb.topBefore + 1} (the highest), revisions are ${revs.map((r) => `${r.revision}:${r.metadata?.labels?.[REVISION_HASH_LABEL]}`).join(', ')}`,
        );
    }
    return problems;
  }

  /** Applies one op (including its waiting) and checks what it promises. */
  async apply(op: Op): Promise<void> {
    const c = this.cluster.client;
    this.monitor.step = describeOp(op);
    switch (op.kind) {
      case 'update': {
        const did = await this.update(op.version);
        this.log.push(did + (await this.wait(op.wait)));
        break;
      }
      case 'strategy': {
        this.strategy = op.strategy;
        this.minReady = op.minReady;
        const ds = await this.writeSpec((spec) => ({
          ...spec,
          updateStrategy: strategyOf(op.strategy),
          minReadySeconds: op.minReady,
        }));
        this.log.push(
          `strategy ${op.strategy}, minReadySeconds=${op.minReady} → generation ${ds.metadata?.generation}` +
            (await this.wait(op.wait)),
        );
        break;
      }
      case 'rollback': {
        const history = this.revisions();
        const toRevision = op.target === null ? undefined : history[op.target % history.length]?.revision;
        const rb = await this.rollbackTo(toRevision);
        if (!rb) {
          this.log.push(`rollback: no previous revision, skipped${await this.wait(op.wait)}`);
          break;
        }
        this.log.push(rb.text + (await this.wait(op.wait)));
        if (op.wait === 'settle')
          this.fail(
            this.rollbackProblems(rb),
            'the rollback restarted pods or did not renumber its revision',
          );
        break;
      }
      case 'nodeReadiness': {
        const names = this.nodeNames();
        const node = names[op.node % names.length] ?? '';
        await c.patch(resources.nodes, '', node, 'merge', {
          metadata: { annotations: { [FAIL_ANNOTATION]: op.neverReady ? 'never-ready' : null } },
        });
        this.log.push(
          `${op.neverReady ? `${node}: new pods never become ready` : `${node} healed`}${await this.wait(op.wait)}`,
        );
        break;
      }
      case 'healPods': {
        const healed: string[] = [];
        for (const p of this.live()) {
          if (!p.metadata?.annotations?.[FAIL_ANNOTATION]) continue;
          await c.patch(resources.pods, NS, p.metadata.name ?? '', 'merge', {
            metadata: { annotations: { [FAIL_ANNOTATION]: null } },
          });
          healed.push(`${p.metadata.name} on ${targetNodeOf(p)}`);
        }
        this.log.push(`heal never-ready pods [${healed.join(', ')}]${await this.wait(op.wait)}`);
        break;
      }
      case 'brokenUpdateRollback':
        await this.brokenUpdateRollback(op.version);
        break;
    }
    this.checkMonitor();
    if (op.kind === 'brokenUpdateRollback' || op.wait === 'settle') this.checkCompletion();
  }

  /** E7: a never-ready update keeps the pods the budget spares; rolling back restarts none. */
  private async brokenUpdateRollback(good: Version): Promise<void> {
    const pre = await this.wait('settle');
    const complete = this.healthy() && this.completionProblems().length === 0;
    const before = this.currentRevisionHash() ?? '';
    const beforeRev = this.revisions().at(-1)?.revision;
    const did = await this.update({ ...good, broken: true });
    this.log.push(`${pre.trim()} ${did}${await this.wait('settle')}`);
    this.checkMonitor();
    const ds = this.ds();
    const n = this.desiredNodes().length;
    const survivors = this.live().filter((p) => hashOf(p) === before);
    const fresh = this.live().filter((p) => hashOf(p) !== before);
    const { maxUnavailable, maxSurge } = specBudgets(ds.spec, n);
    if (complete) {
      const problems: string[] = [];
      if (rolloutStatus(ds).done) problems.push('the never-ready rollout reports done');
      const wantOld = maxSurge > 0 ? n : n - Math.min(n, maxUnavailable);
      const wantNew = maxSurge > 0 ? Math.min(n, maxSurge) : Math.min(n, maxUnavailable);
      if (survivors.length !== wantOld || fresh.length !== wantNew)
        problems.push(
          `with ${n} nodes, maxUnavailable ${maxUnavailable} and maxSurge ${maxSurge}, a never-ready update should leave ${wantOld} old and ${wantNew} new pods, found ${survivors.length} old and ${fresh.length} new`,
        );
      this.fail(problems, 'the never-ready update did not stop at its budget');
    }
    const rb = await this.rollbackTo(beforeRev);
    if (!rb) throw new Error('brokenUpdateRollback: the previous revision is gone');
    this.monitor.step = `${describeOp({ kind: 'brokenUpdateRollback', version: good })}: rollback`;
    this.log.push(rb.text + (await this.wait('settle')));
    this.fail(this.rollbackProblems(rb), 'the rollback restarted pods or did not renumber its revision');
  }

  /** Heals every node (and a never-ready template), settles, and expects a finished rollout. */
  async finish(): Promise<void> {
    this.monitor.step = 'finish';
    const healed: string[] = [];
    for (const n of this.store.list(resources.nodes).items) {
      if (!n.metadata?.annotations?.[FAIL_ANNOTATION]) continue;
      await this.cluster.client.patch(resources.nodes, '', n.metadata.name ?? '', 'merge', {
        metadata: { annotations: { [FAIL_ANNOTATION]: null } },
      });
      healed.push(n.metadata.name ?? '');
    }
    let did = healed.length > 0 ? `finish: heal ${healed.join(', ')}` : 'finish';
    if (this.ds().spec?.template.metadata?.annotations?.[FAIL_ANNOTATION])
      did += `; ${await this.update(V(0))}`;
    this.log.push(did + (await this.wait('settle')));
    this.checkMonitor();
    this.checkCompletion();
  }

  checkMonitor(): void {
    this.fail(
      this.monitor.violations.map((v) => this.monitor.describe(v)),
      'rollout invariants violated',
    );
  }

  checkCompletion(): void {
    if (!this.healthy()) return;
    this.fail(this.completionProblems(), 'the rollout did not complete although every pod can become ready');
  }

  fail(problems: readonly string[], headline: string): void {
    if (problems.length === 0) return;
    throw new ScenarioFailure(
      [
        `${headline} (after: ${this.log.at(-1) ?? 'start'})`,
        'operations:',
        ...this.log.map((l, i) => `  ${i}. ${l}`),
        'problems:',
        ...problems.map((p) => `  - ${p}`),
        'state:',
        ...this.dump().map((l) => `  ${l}`),
      ].join('\n'),
    );
  }

  dump(): string[] {
    const ds = this.store.get(resources.daemonsets, NS, DS_NAME);
    if (!ds) return ['the DaemonSet is gone'];
    const now = this.clock.now();
    const lines = [
      `${this.seconds()}; DaemonSet generation ${ds.metadata?.generation}, observed ${ds.status?.observedGeneration}, ` +
        `${this.strategy}, minReadySeconds=${this.minReady}, template hash ${computeHash(ds.spec?.template, ds.status?.collisionCount)}` +
        `${ds.spec?.template.metadata?.annotations?.[FAIL_ANNOTATION] ? ' (never-ready template)' : ''}`,
      `status ${JSON.stringify(statusCounters(ds))}; rolloutStatus: ${rolloutStatus(ds).message.trim()}`,
      `revisions ${this.revisions()
        .map((r) => `${r.revision}:${r.metadata?.labels?.[REVISION_HASH_LABEL]}`)
        .join(', ')}`,
    ];
    const pods = this.pods();
    for (const node of this.nodeNames()) {
      const n = this.store.get(resources.nodes, '', node);
      const fail = n?.metadata?.annotations?.[FAIL_ANNOTATION];
      const here = pods.filter((p) => targetNodeOf(p) === node);
      lines.push(
        `${node}${fail ? ` (fail=${fail})` : ''}: ${here.map(podText(ds, now)).join(', ') || 'no pod'}`,
      );
    }
    return lines;
  }
}

const START = Date.parse('2026-01-01T00:00:00Z');

const podText =
  (ds: DaemonSet, now: number) =>
  (p: Pod): string => {
    const ready = (p.status?.conditions ?? []).find((c) => c.type === 'Ready');
    const since =
      ready?.status === 'True'
        ? ` since ${((Date.parse(ready.lastTransitionTime ?? '') - START) / 1000).toFixed(1)}s`
        : '';
    const state = isAvailable(p, ds.spec?.minReadySeconds ?? 0, now)
      ? `available${since}`
      : isReady(p)
        ? `ready${since}`
        : `unready`;
    return (
      `${p.metadata?.name}(${hashOf(p)} ${p.spec?.containers[0]?.image} ${p.status?.phase ?? 'no phase'} ${state}` +
      `${isDeleting(p) ? ' deleting' : ''}${p.metadata?.annotations?.[FAIL_ANNOTATION] ? ' never-ready' : ''}` +
      ` created ${((Date.parse(p.metadata?.creationTimestamp ?? '') - START) / 1000).toFixed(1)}s)`
    );
  };

async function runScenario(input: ScenarioInput): Promise<void> {
  const clock = new ObservedClock(START);
  const cluster = await EmbeddedCluster.start({ nodes: input.nodes, clock, random: seededRandom(11) });
  const monitor = new RolloutMonitor(cluster.store, clock, NS, DS_NAME);
  try {
    await monitor.watch(cluster.client);
    clock.onAdvance = () => monitor.evaluate(`clock step to t=${((clock.now() - START) / 1000).toFixed(1)}s`);
    const scenario = new Scenario(cluster, clock, monitor, input);
    await scenario.create(input);
    scenario.log[0] += await scenario.wait('settle');
    scenario.checkMonitor();
    scenario.checkCompletion();
    for (const op of input.ops) await scenario.apply(op);
    await scenario.finish();
  } finally {
    clock.onAdvance = undefined;
    monitor.stop();
    await cluster.stop();
  }
}

describe('DaemonSet rollout properties', () => {
  test('rolling updates keep maxUnavailable and maxSurge at every event, complete once pods are ready, and roll back without restarts', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, (s) => runScenario(s)),
      { seed: 20260101, numRuns: 100, examples: [...EXAMPLES] },
    );
  });
});
