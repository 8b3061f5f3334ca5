import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type {
  Affinity,
  Node,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Pod,
  Taint,
  Toleration,
} from 'kubernetes-types/core/v1.js';
import {
  explainNodeAffinity,
  findMatchingUntoleratedTaint,
  getTargetNodeName,
  nodeSelectorMatches,
  nodeSelectorRequirementMatches,
  nodeSelectorTermMatches,
  replaceDaemonSetPodNodeNameNodeAffinity,
  requiredNodeAffinityMatches,
  taintForMessage,
  taintToString,
  tolerationToleratesTaint,
  tolerationsTolerateTaint,
} from './scheduling.js';

function node(name: string, labels: Record<string, string> = {}): Node {
  return { metadata: { name, labels } };
}

function podWith(spec: Partial<NonNullable<Pod['spec']>>): Pod {
  return { metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [], ...spec } };
}

function requiredAffinity(...terms: NodeSelectorTerm[]): Affinity {
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
}

void describe('nodeSelectorRequirementMatches', () => {
  void it('implements each operator', () => {
    const labels = { zone: 'a', cpus: '8', name: 'x' };
    const cases: [NodeSelectorRequirement, Record<string, string> | undefined, boolean][] = [
      [{ key: 'zone', operator: 'In', values: ['a', 'b'] }, labels, true],
      [{ key: 'zone', operator: 'In', values: ['b'] }, labels, false],
      [{ key: 'missing', operator: 'In', values: ['a'] }, labels, false],
      [{ key: 'zone', operator: 'NotIn', values: ['b'] }, labels, true],
      [{ key: 'zone', operator: 'NotIn', values: ['a'] }, labels, false],
      [{ key: 'missing', operator: 'NotIn', values: ['a'] }, labels, true],
      [{ key: 'zone', operator: 'Exists' }, labels, true],
      [{ key: 'missing', operator: 'Exists' }, labels, false],
      [{ key: 'missing', operator: 'DoesNotExist' }, labels, true],
      [{ key: 'zone', operator: 'DoesNotExist' }, labels, false],
      [{ key: 'zone', operator: 'DoesNotExist' }, undefined, true],
      [{ key: 'cpus', operator: 'Gt', values: ['4'] }, labels, true],
      [{ key: 'cpus', operator: 'Gt', values: ['8'] }, labels, false],
      [{ key: 'cpus', operator: 'Lt', values: ['16'] }, labels, true],
      [{ key: 'cpus', operator: 'Lt', values: ['8'] }, labels, false],
      [{ key: 'name', operator: 'Gt', values: ['1'] }, labels, false],
      [{ key: 'missing', operator: 'Gt', values: ['1'] }, labels, false],
    ];
    for (const [req, ls, want] of cases)
      assert.equal(
        nodeSelectorRequirementMatches(req, ls),
        want,
        `${JSON.stringify(req)} on ${JSON.stringify(ls)}`,
      );
  });

  void it('never matches invalid requirements', () => {
    const labels = { zone: 'a', cpus: '8' };
    const cases: NodeSelectorRequirement[] = [
      { key: 'zone', operator: 'Equals', values: ['a'] },
      { key: 'zone', operator: 'In', values: [] },
      { key: 'zone', operator: 'In' },
      { key: 'zone', operator: 'NotIn' },
      { key: 'zone', operator: 'Exists', values: ['a'] },
      { key: 'cpus', operator: 'Gt', values: ['4', '5'] },
      { key: 'cpus', operator: 'Gt', values: ['four'] },
      { key: 'cpus', operator: 'Lt' },
      { key: 'bad key', operator: 'Exists' },
      { key: 'zone', operator: 'NotIn', values: ['not valid!'] },
    ];
    for (const req of cases)
      assert.equal(nodeSelectorRequirementMatches(req, labels), false, JSON.stringify(req));
  });
});

void describe('nodeSelectorTermMatches and nodeSelectorMatches', () => {
  const n1 = node('n1', { zone: 'a', disk: 'ssd' });

  void it('ANDs expressions and fields within a term', () => {
    const cases: [NodeSelectorTerm, boolean][] = [
      [{}, false],
      [{ matchExpressions: [], matchFields: [] }, false],
      [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, true],
      [
        {
          matchExpressions: [
            { key: 'zone', operator: 'In', values: ['a'] },
            { key: 'disk', operator: 'In', values: ['hdd'] },
          ],
        },
        false,
      ],
      [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }, true],
      [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }, false],
      [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n2'] }] }, true],
      [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }, false],
      [
        {
          matchExpressions: [{ key: 'zone', operator: 'Exists' }],
          matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }],
        },
        true,
      ],
      [
        {
          matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }],
          matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }],
        },
        false,
      ],
      // matchFields: exactly one value, In/NotIn only.
      [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1', 'n2'] }] }, false],
      [{ matchFields: [{ key: 'metadata.name', operator: 'Exists' }] }, false],
      // An invalid expression spoils the whole term even if another would match.
      [
        {
          matchExpressions: [
            { key: 'zone', operator: 'In', values: ['a'] },
            { key: 'disk', operator: 'Bogus' },
          ],
        },
        false,
      ],
    ];
    for (const [term, want] of cases)
      assert.equal(nodeSelectorTermMatches(term, n1), want, JSON.stringify(term));
  });

  void it('ORs terms and matches nothing without terms', () => {
    const a = { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] };
    const b = { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] };
    assert.equal(nodeSelectorMatches({ nodeSelectorTerms: [a, b] }, n1), true);
    assert.equal(nodeSelectorMatches({ nodeSelectorTerms: [a] }, n1), false);
    assert.equal(nodeSelectorMatches({ nodeSelectorTerms: [{}, b] }, n1), true);
    assert.equal(nodeSelectorMatches({ nodeSelectorTerms: [] }, n1), false);
    assert.equal(nodeSelectorMatches({ nodeSelectorTerms: [{}] }, n1), false);
  });
});

void describe('requiredNodeAffinityMatches and explainNodeAffinity', () => {
  const n1 = node('n1', { ssd: 'true', zone: 'a' });

  void it('requires every nodeSelector entry and a matching required term', () => {
    const cases: [Pod, boolean][] = [
      [podWith({}), true],
      [podWith({ nodeSelector: {} }), true],
      [podWith({ nodeSelector: { ssd: 'true' } }), true],
      [podWith({ nodeSelector: { ssd: 'true', zone: 'b' } }), false],
      [podWith({ nodeSelector: { gpu: '' } }), false],
      [
        podWith({
          affinity: requiredAffinity({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }),
        }),
        true,
      ],
      [
        podWith({
          affinity: requiredAffinity({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }),
        }),
        false,
      ],
      [podWith({ affinity: requiredAffinity() }), false],
      [podWith({ affinity: { nodeAffinity: {} } }), true],
      [
        podWith({
          nodeSelector: { ssd: 'true' },
          affinity: requiredAffinity({
            matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }],
          }),
        }),
        true,
      ],
      [
        podWith({
          nodeSelector: { ssd: 'false' },
          affinity: requiredAffinity({
            matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }],
          }),
        }),
        false,
      ],
      [
        podWith({
          affinity: {
            nodeAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 1,
                  preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] },
                },
              ],
            },
          },
        }),
        true,
      ],
    ];
    for (const [pod, want] of cases)
      assert.equal(requiredNodeAffinityMatches(pod, n1), want, JSON.stringify(pod.spec));
  });

  void it('names the first failing nodeSelector entry in key order', () => {
    const r = explainNodeAffinity(podWith({ nodeSelector: { zone: 'b', gpu: 'yes', ssd: 'true' } }), n1);
    assert.deepEqual(r, { ok: false, reason: 'nodeSelector', detail: 'gpu=yes' });
    assert.deepEqual(explainNodeAffinity(podWith({ nodeSelector: { ssd: 'true' } }), n1), { ok: true });
  });

  void it('names failing affinity terms by index', () => {
    const r = explainNodeAffinity(
      podWith({
        affinity: requiredAffinity(
          {
            matchExpressions: [
              { key: 'ssd', operator: 'Exists' },
              { key: 'zone', operator: 'In', values: ['c', 'b'] },
            ],
          },
          { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] },
          {},
        ),
      }),
      n1,
    );
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.reason === 'affinity');
    assert.equal(
      !r.ok && r.detail,
      'nodeSelectorTerms[0].matchExpressions[1] (zone in (b,c)) not satisfied; ' +
        'nodeSelectorTerms[1].matchFields[0] (metadata.name=n2) not satisfied; ' +
        'nodeSelectorTerms[2]: an empty term matches no nodes',
    );
    const none = explainNodeAffinity(podWith({ affinity: requiredAffinity() }), n1);
    assert.deepEqual(none, { ok: false, reason: 'affinity', detail: 'no nodeSelectorTerms' });
  });

  void it('reports invalid terms with upstream-style field errors', () => {
    const r = explainNodeAffinity(
      podWith({
        affinity: requiredAffinity({
          matchExpressions: [{ key: 'zone', operator: 'Equals', values: ['a'] }],
        }),
      }),
      n1,
    );
    assert.ok(!r.ok);
    assert.match(
      r.detail,
      /^nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.operator: Unsupported value: "Equals": supported values: "In", "NotIn"/,
    );
  });
});

void describe('tolerationToleratesTaint', () => {
  const taint: Taint = { key: 'dedicated', value: 'infra', effect: 'NoSchedule' };

  void it('follows upstream matching rules', () => {
    const cases: [Toleration, Taint, boolean][] = [
      [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }, taint, true],
      [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }, taint, true],
      [{ key: 'dedicated', value: 'infra' }, taint, true],
      [{ key: 'dedicated', value: 'other' }, taint, false],
      [{ key: 'dedicated', operator: 'Exists' }, taint, true],
      [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint, false],
      [{ key: 'other', operator: 'Exists' }, taint, false],
      [{ operator: 'Exists' }, taint, true],
      [{ operator: 'Exists', effect: 'NoSchedule' }, taint, true],
      [{ operator: 'Exists', effect: 'PreferNoSchedule' }, taint, false],
      [{ key: 'dedicated', operator: 'Equal' }, taint, false],
      [{ key: 'k', operator: 'Equal' }, { key: 'k', effect: 'NoSchedule' }, true],
      [{ key: 'k', operator: 'Equal', value: '' }, { key: 'k', value: '', effect: 'NoExecute' }, true],
      [{ key: 'dedicated', operator: 'Gt', value: 'infra' }, taint, false],
      [{ key: 'dedicated', operator: 'equal', value: 'infra' }, taint, false],
    ];
    for (const [tol, t, want] of cases)
      assert.equal(tolerationToleratesTaint(tol, t), want, `${JSON.stringify(tol)} vs ${JSON.stringify(t)}`);
  });

  void it('tolerates when any toleration does', () => {
    assert.equal(
      tolerationsTolerateTaint(
        [
          { key: 'x', operator: 'Exists' },
          { key: 'dedicated', operator: 'Exists' },
        ],
        taint,
      ),
      true,
    );
    assert.equal(tolerationsTolerateTaint([{ key: 'x', operator: 'Exists' }], taint), false);
    assert.equal(tolerationsTolerateTaint(undefined, taint), false);
  });
});

void describe('findMatchingUntoleratedTaint', () => {
  const taints: Taint[] = [
    { key: 'soft', effect: 'PreferNoSchedule' },
    { key: 'a', value: '1', effect: 'NoSchedule' },
    { key: 'b', effect: 'NoExecute' },
  ];
  const hard = (t: Taint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute';

  void it('returns the first filtered taint nobody tolerates', () => {
    assert.deepEqual(findMatchingUntoleratedTaint(taints, [], hard), taints[1]);
    assert.deepEqual(
      findMatchingUntoleratedTaint(taints, [{ key: 'a', operator: 'Exists' }], hard),
      taints[2],
    );
    assert.equal(
      findMatchingUntoleratedTaint(
        taints,
        [
          { key: 'a', value: '1' },
          { key: 'b', operator: 'Exists', effect: 'NoExecute' },
        ],
        hard,
      ),
      undefined,
    );
    assert.deepEqual(
      findMatchingUntoleratedTaint(taints, [], () => true),
      taints[0],
    );
    assert.equal(findMatchingUntoleratedTaint(undefined, [], hard), undefined);
    assert.equal(
      findMatchingUntoleratedTaint(taints, [{ operator: 'Exists' }], () => true),
      undefined,
    );
  });
});

void describe('taint rendering', () => {
  void it('prints kubectl and scheduler forms', () => {
    assert.equal(
      taintToString({ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }),
      'dedicated=infra:NoSchedule',
    );
    assert.equal(
      taintToString({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }),
      'node.kubernetes.io/unreachable:NoExecute',
    );
    assert.equal(
      taintForMessage({ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }),
      '{dedicated: infra}',
    );
    assert.equal(
      taintForMessage({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }),
      '{node-role.kubernetes.io/control-plane: }',
    );
  });
});

void describe('getTargetNodeName', () => {
  const pinned = (values: string[], operator = 'In', key = 'metadata.name'): Affinity =>
    requiredAffinity({ matchFields: [{ key, operator, values }] });

  void it('prefers spec.nodeName, then the pinned affinity, else undefined', () => {
    const cases: [Pod, string | undefined][] = [
      [podWith({ nodeName: 'n1', affinity: pinned(['n2']) }), 'n1'],
      [podWith({ affinity: pinned(['n2']) }), 'n2'],
      [podWith({}), undefined],
      [podWith({ affinity: requiredAffinity() }), undefined],
      [podWith({ affinity: pinned(['n2', 'n3']) }), undefined],
      [podWith({ affinity: pinned(['n2'], 'NotIn') }), undefined],
      [podWith({ affinity: pinned(['n2'], 'In', 'kubernetes.io/hostname') }), undefined],
      [
        podWith({
          affinity: requiredAffinity(
            { matchExpressions: [{ key: 'zone', operator: 'Exists' }] },
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n4'] }] },
          ),
        }),
        'n4',
      ],
    ];
    for (const [pod, want] of cases) assert.equal(getTargetNodeName(pod), want, JSON.stringify(pod.spec));
  });
});

void describe('replaceDaemonSetPodNodeNameNodeAffinity', () => {
  const pinTerm = (n: string): NodeSelectorTerm[] => [
    { matchFields: [{ key: 'metadata.name', operator: 'In', values: [n] }] },
  ];

  void it('creates the pinning affinity from nothing', () => {
    assert.deepEqual(replaceDaemonSetPodNodeNameNodeAffinity(undefined, 'n1'), {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: pinTerm('n1') } },
    });
    assert.deepEqual(replaceDaemonSetPodNodeNameNodeAffinity({}, 'n1'), {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: pinTerm('n1') } },
    });
  });

  void it('replaces all required terms and keeps everything else, without mutating the input', () => {
    const preferred = [
      { weight: 5, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
    ];
    const podAntiAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }],
    };
    const input: Affinity = {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: preferred,
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] },
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['old'] }] },
          ],
        },
      },
      podAntiAffinity,
    };
    const before = structuredClone(input);
    const out = replaceDaemonSetPodNodeNameNodeAffinity(input, 'n1');
    assert.deepEqual(out, {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: preferred,
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: pinTerm('n1') },
      },
      podAntiAffinity,
    });
    assert.deepEqual(input, before);
    assert.notEqual(out, input);
    const pod = podWith({ affinity: out });
    assert.equal(getTargetNodeName(pod), 'n1');
    assert.equal(requiredNodeAffinityMatches(pod, node('n1')), true);
    assert.equal(requiredNodeAffinityMatches(pod, node('n2')), false);
  });
});
