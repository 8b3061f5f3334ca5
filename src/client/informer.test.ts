import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../api/resources.js';
import { ObjectStore } from '../store/object-store.js';
import { defaultStrategies } from '../store/strategies.js';
import { FakeClock } from '../util/clock.js';
import { LocalClient } from './local-client.js';
import { Informer, byControllerUID, byNodeName } from './informer.js';

const pod = (name: string, nodeName?: string): Pod => ({
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'i:1' }], ...(nodeName ? { nodeName } : {}) },
});

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function setup(windowSize?: number) {
  const store = new ObjectStore({ strategies: defaultStrategies, ...(windowSize ? { windowSize } : {}) });
  store.create(resources.namespaces, { metadata: { name: 'default' } });
  const client = new LocalClient(store);
  return { store, client };
}

describe('Informer', () => {
  test('lists, syncs, then delivers add/update/delete and keeps indexes current', async () => {
    const { store, client } = setup();
    store.create(resources.pods, pod('a'));
    const inf = new Informer<Pod>(client, resources.pods, {
      clock: new FakeClock(),
      indexers: { node: byNodeName },
    });
    const seen: string[] = [];
    inf.addHandlers({
      onAdd: (p) => seen.push(`add ${p.metadata?.name}`),
      onUpdate: (_o, p) => seen.push(`update ${p.metadata?.name}`),
      onDelete: (p) => seen.push(`delete ${p.metadata?.name}`),
    });
    inf.start();
    await inf.waitForSync();
    assert.ok(inf.hasSynced());
    store.create(resources.pods, pod('b', 'n1'));
    const b = store.get(resources.pods, 'default', 'b')!;
    store.update(resources.pods, { ...b, metadata: { ...b.metadata, labels: { x: 'y' } } });
    store.delete(resources.pods, 'default', 'a');
    await settle();
    assert.deepEqual(seen, ['add a', 'add b', 'update b', 'delete a']);
    assert.deepEqual(
      inf.byIndex('node', 'n1').map((p) => p.metadata?.name),
      ['b'],
    );
    assert.deepEqual(inf.byIndex('node', ''), [], 'the deleted unbound pod left the index');
    assert.equal(inf.get('default', 'b')?.metadata?.labels?.['x'], 'y');
    inf.stop();
    store.close();
  });

  test('after its watch is dropped as too slow, it re-lists and reports the differences', async () => {
    const store = new ObjectStore({ strategies: defaultStrategies, maxWatcherBacklog: 5, windowSize: 5 });
    store.create(resources.namespaces, { metadata: { name: 'default' } });
    const client = new LocalClient(store);
    store.create(resources.pods, pod('gone'));
    const inf = new Informer<Pod>(client, resources.pods, { clock: new FakeClock() });
    const deleted: string[] = [];
    inf.addHandlers({ onDelete: (p) => deleted.push(p.metadata?.name ?? '') });
    inf.start();
    await inf.waitForSync();
    store.delete(resources.pods, 'default', 'gone');
    for (let i = 0; i < 30; i++) store.create(resources.pods, pod(`p${i}`));
    await settle();
    await settle();
    assert.equal(inf.size(), 30);
    assert.deepEqual(deleted, ['gone']);
    inf.stop();
    store.close();
  });

  test('indexes objects by controller owner UID', () => {
    assert.deepEqual(
      byControllerUID({
        metadata: {
          ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u1', controller: true }],
        },
      }),
      ['u1'],
    );
    assert.deepEqual(
      byControllerUID({
        metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u1' }] },
      }),
      [],
    );
  });
});
