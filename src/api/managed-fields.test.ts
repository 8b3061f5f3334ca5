import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyConfiguration,
  conflictMessage,
  difference,
  fieldSetOf,
  fromFieldsV1,
  intersection,
  recordUpdate,
  toFieldsV1,
  union,
} from './managed-fields.js';
import type { ManagedFieldsEntry } from './managed-fields.js';

type Json = Record<string, unknown>;
const opts = { apiVersion: 'apps/v1', time: '2024-01-01T00:00:00Z' };

function ds(image: string, labels: Record<string, string> = { app: 'x' }): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'x', labels },
    spec: {
      selector: { matchLabels: { app: 'x' } },
      template: {
        metadata: { labels: { app: 'x' } },
        spec: { containers: [{ name: 'nginx', image }] },
      },
    },
  };
}

function applyOk(
  live: unknown,
  applied: unknown,
  manager: string,
  mf: unknown,
  force = false,
): { object: Json; managedFields: ManagedFieldsEntry[] } {
  const r = applyConfiguration('DaemonSet', live, applied, manager, mf, force, opts);
  assert.equal(r.conflicts, undefined, JSON.stringify(r.conflicts));
  assert.ok(r.object);
  return { object: r.object, managedFields: r.managedFields };
}

describe('field sets', () => {
  it('uses upstream FieldsV1 keys: merge keys, atomic structs, list item "."', () => {
    const f = toFieldsV1(fieldSetOf('DaemonSet', ds('nginx:1')));
    assert.deepEqual(f, {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    });
  });

  it('primitive-set lists use v: keys and FieldsV1 round-trips', () => {
    const set = fieldSetOf('Pod', { metadata: { finalizers: ['a', 'b'] } });
    assert.deepEqual(toFieldsV1(set), { 'f:metadata': { 'f:finalizers': { 'v:"a"': {}, 'v:"b"': {} } } });
    const full = fieldSetOf('DaemonSet', ds('nginx:1'));
    assert.deepEqual(fromFieldsV1(toFieldsV1(full)), full);
  });

  it('set operations', () => {
    const a = fieldSetOf('DaemonSet', ds('n', { app: 'x', tier: 'web' }));
    const b = fieldSetOf('DaemonSet', ds('n'));
    assert.equal(difference(a, b).size, 1);
    assert.deepEqual(toFieldsV1(difference(a, b)), { 'f:metadata': { 'f:labels': { 'f:tier': {} } } });
    assert.equal(intersection(a, b).size, b.size);
    assert.equal(union(a, b).size, a.size);
  });
});

describe('applyConfiguration', () => {
  it('creates and records an Apply entry', () => {
    const r = applyOk(undefined, ds('nginx:1'), 'kubectl', undefined);
    assert.equal(r.managedFields.length, 1);
    assert.equal(r.managedFields[0]?.manager, 'kubectl');
    assert.equal(r.managedFields[0]?.operation, 'Apply');
    assert.equal(r.managedFields[0]?.fieldsType, 'FieldsV1');
  });

  it('removes fields dropped from the configuration, unless another manager owns them', () => {
    const first = applyOk(undefined, ds('n', { app: 'x', tier: 'web', keep: 'y' }), 'kubectl', undefined);
    const live = { ...first.object, metadata: { ...(first.object.metadata as Json) } };
    // Another manager also owns `keep`.
    const mf = [
      ...first.managedFields,
      {
        manager: 'other',
        operation: 'Apply' as const,
        apiVersion: 'apps/v1',
        time: opts.time,
        fieldsType: 'FieldsV1' as const,
        fieldsV1: { 'f:metadata': { 'f:labels': { 'f:keep': {} } } },
      },
    ];
    const r = applyOk(live, ds('n'), 'kubectl', mf);
    assert.deepEqual((r.object.metadata as Json).labels, { app: 'x', keep: 'y' });
  });

  it('removes a dropped list item', () => {
    const two = ds('n');
    const spec = ((two.spec as Json).template as Json).spec as Json;
    spec.containers = [
      { name: 'nginx', image: 'n' },
      { name: 'side', image: 's' },
    ];
    const first = applyOk(undefined, two, 'kubectl', undefined);
    const r = applyOk(first.object, ds('n'), 'kubectl', first.managedFields);
    const containers = (((r.object.spec as Json).template as Json).spec as Json).containers;
    assert.deepEqual(containers, [{ name: 'nginx', image: 'n' }]);
  });

  it('reports conflicts with another manager, and force moves ownership', () => {
    const first = applyOk(undefined, ds('nginx:1'), 'kubectl', undefined);
    // kubectl set image: an Update by kubectl-set.
    const setImage = structuredClone(first.object);
    ((((setImage.spec as Json).template as Json).spec as Json).containers as Json[])[0]!.image = 'nginx:2';
    const mf = recordUpdate('DaemonSet', first.object, setImage, 'kubectl-set', first.managedFields, opts);
    assert.deepEqual(
      mf.map((e) => [e.manager, e.operation]),
      [
        ['kubectl', 'Apply'],
        ['kubectl-set', 'Update'],
      ],
    );
    // The image moved to kubectl-set.
    assert.ok(!JSON.stringify(mf[0]?.fieldsV1).includes('f:image'));

    // Re-applying the same configuration as before the Update is not a conflict for unchanged fields,
    // but a different image is.
    const r = applyConfiguration('DaemonSet', setImage, ds('nginx:3'), 'kubectl', mf, false, opts);
    assert.ok(r.conflicts);
    assert.equal(r.conflicts.length, 1);
    assert.equal(r.conflicts[0]?.field, '.spec.template.spec.containers[name="nginx"].image');
    assert.equal(
      conflictMessage(r.conflicts),
      'Apply failed with 1 conflict: conflict with "kubectl-set" using apps/v1 at 2024-01-01T00:00:00Z: .spec.template.spec.containers[name="nginx"].image',
    );

    const forced = applyOk(setImage, ds('nginx:3'), 'kubectl', mf, true);
    const img = ((((forced.object.spec as Json).template as Json).spec as Json).containers as Json[])[0]
      ?.image;
    assert.equal(img, 'nginx:3');
    // kubectl-set lost its only field and disappears.
    assert.deepEqual(
      forced.managedFields.map((e) => e.manager),
      ['kubectl'],
    );
  });

  it('same value is not a conflict; shared ownership then keeps the field', () => {
    const first = applyOk(undefined, ds('nginx:1'), 'a', undefined);
    const second = applyOk(first.object, ds('nginx:1'), 'b', first.managedFields);
    assert.equal(second.managedFields.length, 2);
    const labelsDropped = applyOk(second.object, ds('nginx:1', {}), 'a', second.managedFields);
    assert.deepEqual((labelsDropped.object.metadata as Json).labels, { app: 'x' });
  });
});

describe('recordUpdate', () => {
  it('a status write owns the status fields it changed, under subresource status, and nothing else', () => {
    const live = { ...ds('nginx:1'), status: { numberReady: 1, desiredNumberScheduled: 1 } };
    // The body also carries a different image and label: a status write ignores them.
    const body = {
      ...ds('nginx:2', { app: 'x', extra: 'y' }),
      status: { numberReady: 2, desiredNumberScheduled: 1 },
    };
    const mf = recordUpdate('DaemonSet', live, body, 'controller', undefined, {
      ...opts,
      subresource: 'status',
    });
    assert.equal(mf.length, 1);
    assert.equal(mf[0]?.subresource, 'status');
    assert.equal(mf[0]?.manager, 'controller');
    assert.deepEqual(mf[0]?.fieldsV1, { 'f:status': { 'f:numberReady': {} } });
  });

  it('a main-resource write never owns status fields', () => {
    const live = { ...ds('nginx:1'), status: { numberReady: 1 } };
    const body = { ...ds('nginx:2'), status: { numberReady: 5 } };
    const mf = recordUpdate('DaemonSet', live, body, 'kubectl-set', undefined, opts);
    assert.equal(mf[0]?.subresource, undefined);
    assert.ok(!JSON.stringify(mf[0]?.fieldsV1).includes('f:status'));
    assert.ok(JSON.stringify(mf[0]?.fieldsV1).includes('f:image'));
  });
});
