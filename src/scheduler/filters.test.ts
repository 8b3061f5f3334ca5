import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { buildNodeInfo, fitErrorMessage, podRequests, runFilters } from './filters.js';
import { selectPreemption } from './preemption.js';
import { deepFreeze } from '../util/objects.js';

const node = (
  name: string,
  extra: Partial<Node> = {},
  alloc: Record<string, string> = { cpu: '4', memory: '8Gi', pods: '110' },
): Node => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  status: { allocatable: alloc },
  ...extra,
});

const pod = (name: string, spec: Partial<NonNullable<Pod['spec']>> = {}, cpu?: string): Pod => ({
  metadata: { name, namespace: 'default' },
  spec: {
    containers: [{ name: 'c', image: 'i:1', ...(cpu ? { resources: { requests: { cpu } } } : {}) }],
    ...spec,
  },
});

describe('scheduler filters', () => {
  test('podRequests sums containers, takes the max with init containers, and counts one pod', () => {
    const r = podRequests({
      spec: {
        containers: [
          { name: 'a', resources: { requests: { cpu: '250m', memory: '1Gi' } } },
          { name: 'b', resources: { limits: { cpu: '500m' } } },
        ],
        initContainers: [{ name: 'i', resources: { requests: { cpu: '2' } } }],
      },
    });
    assert.equal(r.get('cpu'), 2000n);
    assert.equal(r.get('memory'), 1073741824n);
    assert.equal(r.get('pods'), 1n);
  });

  test('podRequests of frozen pods (remembered per containers list) stay exact and fresh', () => {
    const containers = deepFreeze([{ name: 'a', resources: { requests: { cpu: '250m' } } }]);
    const plain = deepFreeze({ spec: { containers } });
    const withInit = deepFreeze({
      spec: { containers, initContainers: [{ name: 'i', resources: { requests: { cpu: '1' } } }] },
    });
    for (let i = 0; i < 2; i++) {
      assert.equal(podRequests(plain).get('cpu'), 250n);
      assert.equal(podRequests(withInit).get('cpu'), 1000n, 'the same containers with an init container');
    }
    podRequests(plain).set('cpu', 0n);
    assert.equal(podRequests(plain).get('cpu'), 250n, 'a caller changing its copy changes nothing');
    const info = buildNodeInfo(node('n', {}, { cpu: '1', memory: '1Gi', pods: '10' }), [plain, plain, plain]);
    assert.equal(info.requested.get('cpu'), 750n);
    assert.equal(runFilters(withInit, info)?.reasons.join(), 'Insufficient cpu');
  });

  const cases: Array<[string, Pod, Node, string | undefined]> = [
    ['fits', pod('p'), node('n'), undefined],
    [
      'nodeName mismatch',
      pod('p', { nodeName: 'other' }),
      node('n'),
      "node(s) didn't match the requested node name",
    ],
    ['cordoned', pod('p'), node('n', { spec: { unschedulable: true } }), 'node(s) were unschedulable'],
    [
      'cordoned but tolerated',
      pod('p', {
        tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
      }),
      node('n', { spec: { unschedulable: true } }),
      undefined,
    ],
    [
      'nodeSelector',
      pod('p', { nodeSelector: { ssd: 'true' } }),
      node('n'),
      "node(s) didn't match Pod's node affinity/selector",
    ],
    [
      'matchFields pins to another node',
      pod('p', {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['x'] }] }],
            },
          },
        },
      }),
      node('n'),
      "node(s) didn't match Pod's node affinity/selector",
    ],
    [
      'NoSchedule taint',
      pod('p'),
      node('n', { spec: { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] } }),
      'node(s) had untolerated taint {dedicated: infra}',
    ],
    [
      'PreferNoSchedule taint is ignored',
      pod('p'),
      node('n', { spec: { taints: [{ key: 'dedicated', value: 'infra', effect: 'PreferNoSchedule' }] } }),
      undefined,
    ],
    ['cpu', pod('p', {}, '5'), node('n'), 'Insufficient cpu'],
    ['no allocatable reported yet', pod('p'), { metadata: { name: 'n' } }, 'Too many pods'],
  ];
  for (const [name, p, n, want] of cases) {
    test(`filter: ${name}`, () => {
      const f = runFilters(p, buildNodeInfo(n, []));
      assert.equal(f?.reasons[0], want);
    });
  }

  test('host ports conflict with pods already on the node', () => {
    const withPort = (name: string): Pod => ({
      metadata: { name },
      spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, hostPort: 8080 }] }] },
    });
    const f = runFilters(withPort('new'), buildNodeInfo(node('n'), [withPort('old')]));
    assert.equal(f?.reasons[0], "node(s) didn't have free ports for the requested pod ports");
  });

  test('terminal pods do not hold resources', () => {
    const done: Pod = { ...pod('done', {}, '4'), status: { phase: 'Succeeded' } };
    assert.equal(runFilters(pod('p', {}, '1'), buildNodeInfo(node('n'), [done])), undefined);
  });

  test('fitErrorMessage counts reasons and sorts them as upstream does', () => {
    const msg = fitErrorMessage(5, [
      { plugin: 'NodeResourcesFit', reasons: ['Insufficient cpu'], resolvableByPreemption: true },
      {
        plugin: 'NodeResourcesFit',
        reasons: ['Insufficient cpu', 'Insufficient memory'],
        resolvableByPreemption: true,
      },
      { plugin: 'NodeResourcesFit', reasons: ['Insufficient cpu'], resolvableByPreemption: true },
      {
        plugin: 'TaintToleration',
        reasons: ['node(s) had untolerated taint {dedicated: infra}'],
        resolvableByPreemption: false,
      },
      {
        plugin: 'TaintToleration',
        reasons: ['node(s) had untolerated taint {dedicated: infra}'],
        resolvableByPreemption: false,
      },
    ]);
    assert.equal(
      msg,
      '0/5 nodes are available: 1 Insufficient memory, 2 node(s) had untolerated taint {dedicated: infra}, 3 Insufficient cpu.',
    );
  });
});

describe('preemption', () => {
  const prio = (p: Pod, priority: number): Pod => ({ ...p, spec: { ...p.spec!, priority } });

  test('evicts only strictly lower-priority pods, as few as needed, least important first', () => {
    const n = node('n', {}, { cpu: '4', memory: '8Gi', pods: '110' });
    const existing = [
      prio(pod('low-a', {}, '1'), 10),
      prio(pod('low-b', {}, '1'), 20),
      prio(pod('same', {}, '2'), 100),
    ];
    const choice = selectPreemption(prio(pod('vip', {}, '1'), 100), [buildNodeInfo(n, existing)]);
    assert.equal(choice?.nodeName, 'n');
    assert.deepEqual(
      choice?.victims.map((v) => v.metadata?.name),
      ['low-a'],
    );
  });

  test('prefers the node whose victims matter least, and never preempts equal priority', () => {
    const a = buildNodeInfo(node('a', {}, { cpu: '1', memory: '1Gi', pods: '10' }), [
      prio(pod('x', {}, '1'), 50),
    ]);
    const b = buildNodeInfo(node('b', {}, { cpu: '1', memory: '1Gi', pods: '10' }), [
      prio(pod('y', {}, '1'), 5),
    ]);
    const c = buildNodeInfo(node('c', {}, { cpu: '1', memory: '1Gi', pods: '10' }), [
      prio(pod('z', {}, '1'), 100),
    ]);
    assert.equal(selectPreemption(prio(pod('vip', {}, '1'), 100), [a, b, c])?.nodeName, 'b');
    assert.equal(selectPreemption(prio(pod('peer', {}, '1'), 100), [c]), undefined);
  });

  test('preemptionPolicy Never never preempts', () => {
    const a = buildNodeInfo(node('a', {}, { cpu: '1', memory: '1Gi', pods: '10' }), [
      prio(pod('x', {}, '1'), 1),
    ]);
    assert.equal(
      selectPreemption(
        {
          ...prio(pod('vip', {}, '1'), 100),
          spec: { ...prio(pod('vip', {}, '1'), 100).spec!, preemptionPolicy: 'Never' },
        },
        [a],
      ),
      undefined,
    );
  });
});
