/**
 * explainDaemonSet: one answer per node, in the controller's own terms. Pure inputs (no cluster):
 * each case builds the nodes and pods a user would see and checks state, reason and message.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { explainDaemonSet, schedulerReason } from '../src/controllers/daemonset/explain.js';
import { computeHash } from '../src/controllers/daemonset/hash.js';
import { rfc3339 } from '../src/util/clock.js';
import { newDaemonSet, newNode } from './support/ds-harness.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

function daemonSet(mutate: (d: { spec: NonNullable<DaemonSet['spec']> }) => void = () => {}): DaemonSet {
  const d = JSON.parse(JSON.stringify(newDaemonSet())) as DaemonSet & {
    spec: NonNullable<DaemonSet['spec']>;
  };
  (d.metadata as { uid?: string }).uid = 'ds-uid';
  mutate(d);
  return d;
}

function pod(
  name: string,
  node: string,
  ds: DaemonSet,
  extra: {
    hash?: string;
    ready?: number;
    phase?: string;
    deleting?: boolean;
    unbound?: boolean;
    scheduled?: string;
  } = {},
): Pod {
  const hash = extra.hash ?? computeHash(ds.spec?.template, undefined);
  return {
    metadata: {
      name,
      namespace: 'default',
      creationTimestamp: rfc3339(NOW - 600_000),
      labels: { ...(ds.spec?.template.metadata?.labels ?? {}), 'controller-revision-hash': hash },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'foo', uid: 'ds-uid', controller: true },
      ],
      ...(extra.deleting ? { deletionTimestamp: rfc3339(NOW + 30_000) } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'i' }],
      ...(extra.unbound ? {} : { nodeName: node }),
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
          },
        },
      },
    },
    status: {
      phase: extra.phase ?? (extra.unbound ? 'Pending' : 'Running'),
      conditions: [
        ...(extra.ready !== undefined
          ? [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(extra.ready) }]
          : []),
        ...(extra.scheduled
          ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: extra.scheduled }]
          : []),
      ],
    },
  };
}

function explainOne(ds: DaemonSet, node: Node, pods: Pod[], backoffUntil?: number) {
  const [e] = explainDaemonSet(ds, [node], pods, {
    now: NOW,
    ...(backoffUntil !== undefined ? { backoffUntil: () => backoffUntil } : {}),
  });
  assert.ok(e);
  return e;
}

describe('explainDaemonSet', () => {
  test('runs an up-to-date and available pod', () => {
    const ds = daemonSet();
    const e = explainOne(ds, newNode('n'), [pod('foo-a', 'n', ds, { ready: NOW - 60_000 })]);
    assert.deepEqual(
      [e.state, e.reason, e.message, e.pod],
      ['Running', 'Eligible', 'runs an up-to-date and available pod foo-a', 'foo-a'],
    );
    assert.deepEqual(e.counts, {
      desired: true,
      current: true,
      ready: true,
      available: true,
      updated: true,
      misscheduled: false,
    });
  });

  test("excluded by nodeSelector, with the node's actual label", () => {
    const ds = daemonSet((d) => (d.spec.template.spec!.nodeSelector = { ssd: 'true' } as never));
    assert.equal(
      explainOne(ds, newNode('n'), []).message,
      'excluded by nodeSelector ssd=true (node has no such label)',
    );
    assert.equal(
      explainOne(ds, newNode('n', { ssd: 'false' }), []).message,
      'excluded by nodeSelector ssd=true (node has ssd=false)',
    );
  });

  test('excluded by a required node-affinity term, naming it', () => {
    const ds = daemonSet((d) => {
      d.spec.template.spec!.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
          },
        },
      };
    });
    const e = explainOne(ds, newNode('n', { zone: 'b' }), []);
    assert.equal(e.state, 'Excluded');
    assert.equal(e.reason, 'NodeAffinityMismatch');
    assert.match(e.message, /^excluded by required node affinity: nodeSelectorTerms\[0\]/);
  });

  test('a NoSchedule taint blocks new pods and keeps the existing one, counted misscheduled', () => {
    const ds = daemonSet();
    const node = newNode(
      'n',
      {},
      { spec: { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] } },
    );
    const e = explainOne(ds, node, [pod('foo-a', 'n', ds, { ready: NOW - 60_000 })]);
    assert.equal(e.state, 'Blocked');
    assert.equal(
      e.message,
      'untolerated taint dedicated=infra:NoSchedule: no new pod is placed; existing pod foo-a is kept and counted misscheduled',
    );
    assert.equal(e.counts.misscheduled, true);
    assert.equal(e.counts.desired, false);
  });

  test('a NoExecute taint excludes the node and says the pod goes', () => {
    const ds = daemonSet();
    const node = newNode(
      'n',
      {},
      { spec: { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoExecute' }] } },
    );
    const e = explainOne(ds, node, [pod('foo-a', 'n', ds, { ready: NOW - 60_000 })]);
    assert.equal(e.state, 'Excluded');
    assert.equal(e.message, 'untolerated taint dedicated=infra:NoExecute; pod foo-a will be deleted');
  });

  test("a pod the scheduler cannot place is Pending with the scheduler's reason for this node", () => {
    const ds = daemonSet();
    const msg =
      "0/5 nodes are available: 1 Insufficient cpu, 4 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 1 No preemption victims found for incoming pod, 4 Preemption is not helpful for scheduling.";
    const p = pod('foo-a', 'n', ds, { unbound: true, scheduled: msg });
    assert.equal(schedulerReason(p), 'Insufficient cpu');
    const e = explainOne(ds, newNode('n'), [p]);
    assert.deepEqual(
      [e.state, e.reason, e.message],
      ['Pending', 'Unschedulable', 'pod foo-a is Pending: the scheduler reports Insufficient cpu'],
    );
    assert.equal(e.counts.current, true, 'a pending pod still makes the node current');
  });

  test('a failed pod in back-off says until when', () => {
    const ds = daemonSet();
    const e = explainOne(ds, newNode('n'), [pod('foo-a', 'n', ds, { phase: 'Failed' })], NOW + 4_000);
    assert.deepEqual(
      [e.state, e.message],
      ['FailedBackoff', 'failed pod foo-a in back-off until 2026-03-01T12:00:04Z'],
    );
  });

  test('during a rolling update: terminating old pod, surge pair, old revision', () => {
    const ds = daemonSet();
    const old = (name: string, extra = {}) =>
      pod(name, 'n', ds, { hash: 'oldhash', ready: NOW - 600_000, ...extra });
    assert.equal(
      explainOne(ds, newNode('n'), [old('foo-old', { deleting: true })]).message,
      'being replaced by the rolling update: pod foo-old is terminating',
    );
    const surge = explainOne(ds, newNode('n'), [old('foo-old'), pod('foo-new', 'n', ds)]);
    assert.equal(surge.state, 'Updating');
    assert.equal(
      surge.message,
      'being replaced by the rolling update: new pod foo-new starts beside old pod foo-old',
    );
    const outdated = explainOne(ds, newNode('n'), [old('foo-old')]);
    assert.deepEqual([outdated.state, outdated.counts.updated], ['Outdated', false]);
    const onDelete = daemonSet((d) => (d.spec.updateStrategy = { type: 'OnDelete' }));
    assert.equal(
      explainOne(onDelete, newNode('n'), [
        pod('foo-old', 'n', onDelete, { hash: 'oldhash', ready: NOW - 600_000 }),
      ]).message,
      'pod foo-old runs an older revision; with OnDelete it is replaced when deleted',
    );
  });

  test('Ready but waiting out minReadySeconds; not Ready yet; no pod yet', () => {
    const ds = daemonSet((d) => (d.spec.minReadySeconds = 30));
    const e = explainOne(ds, newNode('n'), [pod('foo-a', 'n', ds, { ready: NOW - 10_000 })]);
    assert.deepEqual(
      [e.state, e.reason, e.counts.ready, e.counts.available],
      ['Starting', 'MinReadySeconds', true, false],
    );
    assert.equal(explainOne(ds, newNode('n'), [pod('foo-a', 'n', ds)]).reason, 'NotReady');
    assert.deepEqual(
      [explainOne(ds, newNode('n'), []).state, explainOne(ds, newNode('n'), []).reason],
      ['Missing', 'CreationPending'],
    );
  });

  test('pods of other controllers and non-matching pods are ignored', () => {
    const ds = daemonSet();
    const foreign = pod('other', 'n', ds, { ready: NOW - 60_000 });
    (foreign.metadata!.ownerReferences![0] as { uid: string }).uid = 'someone-else';
    assert.equal(explainOne(ds, newNode('n'), [foreign]).state, 'Missing');
  });
});
