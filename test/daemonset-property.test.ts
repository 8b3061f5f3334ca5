/**
 * Property: whatever happens to the nodes and to the DaemonSet, once the cluster has settled the
 * DaemonSet runs exactly one pod on every node that should run one, none where pods must go, its
 * status counters equal a recount from pods and nodes, and explainDaemonSet agrees with what runs.
 *
 * fast-check drives random sequences of operations on an embedded cluster (every component, fast
 * kubelet, a fake clock): nodes added (some with room for no pod), removed, re-created, labelled,
 * tainted, losing and regaining their heartbeat; daemon pods failing (phase Failed, or
 * `everynode.io/fail` on pods and nodes); the DaemonSet's nodeSelector, node affinity,
 * tolerations, image and update strategy (maxUnavailable, maxSurge, OnDelete) edited. After every
 * operation `settleCluster` lets back-offs, grace periods and pod GC play out, then every
 * invariant is checked. A failure reports the operations run so far (node indexes resolved to
 * names), the mismatches and the cluster's state. The DaemonSet controller is built through
 * `extraControllers` (exactly as the cluster builds it) to read its failed-pod back-offs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DaemonSet, DaemonSetUpdateStrategy } from 'kubernetes-types/apps/v1.js';
import type {
  Affinity,
  Node,
  NodeSelectorRequirement,
  Pod,
  Taint,
  Toleration,
} from 'kubernetes-types/core/v1.js';
import { EmbeddedCluster } from '../src/cluster/embedded-cluster.js';
import { resources } from '../src/api/resources.js';
import { CAPACITY_ANNOTATION, FAIL_ANNOTATION, HEARTBEAT_ANNOTATION } from '../src/kubelet/annotations.js';
import type { FailureMode } from '../src/kubelet/annotations.js';
import { DaemonSetsController } from '../src/controllers/daemonset/controller.js';
import { nodeShouldRunDaemonPod } from '../src/controllers/daemonset/placement.js';
import { computeStatus } from '../src/controllers/daemonset/status.js';
import { failedPodsBackoffKey, groupPodsByNode } from '../src/controllers/daemonset/manage.js';
import { explainDaemonSet } from '../src/controllers/daemonset/explain.js';
import { computeHash } from '../src/controllers/daemonset/hash.js';
import {
  REVISION_HASH_LABEL,
  currentHash,
  daemonPods,
  diffCounters,
  independentPlacement,
  isAvailable,
  isDeleting,
  isReady,
  isUpdated,
  keepOrder,
  podsByNode,
  recountStatus,
  statusCounters,
  targetNodeOf,
} from './support/daemonset-checks.js';
import { SteppingClock, settleCluster } from './support/settle-cluster.js';
import { seededRandom } from './support/wait.js';

const NS = 'default';
const DS_NAME = 'every';
const LABELS = { app: 'every' };
const TAINT_KEY = 'dedicated';

// ---------------------------------------------------------------------------------------------
// The DaemonSet's placement knobs

const NODE_SELECTORS = { none: undefined, 'tier=a': { tier: 'a' }, 'tier=b': { tier: 'b' } } as const;
type NodeSelectorChoice = keyof typeof NODE_SELECTORS;

type AffinityChoice = 'none' | 'color In [blue]' | 'color NotIn [green]' | 'color Exists';
const AFFINITIES: Record<AffinityChoice, NodeSelectorRequirement | undefined> = {
  none: undefined,
  'color In [blue]': { key: 'color', operator: 'In', values: ['blue'] },
  'color NotIn [green]': { key: 'color', operator: 'NotIn', values: ['green'] },
  'color Exists': { key: 'color', operator: 'Exists' },
};

const TOLERATIONS: Record<string, Toleration[] | undefined> = {
  none: undefined,
  'dedicated:NoSchedule': [{ key: TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }],
  'dedicated (any effect)': [{ key: TAINT_KEY, operator: 'Exists' }],
};
type TolerationChoice = 'none' | 'dedicated:NoSchedule' | 'dedicated (any effect)';

const IMAGES = ['app:1', 'app:2', 'app:3'] as const;
type Image = (typeof IMAGES)[number];

type StrategyChoice = 'maxUnavailable=1' | 'maxSurge=1' | 'OnDelete';
const STRATEGIES: Record<StrategyChoice, DaemonSetUpdateStrategy> = {
  'maxUnavailable=1': { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
  'maxSurge=1': { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
  OnDelete: { type: 'OnDelete' },
};

interface DsShape {
  readonly nodeSelector: NodeSelectorChoice;
  readonly affinity: AffinityChoice;
  readonly toleration: TolerationChoice;
  readonly image: Image;
  readonly strategy: StrategyChoice;
}

function affinityOf(choice: AffinityChoice): Affinity | undefined {
  const expr = AFFINITIES[choice];
  if (!expr) return undefined;
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [structuredClone(expr)] }],
      },
    },
  };
}

function daemonSet(shape: DsShape): DaemonSet {
  const nodeSelector = NODE_SELECTORS[shape.nodeSelector];
  const affinity = affinityOf(shape.affinity);
  const tolerations = TOLERATIONS[shape.toleration];
  return {
    metadata: { name: DS_NAME, namespace: NS },
    spec: {
      selector: { matchLabels: LABELS },
      updateStrategy: structuredClone(STRATEGIES[shape.strategy]),
      template: {
        metadata: { labels: LABELS },
        spec: {
          containers: [{ name: 'app', image: shape.image }],
          ...(nodeSelector ? { nodeSelector: { ...nodeSelector } } : {}),
          ...(affinity ? { affinity } : {}),
          ...(tolerations ? { tolerations } : {}),
        },
      },
    },
  };
}

const describeShape = (s: DsShape): string =>
  `nodeSelector=${s.nodeSelector}, affinity=${s.affinity}, toleration=${s.toleration}, image=${s.image}, strategy=${s.strategy}`;

// ---------------------------------------------------------------------------------------------
// Operations

type Color = 'blue' | 'green';
type Tier = 'a' | 'b';

interface NodeLabels {
  readonly color?: Color;
  readonly tier?: Tier;
}

/** `node` picks a node by index into the current node list (modulo its length). */
type Op =
  /** `full`: the node has room for no pod, so a daemon pod stays Pending and unbound there. */
  | { readonly kind: 'addNode'; readonly labels: NodeLabels; readonly full: boolean }
  | { readonly kind: 'removeNode'; readonly node: number }
  /** The node object deleted and created again at once (same name, new labels): its pods stay bound. */
  | { readonly kind: 'recreateNode'; readonly node: number; readonly labels: NodeLabels }
  | {
      readonly kind: 'label';
      readonly node: number;
      readonly key: 'color' | 'tier';
      readonly value: string | null;
    }
  | { readonly kind: 'taint'; readonly node: number; readonly effect: 'NoSchedule' | 'NoExecute' }
  | { readonly kind: 'untaint'; readonly node: number }
  | { readonly kind: 'toggleHeartbeat'; readonly node: number }
  | { readonly kind: 'failPod'; readonly node: number }
  | { readonly kind: 'annotatePod'; readonly node: number; readonly mode: FailureMode }
  | { readonly kind: 'annotateNode'; readonly node: number; readonly mode: FailureMode | null }
  | { readonly kind: 'setNodeSelector'; readonly choice: NodeSelectorChoice }
  | { readonly kind: 'setAffinity'; readonly choice: AffinityChoice }
  | { readonly kind: 'setToleration'; readonly choice: TolerationChoice }
  | { readonly kind: 'setImage'; readonly image: Image }
  | { readonly kind: 'setStrategy'; readonly choice: StrategyChoice };

const labelsText = (l: NodeLabels): string =>
  Object.entries(l)
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || 'no labels';

function describeOp(op: Op): string {
  switch (op.kind) {
    case 'addNode':
      return `addNode(${labelsText(op.labels)}${op.full ? ', full' : ''})`;
    case 'removeNode':
    case 'untaint':
    case 'toggleHeartbeat':
    case 'failPod':
      return `${op.kind}(node#${op.node})`;
    case 'recreateNode':
      return `recreateNode(node#${op.node}, ${labelsText(op.labels)})`;
    case 'label':
      return op.value === null
        ? `unlabel(node#${op.node}, ${op.key})`
        : `label(node#${op.node}, ${op.key}=${op.value})`;
    case 'taint':
      return `taint(node#${op.node}, ${TAINT_KEY}=infra:${op.effect})`;
    case 'annotatePod':
      return `annotatePod(pod on node#${op.node}, fail=${op.mode})`;
    case 'annotateNode':
      return op.mode === null
        ? `clearNodeFailure(node#${op.node})`
        : `annotateNode(node#${op.node}, fail=${op.mode})`;
    case 'setNodeSelector':
      return `ds.nodeSelector := ${op.choice}`;
    case 'setAffinity':
      return `ds.affinity := ${op.choice}`;
    case 'setToleration':
      return `ds.tolerations := ${op.choice}`;
    case 'setImage':
      return `ds.image := ${op.image}`;
    case 'setStrategy':
      return `ds.updateStrategy := ${op.choice}`;
  }
}

/** Ops print as `taint(node#1, dedicated=infra:NoExecute)` in counterexamples. */
const printable = <T extends Op>(op: T): T =>
  Object.assign({ ...op }, { [fc.toStringMethod]: () => describeOp(op) });

const nodeIndex = fc.nat({ max: 7 });
const colorArb = fc.constantFrom<Color>('blue', 'green');
const tierArb = fc.constantFrom<Tier>('a', 'b');
const labelsArb: fc.Arbitrary<NodeLabels> = fc.record(
  { color: colorArb, tier: tierArb },
  { requiredKeys: [] },
);
const failModeArb = fc.constantFrom<FailureMode>('crash', 'image-pull', 'never-ready', 'failed');

const opArb: fc.Arbitrary<Op> = fc
  .oneof(
    {
      weight: 2,
      arbitrary: fc
        .tuple(labelsArb, fc.constantFrom(false, false, false, true))
        .map(([labels, full]): Op => ({ kind: 'addNode', labels, full })),
    },
    { weight: 1, arbitrary: nodeIndex.map((node): Op => ({ kind: 'removeNode', node })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(nodeIndex, labelsArb)
        .map(([node, labels]): Op => ({ kind: 'recreateNode', node, labels })),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(nodeIndex, fc.constantFrom<'color' | 'tier'>('color', 'tier'), fc.boolean(), fc.boolean())
        .map(([node, key, set, first]): Op => {
          const value = !set ? null : key === 'color' ? (first ? 'blue' : 'green') : first ? 'a' : 'b';
          return { kind: 'label', node, key, value };
        }),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(nodeIndex, fc.constantFrom<'NoSchedule' | 'NoExecute'>('NoSchedule', 'NoExecute'))
        .map(([node, effect]): Op => ({ kind: 'taint', node, effect })),
    },
    { weight: 1, arbitrary: nodeIndex.map((node): Op => ({ kind: 'untaint', node })) },
    { weight: 2, arbitrary: nodeIndex.map((node): Op => ({ kind: 'toggleHeartbeat', node })) },
    { weight: 2, arbitrary: nodeIndex.map((node): Op => ({ kind: 'failPod', node })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(nodeIndex, failModeArb)
        .map(([node, mode]): Op => ({ kind: 'annotatePod', node, mode })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(nodeIndex, fc.option(failModeArb, { nil: null, freq: 3 }))
        .map(([node, mode]): Op => ({ kind: 'annotateNode', node, mode })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<NodeSelectorChoice>('none', 'tier=a', 'tier=b')
        .map((choice): Op => ({ kind: 'setNodeSelector', choice })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<AffinityChoice>('none', 'color In [blue]', 'color NotIn [green]', 'color Exists')
        .map((choice): Op => ({ kind: 'setAffinity', choice })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<TolerationChoice>('none', 'dedicated:NoSchedule', 'dedicated (any effect)')
        .map((choice): Op => ({ kind: 'setToleration', choice })),
    },
    { weight: 2, arbitrary: fc.constantFrom(...IMAGES).map((image): Op => ({ kind: 'setImage', image })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<StrategyChoice>('maxUnavailable=1', 'maxSurge=1', 'OnDelete')
        .map((choice): Op => ({ kind: 'setStrategy', choice })),
    },
  )
  .map(printable);

const shapeArb: fc.Arbitrary<DsShape> = fc.record({
  nodeSelector: fc.constantFrom<NodeSelectorChoice>('none', 'none', 'tier=a'),
  affinity: fc.constantFrom<AffinityChoice>('none', 'none', 'color In [blue]', 'color NotIn [green]'),
  toleration: fc.constantFrom<TolerationChoice>('none', 'dedicated:NoSchedule', 'dedicated (any effect)'),
  image: fc.constant<Image>('app:1'),
  strategy: fc.constantFrom<StrategyChoice>('maxUnavailable=1', 'maxUnavailable=1', 'maxSurge=1', 'OnDelete'),
});

interface ScenarioInput {
  readonly nodes: NodeLabels[];
  readonly shape: DsShape;
  readonly ops: Op[];
}

const scenarioArb: fc.Arbitrary<ScenarioInput> = fc.record({
  nodes: fc.array(labelsArb, { minLength: 1, maxLength: 4 }),
  shape: shapeArb,
  ops: fc.array(opArb, { minLength: 1, maxLength: 10 }),
});

const PLAIN: DsShape = {
  nodeSelector: 'none',
  affinity: 'none',
  toleration: 'none',
  image: 'app:1',
  strategy: 'maxUnavailable=1',
};

/** A scenario for fast-check's `examples`, with printable ops. */
const example = (nodes: NodeLabels[], shape: DsShape, ops: Op[]): [ScenarioInput] => [
  { nodes, shape, ops: ops.map(printable) },
];

/** Sequences always run first (fast-check `examples`): corners random runs reach only rarely. */
const EXAMPLES: ReadonlyArray<[ScenarioInput]> = [
  // A pod replaced by the rolling update while its node is unreachable stays Terminating; the
  // node object is then re-created: the new kubelet finishes the deletion, a new pod follows.
  example([{}, {}], PLAIN, [
    { kind: 'toggleHeartbeat', node: 0 },
    { kind: 'setImage', image: 'app:2' },
    { kind: 'recreateNode', node: 0, labels: {} },
  ]),
  // With maxSurge a failed pod in back-off gets a replacement beside it; then rollouts, one with
  // crash-looping pods.
  example([{}, { color: 'blue' }], { ...PLAIN, strategy: 'maxSurge=1' }, [
    { kind: 'failPod', node: 0 },
    { kind: 'failPod', node: 0 },
    { kind: 'setImage', image: 'app:2' },
    { kind: 'annotateNode', node: 1, mode: 'crash' },
    { kind: 'setImage', image: 'app:3' },
  ]),
  // A node with no room: the daemon pod stays Pending and unbound; the node goes, and the
  // DaemonSet deletes the unbound pod itself.
  example([{}], PLAIN, [
    { kind: 'addNode', labels: {}, full: true },
    { kind: 'setImage', image: 'app:2' },
    { kind: 'removeNode', node: 1 },
  ]),
  // Crash-looping pods use up maxUnavailable and stall a rolling update; then OnDelete.
  example([{}, {}, {}], PLAIN, [
    { kind: 'annotateNode', node: 0, mode: 'crash' },
    { kind: 'failPod', node: 0 },
    { kind: 'setImage', image: 'app:2' },
    { kind: 'annotateNode', node: 0, mode: null },
    { kind: 'setStrategy', choice: 'OnDelete' },
    { kind: 'setImage', image: 'app:3' },
  ]),
];

// ---------------------------------------------------------------------------------------------
// Running one scenario

class InvariantError extends Error {}

interface Previous {
  /** Nodes where the DaemonSet was not to place pods at the last check. */
  readonly ineligible: ReadonlySet<string>;
  /** UIDs of the DaemonSet's pods per node at the last check. */
  readonly podsOnNode: ReadonlyMap<string, ReadonlySet<string>>;
}

class Scenario {
  readonly log: string[] = [];
  private nodeCounter = 0;
  private previous: Previous = { ineligible: new Set(), podsOnNode: new Map() };

  constructor(
    readonly cluster: EmbeddedCluster,
    readonly clock: SteppingClock,
    /** The cluster's DaemonSet controller: only it knows its failed-pod back-offs. */
    readonly controller: DaemonSetsController,
    private shape: DsShape,
  ) {}

  /** When the failed-pod back-off of `node` ends, if one is running. */
  private backoffUntil(ds: DaemonSet, node: string): number | undefined {
    const key = failedPodsBackoffKey(ds, node);
    const b = this.controller.failedPodsBackoff;
    return b.isInBackOffSinceUpdate(key, this.clock.now()) ? b.until(key) : undefined;
  }

  get store(): EmbeddedCluster['store'] {
    return this.cluster.store;
  }

  nodes(): Node[] {
    return [...this.store.list(resources.nodes).items].sort((a, b) =>
      (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1,
    );
  }

  ds(): DaemonSet {
    const ds = this.store.get(resources.daemonsets, NS, DS_NAME);
    if (!ds) throw new Error('the DaemonSet is gone');
    return ds;
  }

  /** The node an op's index points to, or undefined when there are no nodes. */
  private pick(i: number): string | undefined {
    const nodes = this.nodes();
    return nodes.length === 0 ? undefined : nodes[i % nodes.length]?.metadata?.name;
  }

  private livePodOn(node: string): Pod | undefined {
    return daemonPods(this.store, this.ds())
      .filter((p) => !isDeleting(p) && targetNodeOf(p) === node)
      .sort(keepOrder)[0];
  }

  async createDaemonSet(nodes: readonly NodeLabels[]): Promise<void> {
    this.nodeCounter = nodes.length;
    this.log.push(
      `start: ${nodes.map((l, i) => `node-${i + 1}{${labelsText(l)}}`).join(' ')}; DaemonSet ${describeShape(this.shape)}`,
    );
    await this.cluster.client.create(resources.daemonsets, daemonSet(this.shape));
  }

  private async editDaemonSet(shape: DsShape): Promise<void> {
    this.shape = shape;
    const current = this.ds();
    const wanted = daemonSet(shape);
    await this.cluster.client.update(resources.daemonsets, {
      ...current,
      spec: {
        ...current.spec!,
        template: wanted.spec!.template,
        updateStrategy: wanted.spec!.updateStrategy ?? {},
      },
    });
  }

  private async patchNode(name: string, patch: unknown): Promise<void> {
    await this.cluster.client.patch(resources.nodes, '', name, 'merge', patch);
  }

  private async setTaints(name: string, update: (taints: Taint[]) => Taint[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const node = this.store.get(resources.nodes, '', name);
      if (!node) return;
      const taints = update([...(node.spec?.taints ?? [])]);
      try {
        await this.cluster.client.update(resources.nodes, {
          ...node,
          spec: { ...node.spec, ...(taints.length > 0 ? { taints } : { taints: undefined }) },
        } as Node);
        return;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  }

  /** Applies one op and returns what it did, with node names resolved. */
  async apply(op: Op): Promise<string> {
    const c = this.cluster;
    switch (op.kind) {
      case 'addNode': {
        const name = `node-${++this.nodeCounter}`;
        await c.addNode({
          name,
          labels: { ...op.labels },
          ...(op.full ? { capacity: { cpu: '4', memory: '8Gi', pods: '0' } } : {}),
        });
        return `addNode ${name}{${labelsText(op.labels)}}${op.full ? ' with room for no pod' : ''}`;
      }
      case 'setNodeSelector':
        await this.editDaemonSet({ ...this.shape, nodeSelector: op.choice });
        return describeOp(op);
      case 'setAffinity':
        await this.editDaemonSet({ ...this.shape, affinity: op.choice });
        return describeOp(op);
      case 'setToleration':
        await this.editDaemonSet({ ...this.shape, toleration: op.choice });
        return describeOp(op);
      case 'setImage':
        await this.editDaemonSet({ ...this.shape, image: op.image });
        return describeOp(op);
      case 'setStrategy':
        await this.editDaemonSet({ ...this.shape, strategy: op.choice });
        return describeOp(op);
      default:
        break;
    }
    const name = this.pick(op.node);
    if (name === undefined) return `${describeOp(op)}: no nodes, skipped`;
    switch (op.kind) {
      case 'removeNode':
        await c.client.delete(resources.nodes, '', name);
        return `removeNode ${name}`;
      case 'recreateNode': {
        const old = this.store.get(resources.nodes, '', name);
        await c.client.delete(resources.nodes, '', name);
        await c.addNode({
          name,
          labels: { ...op.labels },
          ...(old?.metadata?.annotations?.[CAPACITY_ANNOTATION]
            ? { annotations: { [CAPACITY_ANNOTATION]: old.metadata.annotations[CAPACITY_ANNOTATION] } }
            : {}),
        });
        return `recreateNode ${name}{${labelsText(op.labels)}} (deleted and created again at once)`;
      }
      case 'label':
        await this.patchNode(name, { metadata: { labels: { [op.key]: op.value } } });
        return op.value === null ? `unlabel ${name} ${op.key}` : `label ${name} ${op.key}=${op.value}`;
      case 'taint':
        await this.setTaints(name, (ts) => [
          ...ts.filter((t) => !(t.key === TAINT_KEY && t.effect === op.effect)),
          { key: TAINT_KEY, value: 'infra', effect: op.effect },
        ]);
        return `taint ${name} ${TAINT_KEY}=infra:${op.effect}`;
      case 'untaint':
        await this.setTaints(name, (ts) => ts.filter((t) => t.key !== TAINT_KEY));
        return `untaint ${name} (${TAINT_KEY})`;
      case 'toggleHeartbeat': {
        const stopped = this.store.get(resources.nodes, '', name)?.metadata?.annotations?.[
          HEARTBEAT_ANNOTATION
        ];
        await this.patchNode(name, {
          metadata: { annotations: { [HEARTBEAT_ANNOTATION]: stopped === 'stopped' ? null : 'stopped' } },
        });
        return stopped === 'stopped' ? `restore heartbeat of ${name}` : `stop heartbeat of ${name}`;
      }
      case 'failPod': {
        const pod = this.livePodOn(name);
        if (!pod) return `failPod on ${name}: no daemon pod there, skipped`;
        await c.client.updateStatus(resources.pods, { ...pod, status: { ...pod.status, phase: 'Failed' } });
        return `set phase Failed on ${pod.metadata?.name} (on ${name})`;
      }
      case 'annotatePod': {
        const pod = this.livePodOn(name);
        if (!pod) return `annotatePod on ${name}: no daemon pod there, skipped`;
        await c.client.patch(resources.pods, NS, pod.metadata?.name ?? '', 'merge', {
          metadata: { annotations: { [FAIL_ANNOTATION]: op.mode } },
        });
        return `annotate ${pod.metadata?.name} (on ${name}) fail=${op.mode}`;
      }
      case 'annotateNode':
        await this.patchNode(name, { metadata: { annotations: { [FAIL_ANNOTATION]: op.mode } } });
        return op.mode === null ? `clear fail annotation of ${name}` : `annotate ${name} fail=${op.mode}`;
    }
  }

  async settle(): Promise<string> {
    const r = await settleCluster(this.cluster, this.clock, { quietMs: 60_000, maxAdvanceMs: 10 * 60_000 });
    return r.settled ? '' : ` [not fully settled after ${r.advancedMs / 1000}s: checked anyway]`;
  }

  /** Every invariant; throws an InvariantError listing the mismatches and the cluster's state. */
  check(step: string): void {
    const problems = this.problems();
    if (problems.length === 0) return;
    throw new InvariantError(
      [
        `DaemonSet invariants violated after: ${step}`,
        'operations:',
        ...this.log.map((l, i) => `  ${i}. ${l}`),
        'mismatches:',
        ...problems.map((p) => `  - ${p}`),
        'state:',
        ...this.dump().map((l) => `  ${l}`),
      ].join('\n'),
    );
  }

  private problems(): string[] {
    const problems: string[] = [];
    const now = this.clock.now();
    const ds = this.ds();
    const nodes = this.nodes();
    const nodeNames = new Set(nodes.map((n) => n.metadata?.name ?? ''));
    const allPods = this.store.list(resources.pods, { namespace: NS }).items;
    const own = daemonPods(this.store, ds);
    const hash = currentHash(this.store, ds);

    // The current revision is the current template's.
    const expectedHash = computeHash(ds.spec?.template, ds.status?.collisionCount);
    if (hash !== expectedHash)
      problems.push(`current ControllerRevision hash ${hash} ≠ hash of the template ${expectedHash}`);
    if ((ds.status?.observedGeneration ?? 0) !== (ds.metadata?.generation ?? 0))
      problems.push(
        `status.observedGeneration ${ds.status?.observedGeneration} ≠ generation ${ds.metadata?.generation}`,
      );

    const placements = new Map(nodes.map((n) => [n.metadata?.name ?? '', nodeShouldRunDaemonPod(n, ds)]));
    for (const n of nodes) {
      const name = n.metadata?.name ?? '';
      const p = placements.get(name)!;
      const q = independentPlacement(n, ds);
      if (p.shouldRun !== q.shouldRun || p.shouldContinueRunning !== q.shouldContinueRunning)
        problems.push(
          `${name}: nodeShouldRunDaemonPod says (${p.shouldRun}, ${p.shouldContinueRunning}), spec §2.2 says (${q.shouldRun}, ${q.shouldContinueRunning})`,
        );
    }

    // Placement: one live pod where it should run, none where it must not continue. A failed pod
    // in back-off is that one pod — except with maxSurge, where a replacement runs beside it, and
    // an updated pod that is not yet available may run beside a Ready old one.
    const surge =
      ds.spec?.updateStrategy?.type === 'RollingUpdate' &&
      (ds.spec.updateStrategy.rollingUpdate?.maxSurge ?? 0) !== 0;
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const live = own.filter((p) => !isDeleting(p));
    const liveByNode = new Map<string, Pod[]>();
    for (const p of live) {
      const t = targetNodeOf(p) ?? '<none>';
      liveByNode.set(t, [...(liveByNode.get(t) ?? []), p]);
    }
    const podList = (ps: readonly Pod[]): string => ps.map((p) => p.metadata?.name).join(', ');
    for (const [name, p] of placements) {
      const here = liveByNode.get(name) ?? [];
      if (p.shouldRun && !surge && here.length !== 1)
        problems.push(`${name}: should run exactly one daemon pod, has ${here.length} [${podList(here)}]`);
      if (p.shouldRun && surge) {
        const running = here.filter((x) => x.status?.phase !== 'Failed');
        const fresh = running.filter((x) => isUpdated(x, ds, hash));
        const old = running.filter((x) => !isUpdated(x, ds, hash));
        const surging =
          fresh.length === 1 &&
          old.length === 1 &&
          isReady(old[0]!) &&
          !isAvailable(fresh[0]!, minReady, now);
        if (running.length !== 1 && !surging)
          problems.push(
            `${name}: should run one daemon pod (two while an updated one becomes available beside a Ready old one), has ${running.length} not failed [${podList(running)}]`,
          );
      }
      if (!p.shouldContinueRunning && here.length > 0)
        problems.push(
          `${name}: must not keep daemon pods (shouldContinueRunning=false), has [${podList(here)}]`,
        );
    }
    for (const p of own) {
      const t = targetNodeOf(p);
      if (t === undefined || !nodeNames.has(t))
        problems.push(`pod ${p.metadata?.name} targets ${t ?? 'no node'}, which does not exist`);
    }

    // A failed pod stays only while its node's back-off runs: then it is deleted (and replaced).
    for (const p of live) {
      const t = targetNodeOf(p) ?? '';
      if (p.status?.phase !== 'Failed' || !nodeNames.has(t)) continue;
      if (this.backoffUntil(ds, t) === undefined)
        problems.push(`${t}: failed pod ${p.metadata?.name} is kept although no back-off runs for the node`);
    }

    // Status: the controller's counters, a recount from the spec, and computeStatus agree.
    const recount = recountStatus(ds, nodes, own, hash, now);
    const written = diffCounters('ds.status vs recount', statusCounters(ds), recount);
    if (written) problems.push(written);
    const computed = computeStatus(ds, nodes, groupPodsByNode(own, false), hash ?? '', now);
    const cross = diffCounters('computeStatus vs recount', computed, recount);
    if (cross) problems.push(cross);

    // Rollout progress: with every pod of the DaemonSet live and available, no old pod may be left
    // (the rolling update has budget to replace it).
    const byNode = podsByNode(own);
    const allAvailable =
      ds.spec?.updateStrategy?.type === 'RollingUpdate' &&
      [...placements].every(([name, p]) => !p.shouldRun || byNode.has(name)) &&
      [...byNode.values()].every(
        (ps) => ps.length === 1 && ps.every((x) => !isDeleting(x) && isAvailable(x, 0, now)),
      );
    if (allAvailable) {
      const old = live.filter((p) => !isUpdated(p, ds, hash));
      if (old.length > 0)
        problems.push(`rollout stalled: every pod is available, yet old pods remain [${podList(old)}]`);
    }

    // explainDaemonSet agrees with what runs.
    const explained = explainDaemonSet(ds, nodes, allPods, {
      now,
      ...(hash ? { hash } : {}),
      backoffUntil: (node) => this.backoffUntil(ds, node),
    });
    const fromController = this.controller.explain(NS, DS_NAME);
    if (JSON.stringify(fromController) !== JSON.stringify(explained))
      problems.push('explain: the controller explains from its caches differently than from the store');
    const sum = { desired: 0, current: 0, ready: 0, available: 0, updated: 0, misscheduled: 0 };
    for (const e of explained) {
      for (const k of Object.keys(sum) as Array<keyof typeof sum>) if (e.counts[k]) sum[k]++;
      const here = liveByNode.get(e.node) ?? [];
      const onNode = own.filter((p) => targetNodeOf(p) === e.node);
      switch (e.state) {
        case 'Missing':
          problems.push(`explain: ${e.node} is Missing once settled (${e.message})`);
          break;
        case 'Failed':
          problems.push(`explain: ${e.node} is Failed with no back-off running once settled (${e.message})`);
          break;
        case 'Running': {
          const pod = here.find((p) => p.metadata?.name === e.pod);
          if (!pod || !isUpdated(pod, ds, hash) || !isAvailable(pod, ds.spec?.minReadySeconds ?? 0, now))
            problems.push(
              `explain: ${e.node} Running, but ${e.pod ?? 'no pod'} is not a live, updated, available pod`,
            );
          break;
        }
        case 'Excluded':
          if (here.length > 0) problems.push(`explain: ${e.node} Excluded, but runs [${podList(here)}]`);
          break;
        case 'Blocked': {
          if (!this.previous.ineligible.has(e.node)) break; // blocked by this very step
          const before = this.previous.podsOnNode.get(e.node) ?? new Set<string>();
          const added = onNode.filter((p) => !before.has(p.metadata?.uid ?? ''));
          if (added.length > 0)
            problems.push(`explain: ${e.node} Blocked, yet new pods were placed there [${podList(added)}]`);
          break;
        }
        default:
          break;
      }
    }
    const explainCounts = {
      desiredNumberScheduled: sum.desired,
      currentNumberScheduled: sum.current,
      numberMisscheduled: sum.misscheduled,
      numberReady: sum.ready,
      numberAvailable: sum.available,
      updatedNumberScheduled: sum.updated,
      numberUnavailable: sum.desired - sum.available,
    };
    const explainDiff = diffCounters('explainDaemonSet counts vs recount', explainCounts, recount);
    if (explainDiff) problems.push(explainDiff);

    const podsOnNode = new Map<string, Set<string>>();
    for (const p of own) {
      const t = targetNodeOf(p) ?? '';
      podsOnNode.set(t, (podsOnNode.get(t) ?? new Set()).add(p.metadata?.uid ?? ''));
    }
    this.previous = {
      ineligible: new Set([...placements].filter(([, p]) => !p.shouldRun).map(([n]) => n)),
      podsOnNode,
    };
    return problems;
  }

  dump(): string[] {
    const ds = this.store.get(resources.daemonsets, NS, DS_NAME);
    const hash = ds ? currentHash(this.store, ds) : undefined;
    const own = ds ? daemonPods(this.store, ds) : [];
    const lines: string[] = [];
    if (ds) {
      lines.push(
        `DaemonSet generation ${ds.metadata?.generation}, hash ${hash}, ${describeShape(this.shape)}`,
        `  status ${JSON.stringify({ ...statusCounters(ds), observedGeneration: ds.status?.observedGeneration })}`,
      );
    }
    for (const n of this.nodes()) {
      const name = n.metadata?.name ?? '';
      const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status ?? '-';
      const taints = (n.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
      const ann = n.metadata?.annotations ?? {};
      const p = ds ? nodeShouldRunDaemonPod(n, ds) : undefined;
      lines.push(
        `${name} labels{${labelsText({ ...(n.metadata?.labels?.['color'] ? { color: n.metadata.labels['color'] as Color } : {}), ...(n.metadata?.labels?.['tier'] ? { tier: n.metadata.labels['tier'] as Tier } : {}) })}} ` +
          `taints[${taints.join(' ')}] Ready=${ready}` +
          `${ann[HEARTBEAT_ANNOTATION] ? ' heartbeat=stopped' : ''}${ann[FAIL_ANNOTATION] ? ` fail=${ann[FAIL_ANNOTATION]}` : ''}` +
          (p ? ` shouldRun=${p.shouldRun} shouldContinueRunning=${p.shouldContinueRunning}` : ''),
      );
    }
    for (const p of own) {
      lines.push(
        `pod ${p.metadata?.name} → ${targetNodeOf(p)}${p.spec?.nodeName ? '' : ' (unbound)'} phase=${p.status?.phase} ready=${isReady(p)}` +
          ` hash=${p.metadata?.labels?.[REVISION_HASH_LABEL]}${isDeleting(p) ? ' deleting' : ''}` +
          `${p.metadata?.annotations?.[FAIL_ANNOTATION] ? ` fail=${p.metadata.annotations[FAIL_ANNOTATION]}` : ''}` +
          ` created=${p.metadata?.creationTimestamp}`,
      );
    }
    return lines;
  }
}

async function runScenario(s: ScenarioInput): Promise<void> {
  const clock = new SteppingClock();
  let controller: DaemonSetsController | undefined;
  const cluster = await EmbeddedCluster.start({
    nodes: s.nodes.map((labels) => ({ labels: { ...labels } })),
    clock,
    random: seededRandom(7),
    podGCQuarantineMs: 10_000,
    // The DaemonSet controller as the cluster builds it, built here to keep a handle on it.
    controllers: ['*', '-daemonset'],
    extraControllers: [
      (ctx) =>
        (controller = new DaemonSetsController({
          ...ctx,
          recorder: ctx.recorderFor('daemonset-controller'),
        })),
    ],
  });
  try {
    if (!controller) throw new Error('the DaemonSet controller was not built');
    const scenario = new Scenario(cluster, clock, controller, s.shape);
    await scenario.createDaemonSet(s.nodes);
    scenario.log[0] += await scenario.settle();
    scenario.check('start');
    for (const op of s.ops) {
      const did = await scenario.apply(op);
      scenario.log.push(did + (await scenario.settle()));
      scenario.check(did);
    }
  } finally {
    await cluster.stop();
  }
}

describe('DaemonSet properties', () => {
  test('after any sequence of node, pod and DaemonSet changes the DaemonSet converges and explains itself', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, (s) => runScenario(s)),
      { seed: 42, numRuns: 100, examples: [...EXAMPLES] },
    );
  });

  test('(changed) with maxSurge, a node where every pod fails gets no new pod while the failed-pod back-off runs', async () => {
    const clock = new SteppingClock();
    const cluster = await EmbeddedCluster.start({
      nodes: [{ name: 'bad', annotations: { [FAIL_ANNOTATION]: 'failed' } }],
      clock,
      random: seededRandom(7),
    });
    try {
      await cluster.client.create(resources.daemonsets, daemonSet({ ...PLAIN, strategy: 'maxSurge=1' }));
      // No fake time passes, so the 1 s back-off of the first failure never ends: one failed pod
      // (and at most one replacement beside it) is all there should be.
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
      const pods = cluster.store.list(resources.pods, { namespace: NS }).items;
      assert.ok(pods.length <= 2, `${pods.length} daemon pods on node "bad" after 50 event-loop turns`);
    } finally {
      await cluster.stop();
    }
  });
});
