/**
 * The Store conformance suite: every Store backend runs these cases through the Store interface
 * only. Call `storeConformance('memory', factory)` from a test file.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../api/resources.js';
import type { KubeObject } from '../api/resources.js';
import { ApiError } from '../api/errors.js';
import { parseSelector } from '../api/labels.js';
import { parseFieldSelector } from '../api/fields.js';
import { FakeClock } from '../util/clock.js';
import type { Store, WatchEvent } from './types.js';
import { NAME_SUFFIX_ALPHABET } from './object-store.js';

export interface StoreFactoryOptions {
  readonly clock: FakeClock;
  readonly windowSize?: number;
  readonly maxWatcherBacklog?: number;
}

export type StoreFactory = (options: StoreFactoryOptions) => Store;

function pod(name: string, labels: Record<string, string> = {}, nodeName?: string): Pod {
  return {
    metadata: { name, namespace: 'default', labels },
    spec: { containers: [{ name: 'c', image: 'nginx:1.25' }], ...(nodeName ? { nodeName } : {}) },
  };
}

/** Waits until asynchronous watch delivery has run. */
function settle(): Promise<void> {
  return new Promise((r) => setImmediate(() => setImmediate(r)));
}

function collect<T extends KubeObject>(events: WatchEvent<T>[]): Array<[string, string]> {
  return events.map((e) => [e.type, e.object.metadata?.name ?? '']);
}

async function rejects(fn: () => unknown, reason: string, code?: number): Promise<ApiError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ApiError, `expected an ApiError ${reason}, got ${String(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  if (code !== undefined) assert.equal(caught.code, code);
  return caught;
}

export function storeConformance(backend: string, factory: StoreFactory): void {
  describe(`Store conformance (${backend})`, () => {
    const setup = (extra: Partial<StoreFactoryOptions> = {}): { store: Store; clock: FakeClock } => {
      const clock = new FakeClock('2026-03-01T10:00:00Z');
      const store = factory({ clock, ...extra });
      store.create(resources.namespaces, { metadata: { name: 'default' } });
      store.create(resources.namespaces, { metadata: { name: 'other' } });
      return { store, clock };
    };

    test('create assigns uid, creationTimestamp, generation and a global, increasing resourceVersion', () => {
      const { store } = setup();
      const before = store.revision();
      const a = store.create(resources.pods, pod('a'));
      const n = store.create(resources.nodes, { metadata: { name: 'n1' } });
      assert.equal(a.metadata?.resourceVersion, String(before + 1));
      assert.equal(n.metadata?.resourceVersion, String(before + 2));
      assert.equal(store.revision(), before + 2);
      assert.match(a.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(a.metadata?.creationTimestamp, '2026-03-01T10:00:00Z');
      assert.equal(a.metadata?.generation, 1);
      assert.equal(a.kind, 'Pod');
      assert.equal(a.apiVersion, 'v1');
      store.close();
    });

    test('stored objects are frozen and shared; writers copy', () => {
      const { store } = setup();
      const a = store.create(resources.pods, pod('a'));
      assert.ok(Object.isFrozen(a));
      assert.ok(Object.isFrozen(a.metadata));
      assert.throws(() => {
        (a.metadata as { name: string }).name = 'b';
      }, TypeError);
      assert.equal(store.get(resources.pods, 'default', 'a'), a);
      store.close();
    });

    test('creating an existing name is AlreadyExists (409)', async () => {
      const { store } = setup();
      store.create(resources.pods, pod('a'));
      const err = await rejects(() => store.create(resources.pods, pod('a')), 'AlreadyExists', 409);
      assert.equal(err.message, 'pods "a" already exists');
      store.close();
    });

    test('generateName truncates the base to 58 characters and appends 5 characters of the alphabet', () => {
      const { store } = setup();
      const base = `${'x'.repeat(70)}-`;
      const p = pod('');
      const created = store.create(resources.pods, {
        ...p,
        metadata: { namespace: 'default', generateName: base },
      });
      const name = created.metadata?.name ?? '';
      assert.equal(name.length, 63);
      assert.ok(name.startsWith('x'.repeat(58)));
      for (const ch of name.slice(58)) assert.ok(NAME_SUFFIX_ALPHABET.includes(ch), ch);
      const short = store.create(resources.pods, {
        ...p,
        metadata: { namespace: 'default', generateName: 'ds-' },
      });
      assert.match(short.metadata?.name ?? '', /^ds-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      store.close();
    });

    test('namespaced objects need an existing, non-terminating namespace', async () => {
      const { store } = setup();
      const e = await rejects(
        () => store.create(resources.pods, { ...pod('a'), metadata: { name: 'a', namespace: 'nope' } }),
        'NotFound',
        404,
      );
      assert.equal(e.message, 'namespaces "nope" not found');
      store.close();
    });

    test('invalid objects are rejected with Invalid (422) and field causes', async () => {
      const { store } = setup();
      const err = await rejects(
        () =>
          store.create(resources.pods, {
            metadata: { name: 'Bad_Name', namespace: 'default' },
            spec: { containers: [] },
          }),
        'Invalid',
        422,
      );
      const fields = err.causes.map((c) => c.field);
      assert.ok(fields.includes('metadata.name'), JSON.stringify(err.causes));
      assert.ok(fields.includes('spec.containers'), JSON.stringify(err.causes));
      assert.match(err.message, /^Pod "Bad_Name" is invalid: \[/);
      store.close();
    });

    test('list filters by namespace, label selector and field selector, sorted by key', () => {
      const { store } = setup();
      store.create(resources.pods, pod('b', { app: 'x' }, 'n1'));
      store.create(resources.pods, pod('a', { app: 'y' }, 'n2'));
      store.create(resources.pods, {
        ...pod('c', { app: 'x' }),
        metadata: { name: 'c', namespace: 'other', labels: { app: 'x' } },
      });
      const names = (r: { items: readonly KubeObject[] }): string[] =>
        r.items.map((p) => p.metadata?.name ?? '');
      assert.deepEqual(names(store.list(resources.pods)), ['a', 'b', 'c']);
      assert.deepEqual(names(store.list(resources.pods, { namespace: 'default' })), ['a', 'b']);
      assert.deepEqual(names(store.list(resources.pods, { labelSelector: parseSelector('app=x') })), [
        'b',
        'c',
      ]);
      assert.deepEqual(
        names(store.list(resources.pods, { fieldSelector: parseFieldSelector('spec.nodeName=n1') })),
        ['b'],
      );
      assert.deepEqual(
        names(
          store.list(resources.pods, { fieldSelector: parseFieldSelector('metadata.namespace!=default') }),
        ),
        ['c'],
      );
      assert.equal(store.list(resources.pods).revision, store.revision());
      store.close();
    });

    test('list orders by the `namespace/name` key across namespaces, and deleted objects leave it', () => {
      const { store } = setup();
      store.create(resources.namespaces, { metadata: { name: 'default-x' } });
      store.create(resources.pods, pod('b'));
      store.create(resources.pods, { ...pod('a'), metadata: { name: 'a', namespace: 'default-x' } });
      store.create(resources.pods, { ...pod('z'), metadata: { name: 'z', namespace: 'other' } });
      store.create(resources.pods, pod('a'));
      const keys = (): string[] =>
        store
          .list(resources.pods)
          .items.map((p) => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`);
      // '-' sorts before '/': default-x/a comes before default/a, as one flat map sorted by key.
      assert.deepEqual(keys(), ['default-x/a', 'default/a', 'default/b', 'other/z']);
      store.delete(resources.pods, 'default-x', 'a');
      store.delete(resources.pods, 'other', 'z');
      assert.deepEqual(keys(), ['default/a', 'default/b']);
      assert.equal(store.get(resources.pods, 'other', 'z'), undefined);
      assert.equal(store.get(resources.pods, 'default', 'a')?.metadata?.name, 'a');
      store.close();
    });

    test('update is optimistic: a stale resourceVersion is a Conflict; none means unconditional', async () => {
      const { store } = setup();
      const a = store.create(resources.pods, pod('a'));
      const a2 = store.update(resources.pods, { ...a, metadata: { ...a.metadata, labels: { v: '2' } } });
      const err = await rejects(
        () => store.update(resources.pods, { ...a, metadata: { ...a.metadata, labels: { v: '3' } } }),
        'Conflict',
        409,
      );
      assert.equal(
        err.message,
        'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again',
      );
      const { resourceVersion: _rv, ...noRv } = a2.metadata ?? {};
      const a3 = store.update(resources.pods, { ...a2, metadata: { ...noRv, labels: { v: '4' } } });
      assert.equal(a3.metadata?.labels?.['v'], '4');
      store.close();
    });

    test('generation changes only when spec changes; a no-op update writes nothing', () => {
      const { store } = setup();
      const ds = store.create(resources.daemonsets, {
        metadata: { name: 'd', namespace: 'default' },
        spec: {
          selector: { matchLabels: { app: 'd' } },
          template: {
            metadata: { labels: { app: 'd' } },
            spec: { containers: [{ name: 'c', image: 'i:1' }] },
          },
        },
      });
      assert.equal(ds.metadata?.generation, 1);
      const labelled = store.update(resources.daemonsets, {
        ...ds,
        metadata: { ...ds.metadata, labels: { a: 'b' } },
      });
      assert.equal(labelled.metadata?.generation, 1);
      const rev = store.revision();
      const same = store.update(resources.daemonsets, labelled);
      assert.equal(same.metadata?.resourceVersion, labelled.metadata?.resourceVersion);
      assert.equal(store.revision(), rev);
      const spec = labelled.spec!;
      const bumped = store.update(resources.daemonsets, {
        ...labelled,
        spec: { ...spec, minReadySeconds: 5 },
      });
      assert.equal(bumped.metadata?.generation, 2);
      store.close();
    });

    test('a main-resource write cannot change status; a status write cannot change spec', () => {
      const { store } = setup();
      const a = store.create(resources.pods, pod('a'));
      assert.equal(a.status?.phase, 'Pending');
      const main = store.update(resources.pods, {
        ...a,
        metadata: { ...a.metadata, labels: { x: 'y' } },
        status: { phase: 'Running' },
      });
      assert.equal(main.status?.phase, 'Pending');
      assert.equal(main.metadata?.labels?.['x'], 'y');
      const st = store.update(
        resources.pods,
        { ...main, spec: { ...main.spec!, activeDeadlineSeconds: 5 }, status: { phase: 'Running' } },
        { subresource: 'status' },
      );
      assert.equal(st.status?.phase, 'Running');
      assert.equal(st.spec?.activeDeadlineSeconds, undefined);
      store.close();
    });

    test('delete honours uid and resourceVersion preconditions', async () => {
      const { store } = setup();
      const a = store.create(resources.pods, pod('a'));
      await rejects(
        () => store.delete(resources.pods, 'default', 'a', { preconditions: { uid: 'nope' } }),
        'Conflict',
        409,
      );
      await rejects(
        () => store.delete(resources.pods, 'default', 'a', { preconditions: { resourceVersion: '1' } }),
        'Conflict',
      );
      const r = store.delete(resources.pods, 'default', 'a', {
        preconditions: { uid: a.metadata?.uid ?? '', resourceVersion: a.metadata?.resourceVersion ?? '' },
      });
      assert.equal(r.deleted, true);
      assert.equal(store.get(resources.pods, 'default', 'a'), undefined);
      await rejects(() => store.delete(resources.pods, 'default', 'a'), 'NotFound', 404);
      store.close();
    });

    test('a bound pod is deleted gracefully; grace 0 completes the deletion; an unbound pod goes at once', () => {
      const { store, clock } = setup();
      store.create(resources.pods, {
        ...pod('bound', {}, 'n1'),
        spec: { ...pod('x').spec!, nodeName: 'n1', terminationGracePeriodSeconds: 20 },
      });
      const r = store.delete(resources.pods, 'default', 'bound');
      assert.equal(r.deleted, false);
      assert.equal(r.object.metadata?.deletionGracePeriodSeconds, 20);
      assert.equal(
        r.object.metadata?.deletionTimestamp,
        new Date(clock.now() + 20_000).toISOString().replace('.000Z', 'Z'),
      );
      assert.ok(store.get(resources.pods, 'default', 'bound'));
      const shorter = store.delete(resources.pods, 'default', 'bound', { gracePeriodSeconds: 5 });
      assert.equal(shorter.object.metadata?.deletionGracePeriodSeconds, 5);
      const done = store.delete(resources.pods, 'default', 'bound', { gracePeriodSeconds: 0 });
      assert.equal(done.deleted, true);
      assert.equal(store.get(resources.pods, 'default', 'bound'), undefined);
      store.create(resources.pods, pod('unbound'));
      assert.equal(store.delete(resources.pods, 'default', 'unbound').deleted, true);
      store.close();
    });

    test('finalizers hold a deleted object until the last one is removed', () => {
      const { store } = setup();
      store.create(resources.pods, {
        ...pod('f'),
        metadata: { name: 'f', namespace: 'default', finalizers: ['example.com/hold'] },
      });
      const r = store.delete(resources.pods, 'default', 'f');
      assert.equal(r.deleted, false);
      assert.ok(r.object.metadata?.deletionTimestamp);
      const held = store.get(resources.pods, 'default', 'f')!;
      store.update(resources.pods, { ...held, metadata: { ...held.metadata, finalizers: [] } });
      assert.equal(store.get(resources.pods, 'default', 'f'), undefined);
      store.close();
    });

    test('propagationPolicy Orphan and Foreground add their finalizers', () => {
      const { store } = setup();
      store.create(resources.nodes, { metadata: { name: 'o' } });
      store.create(resources.nodes, { metadata: { name: 'f' } });
      const o = store.delete(resources.nodes, '', 'o', { propagationPolicy: 'Orphan' });
      assert.deepEqual(o.object.metadata?.finalizers, ['orphan']);
      const f = store.delete(resources.nodes, '', 'f', { propagationPolicy: 'Foreground' });
      assert.deepEqual(f.object.metadata?.finalizers, ['foregroundDeletion']);
      assert.equal(f.deleted, false);
      store.close();
    });

    test('dryRun validates and returns the result without committing', () => {
      const { store } = setup();
      const rev = store.revision();
      const dry = store.create(resources.pods, pod('d'), { dryRun: true });
      assert.equal(dry.metadata?.name, 'd');
      assert.equal(store.get(resources.pods, 'default', 'd'), undefined);
      assert.equal(store.revision(), rev);
      store.close();
    });

    test('watch without a revision sends current state as ADDED, then streams, never inside the writer', async () => {
      const { store } = setup();
      store.create(resources.pods, pod('a'));
      const events: WatchEvent<Pod>[] = [];
      const w = store.watch(resources.pods, {}, { onEvent: (e) => events.push(e) });
      store.create(resources.pods, pod('b'));
      assert.equal(events.length, 0, 'delivery is asynchronous');
      await settle();
      const b = store.get(resources.pods, 'default', 'b')!;
      store.update(resources.pods, { ...b, metadata: { ...b.metadata, labels: { v: '1' } } });
      store.delete(resources.pods, 'default', 'a');
      await settle();
      assert.deepEqual(collect(events), [
        ['ADDED', 'a'],
        ['ADDED', 'b'],
        ['MODIFIED', 'b'],
        ['DELETED', 'a'],
      ]);
      const del = events[3]!;
      assert.equal(
        del.object.metadata?.resourceVersion,
        String(store.revision()),
        'DELETED carries the deletion revision',
      );
      w.stop();
      store.close();
    });

    test('watch from a revision replays exactly the later changes, filtered by type and namespace', async () => {
      const { store } = setup();
      store.create(resources.pods, pod('a'));
      const from = store.revision();
      store.create(resources.pods, pod('b'));
      store.create(resources.nodes, { metadata: { name: 'n' } });
      store.create(resources.pods, { ...pod('c'), metadata: { name: 'c', namespace: 'other' } });
      const events: WatchEvent<Pod>[] = [];
      const w = store.watch(
        resources.pods,
        { resourceVersion: from, namespace: 'default' },
        { onEvent: (e) => events.push(e) },
      );
      store.create(resources.pods, pod('d'));
      await settle();
      assert.deepEqual(collect(events), [
        ['ADDED', 'b'],
        ['ADDED', 'd'],
      ]);
      w.stop();
      store.close();
    });

    test('a selector watch sees objects entering as ADDED and leaving as DELETED', async () => {
      const { store } = setup();
      const a = store.create(resources.pods, pod('a', { app: 'x' }));
      const events: WatchEvent<Pod>[] = [];
      const w = store.watch(
        resources.pods,
        { resourceVersion: store.revision(), labelSelector: parseSelector('app=y') },
        { onEvent: (e) => events.push(e) },
      );
      const a2 = store.update(resources.pods, { ...a, metadata: { ...a.metadata, labels: { app: 'y' } } });
      const a3 = store.update(resources.pods, {
        ...a2,
        metadata: { ...a2.metadata, labels: { app: 'y', more: '1' } },
      });
      store.update(resources.pods, { ...a3, metadata: { ...a3.metadata, labels: { app: 'x' } } });
      await settle();
      assert.deepEqual(collect(events), [
        ['ADDED', 'a'],
        ['MODIFIED', 'a'],
        ['DELETED', 'a'],
      ]);
      w.stop();
      store.close();
    });

    test('a revision older than the retained window is Expired (410)', async () => {
      const { store } = setup({ windowSize: 4 });
      for (let i = 0; i < 20; i++) store.create(resources.nodes, { metadata: { name: `n${i}` } });
      const err = await rejects(
        () => store.watch(resources.nodes, { resourceVersion: 1 }, { onEvent: () => {} }),
        'Expired',
        410,
      );
      assert.match(err.message, /^too old resource version: 1 \(\d+\)$/);
      const recent = store.revision() - 2;
      const events: WatchEvent[] = [];
      const w = store.watch(resources.nodes, { resourceVersion: recent }, { onEvent: (e) => events.push(e) });
      await settle();
      assert.equal(events.length, 2);
      w.stop();
      store.close();
    });

    test('bookmarks carry the current revision to watchers that allow them', async () => {
      const { store } = setup();
      const withBm: WatchEvent[] = [];
      const without: WatchEvent[] = [];
      const w1 = store.watch(
        resources.pods,
        { resourceVersion: store.revision(), allowBookmarks: true },
        { onEvent: (e) => withBm.push(e) },
      );
      const w2 = store.watch(
        resources.pods,
        { resourceVersion: store.revision() },
        { onEvent: (e) => without.push(e) },
      );
      store.create(resources.nodes, { metadata: { name: 'n' } });
      store.bookmark();
      await settle();
      assert.equal(withBm.length, 1);
      assert.equal(withBm[0]?.type, 'BOOKMARK');
      assert.equal(withBm[0]?.object.metadata?.resourceVersion, String(store.revision()));
      assert.equal(without.length, 0);
      w1.stop();
      w2.stop();
      store.close();
    });

    test('a watcher that falls too far behind is closed, and writers are never blocked', async () => {
      const { store } = setup({ maxWatcherBacklog: 10 });
      const closed: string[] = [];
      let seen = 0;
      store.watch(
        resources.nodes,
        { resourceVersion: store.revision() },
        { onEvent: () => seen++, onClose: (r) => closed.push(r) },
      );
      for (let i = 0; i < 50; i++) store.create(resources.nodes, { metadata: { name: `n${i}` } });
      assert.equal(store.list(resources.nodes).items.length, 50);
      await settle();
      assert.equal(closed.length, 1);
      assert.match(closed[0] ?? '', /behind/);
      assert.equal(seen, 0);
      store.close();
    });

    test('watchers see a change only once it is durable', async () => {
      const { store } = setup();
      const seen: string[] = [];
      const w = store.watch(
        resources.nodes,
        { resourceVersion: store.revision() },
        { onEvent: (e) => seen.push(e.object.metadata?.name ?? '') },
      );
      store.create(resources.nodes, { metadata: { name: 'n' } });
      const flushed = store.flush();
      assert.deepEqual(seen, [], 'not before the commit');
      await flushed;
      await settle();
      assert.deepEqual(seen, ['n']);
      w.stop();
      store.close();
    });

    test('flush resolves once writes are durable; close ends watches', async () => {
      const { store } = setup();
      const closed: string[] = [];
      store.watch(resources.pods, {}, { onEvent: () => {}, onClose: (r) => closed.push(r) });
      store.create(resources.pods, pod('a'));
      await store.flush();
      store.close();
      assert.deepEqual(closed, ['store closed']);
    });
  });
}
