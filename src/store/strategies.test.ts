import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { resources } from '../api/resources.js';
import { ObjectStore } from './object-store.js';
import { TEMPLATE_GENERATION_ANNOTATION, defaultStrategies } from './strategies.js';

function setup(): ObjectStore {
  const store = new ObjectStore({ strategies: defaultStrategies });
  store.create(resources.namespaces, { metadata: { name: 'default' } });
  return store;
}

const ds = (annotations?: Record<string, string>): DaemonSet => ({
  metadata: { name: 'd', namespace: 'default', ...(annotations ? { annotations } : {}) },
  spec: {
    selector: { matchLabels: { a: 'b' } },
    template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } },
  },
});

const gen = (d: DaemonSet | undefined): string | undefined =>
  d?.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];

describe('DaemonSet strategy: the deprecated.daemonset.template.generation annotation (spec §1.4)', () => {
  test('is 1 on create, kept for metadata and non-template spec changes, +1 with generation on template changes', () => {
    const store = setup();
    const created = store.create(resources.daemonsets, ds());
    assert.equal(gen(created), '1');
    assert.deepEqual(created.status, {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
    });
    const labelled = store.update(resources.daemonsets, {
      ...created,
      metadata: { ...created.metadata, labels: { x: 'y' } },
    });
    assert.deepEqual([gen(labelled), labelled.metadata?.generation], ['1', 1]);
    const minReady = store.update(resources.daemonsets, {
      ...labelled,
      spec: { ...labelled.spec!, minReadySeconds: 5 },
    });
    assert.deepEqual([gen(minReady), minReady.metadata?.generation], ['1', 2]);
    const spec = minReady.spec!;
    const image = store.update(resources.daemonsets, {
      ...minReady,
      spec: { ...spec, template: { ...spec.template, spec: { containers: [{ name: 'c', image: 'i:2' }] } } },
    });
    assert.deepEqual([gen(image), image.metadata?.generation], ['2', 3]);
  });

  test('a user-supplied value ≥ 1 is kept on create; users cannot change it on update', () => {
    const store = setup();
    const created = store.create(resources.daemonsets, ds({ [TEMPLATE_GENERATION_ANNOTATION]: '7' }));
    assert.equal(gen(created), '7');
    const tampered = store.update(resources.daemonsets, {
      ...created,
      metadata: { ...created.metadata, annotations: { [TEMPLATE_GENERATION_ANNOTATION]: '99' } },
    });
    assert.equal(gen(tampered), '7');
    const zero = setup().create(resources.daemonsets, ds({ [TEMPLATE_GENERATION_ANNOTATION]: '0' }));
    assert.equal(gen(zero), '1');
  });

  test('status written by a client on create is wiped; a status write keeps the annotation', () => {
    const store = setup();
    const created = store.create(resources.daemonsets, {
      ...ds(),
      status: { currentNumberScheduled: 9, numberMisscheduled: 9, desiredNumberScheduled: 9, numberReady: 9 },
    });
    assert.equal(created.status?.desiredNumberScheduled, 0);
    const st = store.update(
      resources.daemonsets,
      { ...created, status: { ...created.status, desiredNumberScheduled: 3 } },
      { subresource: 'status' },
    );
    assert.deepEqual([gen(st), st.status?.desiredNumberScheduled, st.metadata?.generation], ['1', 3, 1]);
  });
});
