/**
 * Stages as data, tested as data (after kwok): for every stage of every profile, a golden case in
 * `testdata/<profile>/<stage>.*.json`:
 *
 * - `<stage>.input.json`: the Pod or Node the kubelet sees;
 * - `<stage>.vars.json`: `{ "vars": {...}, "containers": [...] }`, the variables the kubelet would
 *   compute for that object (fixed, so the case is deterministic);
 * - `<stage>.output.json`: what the stage does to it — `{ "status": <merged status> }`, plus the
 *   rendered `event` and `delete: true` when the stage has them.
 *
 * Each case checks that the stage is the first to match the input, and that
 * `mergeStatus(input.status, render(stage.next.status, vars, containers))` equals the golden.
 *
 * Update mode: `UPDATE_GOLDEN=1 node --import tsx --test src/kubelet/stage.test.ts` rewrites the
 * output files instead of comparing. Read every rewritten file before keeping it (is it what a
 * real kubelet writes?): a golden that encodes a bug is worse than none.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { profiles } from './profiles.js';
import type { KubeletProfileName } from './profiles.js';
import {
  CompiledStages,
  conditionHolds,
  firstMatchingStage,
  mergeStatus,
  readPath,
  render,
} from './stage.js';
import type { FieldCondition, Stage, Vars } from './stage.js';

const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

interface GoldenVars {
  readonly vars: Vars;
  readonly containers: readonly Vars[];
}

interface GoldenOutput {
  status?: unknown;
  event?: { type: string; reason: string; message: string };
  delete?: true;
}

function readJSON<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** What applying `stage` to `input` produces, in the shape of an output golden. */
function applyStage(stage: Stage, input: { status?: unknown }, g: GoldenVars): GoldenOutput {
  const out: GoldenOutput = {};
  if (stage.next.status !== undefined)
    out.status = mergeStatus(input.status, render(stage.next.status, g.vars, g.containers));
  if (stage.next.event) {
    const e = stage.next.event;
    out.event = { type: e.type, reason: e.reason, message: String(render(e.message, g.vars)) };
  }
  if (stage.next.delete) out.delete = true;
  return out;
}

describe('stage goldens', () => {
  for (const name of Object.keys(profiles) as KubeletProfileName[]) {
    const profile = profiles[name];
    const dir = join(TESTDATA, name);
    describe(`profile ${name}`, () => {
      test('every golden case names a stage of the profile', () => {
        const stages = new Set(profile.stages.map((s) => s.name));
        const cases = readdirSync(dir)
          .filter((f) => f.endsWith('.input.json'))
          .map((f) => f.slice(0, -'.input.json'.length));
        assert.deepEqual(
          cases.filter((c) => !stages.has(c)),
          [],
        );
      });
      for (const stage of profile.stages) {
        test(stage.name, () => {
          const base = join(dir, stage.name);
          assert.ok(existsSync(`${base}.input.json`), `missing golden case ${base}.input.json`);
          const input = readJSON<{ kind?: string; status?: unknown }>(`${base}.input.json`);
          const g = readJSON<GoldenVars>(`${base}.vars.json`);
          assert.equal(input.kind, stage.resource);
          assert.equal(firstMatchingStage(profile.stages, stage.resource, input, g.vars)?.name, stage.name);
          const got = applyStage(stage, input, g);
          if (UPDATE) {
            writeFileSync(`${base}.output.json`, `${JSON.stringify(got, null, 2)}\n`);
            return;
          }
          assert.deepEqual(got, readJSON<GoldenOutput>(`${base}.output.json`));
        });
      }
    });
  }
});

describe('readPath', () => {
  test('reads dotted paths and $variables', () => {
    const obj = { status: { phase: 'Running' }, metadata: { labels: { a: 'b' } } };
    assert.equal(readPath(obj, 'status.phase', {}), 'Running');
    assert.equal(readPath(obj, 'metadata.labels.a', {}), 'b');
    assert.equal(readPath(obj, 'status.phase.deeper', {}), undefined);
    assert.equal(readPath(obj, 'spec.nodeName', {}), undefined);
    assert.equal(readPath(obj, '$failure', { failure: 'crash' }), 'crash');
  });
});

describe('conditionHolds', () => {
  const obj = {
    metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' },
    spec: { nodeName: '', replicas: 3 },
    status: { phase: 'Running', ready: true },
  };
  const vars: Vars = { failure: 'crash', none: '' };
  const holds = (c: FieldCondition): boolean => conditionHolds(obj, c, vars);

  test('Exists: present and not empty', () => {
    assert.equal(holds({ path: 'metadata.deletionTimestamp', op: 'Exists' }), true);
    assert.equal(holds({ path: 'spec.nodeName', op: 'Exists' }), false, 'empty string is absent');
    assert.equal(holds({ path: 'spec.missing', op: 'Exists' }), false);
    assert.equal(holds({ path: '$failure', op: 'Exists' }), true);
    assert.equal(holds({ path: '$none', op: 'Exists' }), false);
  });

  test('DoesNotExist: absent, null or empty', () => {
    assert.equal(holds({ path: 'metadata.deletionTimestamp', op: 'DoesNotExist' }), false);
    assert.equal(holds({ path: 'spec.nodeName', op: 'DoesNotExist' }), true);
    assert.equal(conditionHolds({ a: null }, { path: 'a', op: 'DoesNotExist' }, {}), true);
    assert.equal(holds({ path: '$unset', op: 'DoesNotExist' }), true);
  });

  test('In: present and one of the values (numbers and booleans compare as strings)', () => {
    assert.equal(holds({ path: 'status.phase', op: 'In', values: ['Pending', 'Running'] }), true);
    assert.equal(holds({ path: 'status.phase', op: 'In', values: ['Pending'] }), false);
    assert.equal(holds({ path: 'spec.replicas', op: 'In', values: ['3'] }), true);
    assert.equal(holds({ path: 'status.ready', op: 'In', values: ['true'] }), true);
    assert.equal(holds({ path: 'spec.missing', op: 'In', values: [''] }), false, 'absent is never In');
    assert.equal(holds({ path: 'status.phase', op: 'In' }), false, 'no values');
  });

  test('NotIn: absent, or none of the values', () => {
    assert.equal(holds({ path: 'status.phase', op: 'NotIn', values: ['Failed', 'Succeeded'] }), true);
    assert.equal(holds({ path: 'status.phase', op: 'NotIn', values: ['Running'] }), false);
    assert.equal(holds({ path: '$none', op: 'NotIn', values: ['crash'] }), true, 'empty is absent');
    assert.equal(holds({ path: '$failure', op: 'NotIn', values: ['crash', 'failed'] }), false);
    assert.equal(holds({ path: 'status.phase', op: 'NotIn' }), true, 'no values');
  });
});

describe('firstMatchingStage', () => {
  test('tries stages in order, for the resource asked', () => {
    const stages: Stage[] = [
      { name: 'node', resource: 'Node', match: [], next: {} },
      {
        name: 'deleting',
        resource: 'Pod',
        match: [{ path: 'metadata.deletionTimestamp', op: 'Exists' }],
        next: {},
      },
      { name: 'any-pod', resource: 'Pod', match: [], next: {} },
    ];
    assert.equal(firstMatchingStage(stages, 'Pod', { metadata: {} }, {})?.name, 'any-pod');
    assert.equal(
      firstMatchingStage(stages, 'Pod', { metadata: { deletionTimestamp: 'x' } }, {})?.name,
      'deleting',
    );
    assert.equal(firstMatchingStage(stages, 'Node', {}, {})?.name, 'node');
    assert.equal(firstMatchingStage(stages.slice(0, 1), 'Pod', {}, {}), undefined);
  });
});

describe('CompiledStages.matchVariables', () => {
  test('names the $variables the conditions of one resource read', () => {
    const compiled = new CompiledStages([
      { name: 'n', resource: 'Node', match: [{ path: '$nodeOnly', op: 'Exists' }], next: {} },
      {
        name: 'p',
        resource: 'Pod',
        match: [
          { path: 'status.phase', op: 'In', values: ['Pending'] },
          { path: '$failure', op: 'NotIn', values: ['failed'] },
        ],
        next: {},
      },
      { name: 'q', resource: 'Pod', match: [{ path: '$readyCondition', op: 'Exists' }], next: {} },
    ]);
    assert.deepEqual([...compiled.matchVariables('Pod')].sort(), ['failure', 'readyCondition']);
    assert.deepEqual([...compiled.matchVariables('Node')], ['nodeOnly']);
  });

  test('the built-in profiles match pods on the variables the kubelet builds for matching', () => {
    for (const name of Object.keys(profiles) as KubeletProfileName[]) {
      const vars = [...new CompiledStages(profiles[name].stages).matchVariables('Pod')].sort();
      assert.deepEqual(vars, ['failure', 'nodeAlive', 'readyCondition', 'waitingReason'], name);
    }
  });
});

describe('render', () => {
  const vars: Vars = {
    now: '2026-01-01T00:00:00Z',
    ready: true,
    count: 3,
    capacity: { cpu: '4', pods: '10' },
    nothing: null,
    nested: { deep: { value: 'x' } },
  };

  test('a string that is exactly {{name}} becomes the value with its type', () => {
    assert.equal(render('{{ready}}', vars), true);
    assert.equal(render('{{count}}', vars), 3);
    assert.deepEqual(render('{{capacity}}', vars), { cpu: '4', pods: '10' });
    assert.equal(render('{{ now }}', vars), '2026-01-01T00:00:00Z', 'spaces inside the braces');
    assert.equal(render('{{nested.deep.value}}', vars), 'x', 'dotted names read into objects');
    assert.equal(render('{{nothing}}', vars), null);
  });

  test('an undefined whole variable drops its key', () => {
    assert.deepEqual(render({ reason: '{{missing}}', status: 'False' }, vars), { status: 'False' });
  });

  test('other strings interpolate, objects as JSON, null and undefined as nothing', () => {
    assert.equal(render('ready={{ready}} n={{count}}', vars), 'ready=true n=3');
    assert.equal(render('cap {{capacity}}', vars), 'cap {"cpu":"4","pods":"10"}');
    assert.equal(render('[{{missing}}][{{nothing}}]', vars), '[][]');
    assert.equal(render('no variables', vars), 'no variables');
  });

  test('walks objects and arrays; other values pass through', () => {
    assert.deepEqual(render({ a: ['{{count}}', { b: '{{ready}}' }], n: 1, f: false, z: null }, vars), {
      a: [3, { b: true }],
      n: 1,
      f: false,
      z: null,
    });
  });

  test('$forEachContainer expands once per container, with container.* variables', () => {
    const containers: Vars[] = [
      { name: 'app', restartCount: 2, state: { running: { startedAt: 't1' } } },
      { name: 'sidecar', restartCount: 0, state: { waiting: { reason: 'X' } } },
    ];
    const out = render(
      [
        { name: 'first' },
        {
          $forEachContainer: {
            name: '{{container.name}}',
            restartCount: '{{container.restartCount}}',
            state: '{{container.state}}',
            message: '{{container.name}} of {{count}}',
          },
        },
      ],
      vars,
      containers,
    );
    assert.deepEqual(out, [
      { name: 'first' },
      { name: 'app', restartCount: 2, state: { running: { startedAt: 't1' } }, message: 'app of 3' },
      { name: 'sidecar', restartCount: 0, state: { waiting: { reason: 'X' } }, message: 'sidecar of 3' },
    ]);
    assert.deepEqual(render([{ $forEachContainer: { name: '{{container.name}}' } }], vars), []);
  });

  test('inside $forEachContainer the variables are seen as { ...vars, container }, at any depth', () => {
    const scoped: Vars = { ...vars, container: { name: 'outer' }, 'a.b': 'literal' };
    assert.equal(render('{{container.name}}', scoped), 'outer', 'outside: the variable named container');
    const out = render(
      [
        {
          $forEachContainer: {
            name: '{{container.name}}',
            whole: '{{container}}',
            literal: '{{a.b}}',
            deep: '{{nested.deep.value}}',
            inner: [{ $forEachContainer: '{{container.name}}+{{count}}' }],
          },
        },
      ],
      scoped,
      [{ name: 'x' }, { name: 'y' }],
    );
    assert.deepEqual(out, [
      { name: 'x', whole: { name: 'x' }, literal: 'literal', deep: 'x', inner: ['x+3', 'y+3'] },
      { name: 'y', whole: { name: 'y' }, literal: 'literal', deep: 'x', inner: ['x+3', 'y+3'] },
    ]);
  });

  test('does not mutate the template', () => {
    const template = { a: '{{count}}', list: [{ $forEachContainer: { n: '{{container.name}}' } }] };
    const copy = structuredClone(template);
    render(template, vars, [{ name: 'x' }]);
    assert.deepEqual(template, copy);
  });
});

describe('mergeStatus', () => {
  test('objects merge recursively; arrays and scalars replace', () => {
    const current = {
      phase: 'Pending',
      qosClass: 'BestEffort',
      capacity: { cpu: '4', memory: '8Gi' },
      podIPs: [{ ip: '10.244.0.2' }],
    };
    const merged = mergeStatus(current, {
      phase: 'Running',
      capacity: { cpu: '8' },
      podIPs: [{ ip: '10.244.0.3' }],
    });
    assert.deepEqual(merged, {
      phase: 'Running',
      qosClass: 'BestEffort',
      capacity: { cpu: '8', memory: '8Gi' },
      podIPs: [{ ip: '10.244.0.3' }],
    });
    assert.deepEqual(current.capacity, { cpu: '4', memory: '8Gi' }, 'the current status is not mutated');
  });

  test('onto nothing: the patch', () => {
    assert.deepEqual(mergeStatus(undefined, { phase: 'Running' }), { phase: 'Running' });
    assert.equal(mergeStatus({ phase: 'Running' }, undefined), undefined);
  });

  test('conditions merge by type; an unchanged status keeps its lastTransitionTime', () => {
    const current = {
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: 't0' },
        { type: 'Initialized', status: 'True', lastTransitionTime: 't1' },
        {
          type: 'Ready',
          status: 'False',
          lastTransitionTime: 't1',
          reason: 'ContainersNotReady',
          message: 'containers with unready status: [app]',
        },
      ],
    };
    const merged = mergeStatus(current, {
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: 't2' },
        { type: 'Ready', status: 'True', lastTransitionTime: 't2' },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: 't2' },
      ],
    });
    assert.deepEqual(merged, {
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: 't0' },
        { type: 'Initialized', status: 'True', lastTransitionTime: 't1' },
        { type: 'Ready', status: 'True', lastTransitionTime: 't2' },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: 't2' },
      ],
    });
  });

  test('an unchanged condition takes the new reason, message and heartbeat', () => {
    const merged = mergeStatus(
      { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: 't0', lastHeartbeatTime: 't0' }] },
      {
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: 't9', lastHeartbeatTime: 't9', reason: 'R' },
        ],
      },
    );
    assert.deepEqual(merged, {
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: 't0', lastHeartbeatTime: 't9', reason: 'R' },
      ],
    });
  });
});
