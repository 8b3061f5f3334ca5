import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../api/resources.js';
import { LocalClient } from '../client/local-client.js';
import { ObjectStore } from '../store/object-store.js';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import type { Controller } from './manager.js';
import { Manager } from './manager.js';

/** A controller that records its lifecycle and what its informer had when it started. */
class Probe implements Controller {
  readonly log: string[] = [];
  constructor(
    readonly name: string,
    private readonly manager: Manager,
  ) {
    manager.informers.informer(resources.namespaces);
  }
  start(): void {
    this.log.push(`start with ${this.manager.informers.informer(resources.namespaces).size()} namespaces`);
  }
  stop(): Promise<void> {
    this.log.push('stop');
    return Promise.resolve();
  }
}

test('a controller added to a running manager starts at once on the synced informers; remove stops only it', async () => {
  const store = new ObjectStore({ clock: new FakeClock('2026-01-01T00:00:00Z') });
  store.create(resources.namespaces, { metadata: { name: 'default' } });
  const manager = new Manager({
    client: new LocalClient(store),
    clock: new FakeClock(),
    logger: silentLogger(),
  });
  const first = new Probe('first', manager);
  manager.add(first);
  await manager.start();
  assert.deepEqual(first.log, ['start with 1 namespaces']);

  const late = new Probe('late', manager);
  manager.add(late);
  assert.deepEqual(late.log, ['start with 1 namespaces'], 'started when added');

  await manager.remove(late);
  assert.deepEqual(late.log, ['start with 1 namespaces', 'stop']);
  assert.deepEqual(first.log, ['start with 1 namespaces'], 'the others keep running');

  await manager.stop();
  assert.deepEqual(first.log, ['start with 1 namespaces', 'stop']);
  assert.deepEqual(
    late.log,
    ['start with 1 namespaces', 'stop'],
    'a removed controller is not stopped twice',
  );
  store.close();
});
