import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectStore } from '../store/object-store.js';
import { defaultStrategies } from '../store/strategies.js';
import { resources } from '../api/resources.js';
import { isApiError } from '../api/errors.js';
import { LocalClient } from './local-client.js';
import { WriteHookClient, fencedClient } from './write-hook-client.js';
import type { WriteVerb } from './write-hook-client.js';

function setup(): { store: ObjectStore; local: LocalClient } {
  const store = new ObjectStore({ strategies: defaultStrategies });
  store.create(resources.namespaces, { metadata: { name: 'default' } });
  return { store, local: new LocalClient(store) };
}

test('the hook sees every write with its verb and resource; reads pass without it', async () => {
  const { store, local } = setup();
  const seen: string[] = [];
  const c = new WriteHookClient(local, (verb: WriteVerb, type) => seen.push(`${verb} ${type.resource}`));
  await c.create(resources.nodes, { metadata: { name: 'n1' } });
  await c.patch(resources.nodes, '', 'n1', 'merge', { metadata: { labels: { a: 'b' } } });
  await c.get(resources.nodes, '', 'n1');
  await c.list(resources.nodes);
  await c.patchStatus(resources.nodes, '', 'n1', 'merge', { status: { phase: 'Running' } });
  await c.delete(resources.nodes, '', 'n1');
  assert.deepEqual(seen, ['create nodes', 'patch nodes', 'patchStatus nodes', 'delete nodes']);
  store.close();
});

test('a fenced client refuses writes with 503 while closed, and writes nothing', async () => {
  const { store, local } = setup();
  let open = false;
  const c = fencedClient(local, () => open, 'this replica does not hold the lease');
  await assert.rejects(
    c.create(resources.nodes, { metadata: { name: 'n1' } }),
    (err: unknown) => isApiError(err) && err.code === 503 && /does not hold the lease/.test(err.message),
  );
  assert.equal(store.get(resources.nodes, '', 'n1'), undefined);
  assert.equal((await c.list(resources.nodes)).items.length, 0, 'reads still work');
  open = true;
  await c.create(resources.nodes, { metadata: { name: 'n1' } });
  assert.ok(store.get(resources.nodes, '', 'n1'));
  store.close();
});
