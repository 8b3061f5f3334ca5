/**
 * Sync pacing (everynode's addition, see DaemonSetsController.enqueue): after a sync, pod events
 * wait out a pause proportional to the sync's cost, which ends early once the event loop is idle.
 * The clock is fake; it also reads precise time (every reading 10 ms later, so each sync "takes"
 * 10 ms and the pause is 30 ms) and the event loop's idle time, which the test moves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../src/api/resources.js';
import { FakeClock } from '../src/util/clock.js';
import { DsHarness, SIMPLE_DAEMON_LABELS, newDaemonSet, newNode } from './support/ds-harness.js';
import { settle } from './support/wait.js';

class BusyClock extends FakeClock {
  idle = 0;
  private reading = 0;
  precise(): number {
    this.reading += 10;
    return this.reading;
  }
  idleMs(): number {
    return this.idle;
  }
}

async function pacedHarness(): Promise<{ h: DsHarness; clock: BusyClock }> {
  const clock = new BusyClock('2026-02-01T00:00:00Z');
  const h = await DsHarness.create({ clock });
  h.addNode(newNode('node-0', SIMPLE_DAEMON_LABELS));
  h.createDaemonSet(newDaemonSet('foo'));
  h.controller.start();
  // The first sync creates the pod; the pod's own event arrives during it and syncs once more
  // (a key changed while it syncs is synced again at once, as upstream's queue does).
  await settle(100);
  assert.equal(h.store.list(resources.pods).items.length, 1, 'the first sync created the pod');
  assert.equal(h.controller.stats.syncs, 2);
  assert.equal(h.controller.queue.len(), 0);
  return { h, clock };
}

/** A pod event for the DaemonSet after its sync: its pod turns Ready. */
async function podEvent(h: DsHarness): Promise<number> {
  const syncs = h.controller.stats.syncs;
  const [pod] = h.store.list(resources.pods).items;
  h.markReady(pod ? [pod] : []);
  await settle();
  return syncs;
}

test('a paced sync waits out its pause while the event loop is busy', async () => {
  const { h, clock } = await pacedHarness();
  try {
    const syncs = await podEvent(h);
    for (let ms = 0; ms < 28; ms += 2) {
      clock.advance(2);
      await settle();
    }
    assert.equal(h.controller.stats.syncs, syncs, 'no sync within the 30 ms pause');
    clock.advance(4);
    await settle();
    assert.equal(h.controller.stats.syncs, syncs + 1, 'the sync once the pause is over');
  } finally {
    await h.close();
  }
});

test('a paced sync runs as soon as the event loop goes idle', async () => {
  const { h, clock } = await pacedHarness();
  try {
    const syncs = await podEvent(h);
    clock.advance(2);
    await settle();
    assert.equal(h.controller.stats.syncs, syncs, 'busy: still paused');
    clock.idle += 2;
    clock.advance(2);
    await settle();
    assert.equal(h.controller.stats.syncs, syncs + 1, 'idle for the probe interval: synced at 4 ms');
  } finally {
    await h.close();
  }
});
