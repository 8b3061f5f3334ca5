import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../api/resources.js';
import { ObjectStore } from '../store/object-store.js';
import { defaultStrategies } from '../store/strategies.js';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { LocalClient } from './local-client.js';
import { COMBINED_PREFIX, ClientEventRecorder, nanosHex } from './events.js';
import { WriteHookClient } from './write-hook-client.js';

function setup(): { clock: FakeClock; store: ObjectStore; client: LocalClient } {
  const clock = new FakeClock('2026-05-01T00:00:00Z');
  const store = new ObjectStore({ strategies: defaultStrategies, clock });
  return { clock, store, client: new LocalClient(store) };
}

/** A recorder writing through `client`, and the number of writes it made so far. */
function countingRecorder(
  client: LocalClient,
  clock: FakeClock,
  options: { component: string; spamBurst?: number },
): { rec: ClientEventRecorder; writes: () => number } {
  let count = 0;
  const rec = new ClientEventRecorder({
    client: new WriteHookClient(client, () => count++),
    clock,
    logger: silentLogger(),
    ...options,
  });
  return { rec, writes: () => count };
}

test('repeated identical events are aggregated into count and lastTimestamp', async () => {
  const { clock, store } = setup();
  store.create(resources.namespaces, { metadata: { name: 'default' } });
  const client = new LocalClient(store);
  const ds = store.create(resources.daemonsets, {
    metadata: { name: 'ds', namespace: 'default' },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } },
    },
  });
  const rec = new ClientEventRecorder({
    client,
    clock,
    logger: silentLogger(),
    component: 'daemonset-controller',
  });
  rec.event(ds, 'Warning', 'FailedCreate', 'Error creating: boom');
  clock.advance(5_000);
  rec.event(ds, 'Warning', 'FailedCreate', 'Error creating: boom');
  clock.advance(5_000);
  rec.event(ds, 'Warning', 'FailedCreate', 'Error creating: boom');
  rec.event(ds, 'Normal', 'SuccessfulCreate', 'Created pod: ds-abcde');
  await rec.flush();
  const events = store.list(resources.events).items;
  assert.equal(events.length, 2);
  const failed = events.find((e) => e.reason === 'FailedCreate')!;
  assert.equal(failed.count, 3);
  assert.equal(failed.firstTimestamp, '2026-05-01T00:00:00Z');
  assert.equal(failed.lastTimestamp, '2026-05-01T00:00:10Z');
  assert.equal(failed.type, 'Warning');
  assert.equal(failed.source?.component, 'daemonset-controller');
  assert.equal(failed.involvedObject.kind, 'DaemonSet');
  assert.equal(failed.involvedObject.uid, ds.metadata?.uid);
  assert.match(failed.metadata?.name ?? '', /^ds\.[0-9a-f]+$/);
  // Past the aggregation window a new Event object starts.
  clock.advance(11 * 60_000);
  rec.event(ds, 'Warning', 'FailedCreate', 'Error creating: boom');
  await rec.flush();
  assert.equal(store.list(resources.events).items.filter((e) => e.reason === 'FailedCreate').length, 2);
  store.close();
});

test('similar events are combined from the 10th on, and the spam filter stops an object at 25 events', async () => {
  const { clock, store, client } = setup();
  store.create(resources.namespaces, { metadata: { name: 'default' } });
  const ds = store.create(resources.daemonsets, {
    metadata: { name: 'ds', namespace: 'default' },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } },
    },
  });
  const { rec, writes } = countingRecorder(client, clock, { component: 'daemonset-controller' });
  for (let i = 0; i < 5000; i++) rec.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ds-${i}`);
  await rec.flush();
  assert.equal(writes(), 25, 'the spam filter lets 25 events of one object through');
  const events = store.list(resources.events).items;
  const single = events.filter((e) => !e.message?.startsWith(COMBINED_PREFIX));
  const combined = events.filter((e) => e.message?.startsWith(COMBINED_PREFIX));
  assert.equal(single.length, 9);
  assert.equal(combined.length, 1);
  assert.equal(combined[0]?.count, 16);
  assert.equal(combined[0]?.message, `${COMBINED_PREFIX}Created pod: ds-24`);
  // One token comes back every 5 minutes.
  clock.advance(300_000);
  rec.event(ds, 'Normal', 'SuccessfulCreate', 'Created pod: ds-late');
  rec.event(ds, 'Normal', 'SuccessfulCreate', 'Created pod: ds-later');
  await rec.flush();
  assert.equal(writes(), 26);
  store.close();
});

test('the correlator remembers at most 4096 objects: the oldest is forgotten, and starts afresh', async () => {
  const { clock, store, client } = setup();
  store.create(resources.namespaces, { metadata: { name: 'default' } });
  const { rec, writes } = countingRecorder(client, clock, { component: 'kubelet', spamBurst: 1 });
  const pod = (i: number): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${i}`, namespace: 'default', uid: `uid-${i}` },
  });
  // One token per object: the second event about an object still remembered is dropped.
  for (let i = 0; i < 5000; i++) rec.event(pod(i), 'Normal', 'Started', 'Started container c');
  rec.event(pod(4999), 'Normal', 'Started', 'Started container c');
  await rec.flush();
  assert.equal(writes(), 5000);
  assert.equal(rec.cachedObjects, 4096);
  // The first object was forgotten: its bucket is full again, its event written anew.
  rec.event(pod(0), 'Normal', 'Started', 'Started container c');
  await rec.flush();
  assert.equal(writes(), 5001);
  assert.equal(rec.cachedObjects, 4096);
  store.close();
});

test('event names: nanoseconds in hex as BigInt arithmetic gives them', () => {
  const viaBigInt = (ms: number, ns: number): string => (BigInt(ms) * 1_000_000n + BigInt(ns)).toString(16);
  const cases: Array<[number, number]> = [
    [0, 0],
    [0, 15],
    [1, 0],
    [2 ** 20 - 1, 999_999],
    [2 ** 20, 0],
    [Date.parse('2026-05-01T00:00:00Z'), 123_456],
    [2 ** 41 - 1, 999_999],
    [2 ** 41, 1],
  ];
  for (let i = 0; i < 1000; i++) {
    cases.push([Math.floor(Math.random() * 2 ** 41), Math.floor(Math.random() * 1_000_000)]);
  }
  for (const [ms, ns] of cases) assert.equal(nanosHex(ms, ns), viaBigInt(ms, ns), `${ms} ${ns}`);
  assert.throws(() => nanosHex(1.5, 0), RangeError);
});
