import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1.js';
import { rfc3339 } from '../../util/clock.js';
import {
  TAINT_DISK_PRESSURE,
  TAINT_MEMORY_PRESSURE,
  TAINT_NETWORK_UNAVAILABLE,
  TAINT_NOT_READY,
  TAINT_PID_PRESSURE,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  desiredConditionTaints,
  reconcileTaints,
} from './node-lifecycle.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

function node(
  conditions: Record<string, string>,
  spec: { unschedulable?: boolean; taints?: Taint[] } = {},
): Node {
  const cs: NodeCondition[] = Object.entries(conditions).map(([type, status]) => ({ type, status }));
  return { metadata: { name: 'n' }, spec, status: { conditions: cs } };
}

const show = (taints: readonly Taint[]): string[] =>
  taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);

describe('desiredConditionTaints', () => {
  const cases: Array<[string, Node, string[]]> = [
    ['a Ready node without pressure carries none', node({ Ready: 'True', MemoryPressure: 'False' }), []],
    ['a node without conditions carries none', { metadata: { name: 'n' } }, []],
    [
      'Ready=False → not-ready NoSchedule and NoExecute',
      node({ Ready: 'False' }),
      [`${TAINT_NOT_READY}:NoSchedule`, `${TAINT_NOT_READY}:NoExecute`],
    ],
    [
      'Ready=Unknown → unreachable NoSchedule and NoExecute',
      node({ Ready: 'Unknown' }),
      [`${TAINT_UNREACHABLE}:NoSchedule`, `${TAINT_UNREACHABLE}:NoExecute`],
    ],
    [
      'MemoryPressure=True → memory-pressure:NoSchedule',
      node({ Ready: 'True', MemoryPressure: 'True' }),
      [`${TAINT_MEMORY_PRESSURE}:NoSchedule`],
    ],
    [
      'DiskPressure=True → disk-pressure:NoSchedule',
      node({ Ready: 'True', DiskPressure: 'True' }),
      [`${TAINT_DISK_PRESSURE}:NoSchedule`],
    ],
    [
      'PIDPressure=True → pid-pressure:NoSchedule',
      node({ Ready: 'True', PIDPressure: 'True' }),
      [`${TAINT_PID_PRESSURE}:NoSchedule`],
    ],
    [
      'NetworkUnavailable=True → network-unavailable:NoSchedule',
      node({ Ready: 'True', NetworkUnavailable: 'True' }),
      [`${TAINT_NETWORK_UNAVAILABLE}:NoSchedule`],
    ],
    [
      'pressure conditions that are Unknown add nothing',
      node({ Ready: 'True', DiskPressure: 'Unknown' }),
      [],
    ],
    [
      'spec.unschedulable (cordon) → unschedulable:NoSchedule',
      node({ Ready: 'True' }, { unschedulable: true }),
      [`${TAINT_UNSCHEDULABLE}:NoSchedule`],
    ],
    [
      'everything at once',
      node(
        { Ready: 'False', MemoryPressure: 'True', DiskPressure: 'True', PIDPressure: 'True' },
        { unschedulable: true },
      ),
      [
        `${TAINT_NOT_READY}:NoSchedule`,
        `${TAINT_NOT_READY}:NoExecute`,
        `${TAINT_MEMORY_PRESSURE}:NoSchedule`,
        `${TAINT_DISK_PRESSURE}:NoSchedule`,
        `${TAINT_PID_PRESSURE}:NoSchedule`,
        `${TAINT_UNSCHEDULABLE}:NoSchedule`,
      ],
    ],
  ];
  for (const [name, n, want] of cases) {
    test(name, () => {
      const got = desiredConditionTaints(n);
      assert.deepEqual(show(got), want);
      assert.ok(
        got.every((t) => t.timeAdded === undefined),
        'desired taints carry no timestamps',
      );
    });
  }
});

describe('reconcileTaints', () => {
  test('a new NoExecute taint is stamped with timeAdded = now, a NoSchedule one is not', () => {
    const got = reconcileTaints(node({ Ready: 'False' }), NOW);
    assert.deepEqual(got, [
      { key: TAINT_NOT_READY, effect: 'NoSchedule' },
      { key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: rfc3339(NOW) },
    ]);
  });

  test('taints it does not manage are kept, in their order, ahead of the managed ones', () => {
    const own: Taint[] = [
      { key: 'dedicated', value: 'infra', effect: 'NoSchedule' },
      { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
      { key: 'example.com/drain', effect: 'NoExecute', timeAdded: '2025-06-01T00:00:00Z' },
    ];
    const got = reconcileTaints(node({ Ready: 'True' }, { unschedulable: true, taints: own }), NOW);
    assert.deepEqual(got, [...own, { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' }]);
  });

  test('an existing managed taint keeps its timeAdded', () => {
    const added = '2025-12-31T23:00:00Z';
    const current: Taint[] = [
      { key: TAINT_UNREACHABLE, effect: 'NoSchedule' },
      { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: added },
    ];
    const got = reconcileTaints(node({ Ready: 'Unknown' }, { taints: current }), NOW);
    assert.deepEqual(got, current);
  });

  test('managed taints whose condition cleared are removed; the others stay', () => {
    const current: Taint[] = [
      { key: 'team', value: 'a', effect: 'NoSchedule' },
      { key: TAINT_NOT_READY, effect: 'NoSchedule' },
      { key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: '2025-12-31T23:00:00Z' },
      { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' },
      { key: TAINT_DISK_PRESSURE, effect: 'NoSchedule' },
    ];
    const got = reconcileTaints(node({ Ready: 'True', DiskPressure: 'False' }, { taints: current }), NOW);
    assert.deepEqual(got, [{ key: 'team', value: 'a', effect: 'NoSchedule' }]);
  });

  test('Ready going from False to Unknown swaps not-ready for unreachable with a fresh timeAdded', () => {
    const current: Taint[] = [
      { key: TAINT_NOT_READY, effect: 'NoSchedule' },
      { key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: '2025-12-31T23:00:00Z' },
    ];
    const got = reconcileTaints(node({ Ready: 'Unknown' }, { taints: current }), NOW);
    assert.deepEqual(got, [
      { key: TAINT_UNREACHABLE, effect: 'NoSchedule' },
      { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: rfc3339(NOW) },
    ]);
  });

  test('a node already in the desired state is returned unchanged (no write needed)', () => {
    const current: Taint[] = [
      { key: 'dedicated', value: 'x', effect: 'NoExecute' },
      { key: TAINT_MEMORY_PRESSURE, effect: 'NoSchedule' },
    ];
    const n = node({ Ready: 'True', MemoryPressure: 'True' }, { taints: current });
    assert.deepEqual(reconcileTaints(n, NOW), current);
    assert.deepEqual(reconcileTaints(node({ Ready: 'True' }), NOW), []);
  });
});
