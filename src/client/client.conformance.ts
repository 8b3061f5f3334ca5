/**
 * The Client conformance suite: what every Client implementation (in-process now, HTTP later)
 * must do identically. Call `clientConformance(name, factory)` from a test file; the factory
 * returns a client on a fresh cluster with namespaces `default` and `other` and node `n1`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../api/resources.js';
import { ApiError } from '../api/errors.js';
import type { Client, ClientWatchEvent } from './types.js';

export interface ClientFixture {
  readonly client: Client;
  close(): Promise<void>;
}

export type ClientFactory = () => Promise<ClientFixture>;

const pod = (name: string, labels: Record<string, string> = {}, ns = 'default'): Pod => ({
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] },
});

async function expectError(p: Promise<unknown>, reason: string, code: number): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected ${reason}`);
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

export function clientConformance(name: string, factory: ClientFactory): void {
  describe(`Client conformance (${name})`, () => {
    const withClient = (fn: (c: Client) => Promise<void>) => async () => {
      const f = await factory();
      try {
        await fn(f.client);
      } finally {
        await f.close();
      }
    };

    test(
      'get returns the object and NotFound (404) with upstream wording when absent',
      withClient(async (c) => {
        await c.create(resources.pods, pod('a'));
        const a = await c.get(resources.pods, 'default', 'a');
        assert.equal(a.metadata?.name, 'a');
        const err = await expectError(c.get(resources.pods, 'default', 'zz'), 'NotFound', 404);
        assert.equal(err.message, 'pods "zz" not found');
        const dsErr = await expectError(c.get(resources.daemonsets, 'default', 'zz'), 'NotFound', 404);
        assert.equal(dsErr.message, 'daemonsets.apps "zz" not found');
      }),
    );

    test(
      'list filters by namespace, label and field selector and returns a resourceVersion',
      withClient(async (c) => {
        await c.create(resources.pods, pod('a', { app: 'x' }));
        await c.create(resources.pods, pod('b', { app: 'y' }));
        await c.create(resources.pods, pod('c', { app: 'x' }, 'other'));
        const all = await c.list(resources.pods);
        assert.deepEqual(
          all.items.map((p) => p.metadata?.name),
          ['a', 'b', 'c'],
        );
        assert.match(all.resourceVersion, /^\d+$/);
        const byLabel = await c.list(resources.pods, { labelSelector: 'app in (x)', namespace: 'default' });
        assert.deepEqual(
          byLabel.items.map((p) => p.metadata?.name),
          ['a'],
        );
        const byField = await c.list(resources.pods, {
          fieldSelector: 'metadata.name!=a,metadata.namespace=default',
        });
        assert.deepEqual(
          byField.items.map((p) => p.metadata?.name),
          ['b'],
        );
        await expectError(c.list(resources.pods, { labelSelector: 'app in (' }), 'BadRequest', 400);
      }),
    );

    test(
      'update with a stale resourceVersion is a Conflict (409)',
      withClient(async (c) => {
        const a = await c.create(resources.pods, pod('a'));
        await c.update(resources.pods, { ...a, metadata: { ...a.metadata, labels: { v: '1' } } });
        await expectError(
          c.update(resources.pods, { ...a, metadata: { ...a.metadata, labels: { v: '2' } } }),
          'Conflict',
          409,
        );
      }),
    );

    test(
      'merge and JSON patches apply to the latest state; status patches touch only status',
      withClient(async (c) => {
        await c.create(resources.pods, pod('a', { keep: 'yes' }));
        const merged = await c.patch(resources.pods, 'default', 'a', 'merge', {
          metadata: { labels: { added: '1' } },
        });
        assert.deepEqual(merged.metadata?.labels, { keep: 'yes', added: '1' });
        const json = await c.patch(resources.pods, 'default', 'a', 'json', [
          { op: 'remove', path: '/metadata/labels/keep' },
        ]);
        assert.deepEqual(json.metadata?.labels, { added: '1' });
        const st = await c.patchStatus(resources.pods, 'default', 'a', 'merge', {
          status: { phase: 'Running' },
          metadata: { labels: { ignored: '1' } },
        });
        assert.equal(st.status?.phase, 'Running');
        assert.deepEqual(st.metadata?.labels, { added: '1' });
        await expectError(c.patch(resources.pods, 'default', 'nope', 'merge', {}), 'NotFound', 404);
      }),
    );

    test(
      'invalid objects are rejected as Invalid (422) with field causes',
      withClient(async (c) => {
        const err = await expectError(
          c.create(resources.daemonsets, {
            metadata: { name: 'ds', namespace: 'default' },
            spec: {
              selector: { matchLabels: { app: 'a' } },
              template: {
                metadata: { labels: { app: 'b' } },
                spec: { containers: [{ name: 'c', image: 'i' }] },
              },
            },
          }),
          'Invalid',
          422,
        );
        assert.deepEqual(
          err.causes.map((x) => x.field),
          ['spec.template.metadata.labels'],
        );
        assert.match(
          err.message,
          /^DaemonSet\.apps "ds" is invalid: spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`$/,
        );
      }),
    );

    test(
      'delete honours preconditions; bound pods are deleted gracefully',
      withClient(async (c) => {
        const a = await c.create(resources.pods, pod('a'));
        await expectError(
          c.delete(resources.pods, 'default', 'a', { preconditions: { uid: 'x' } }),
          'Conflict',
          409,
        );
        await c.delete(resources.pods, 'default', 'a', { preconditions: { uid: a.metadata?.uid ?? '' } });
        await expectError(c.get(resources.pods, 'default', 'a'), 'NotFound', 404);
        await c.create(resources.pods, pod('b'));
        await c.bind('default', 'b', 'n1');
        const marked = await c.delete(resources.pods, 'default', 'b', { gracePeriodSeconds: 10 });
        assert.equal(marked.metadata?.deletionGracePeriodSeconds, 10);
        assert.ok(marked.metadata?.deletionTimestamp);
        await c.delete(resources.pods, 'default', 'b', { gracePeriodSeconds: 0 });
        await expectError(c.get(resources.pods, 'default', 'b'), 'NotFound', 404);
      }),
    );

    test(
      'deleteCollection deletes what the selectors match, in the namespace given',
      withClient(async (c) => {
        await c.create(resources.pods, pod('a', { app: 'x' }));
        await c.create(resources.pods, pod('b', { app: 'y' }));
        await c.create(resources.pods, pod('c', { app: 'x' }, 'other'));
        await c.deleteCollection(resources.pods, { namespace: 'default', labelSelector: 'app=x' });
        const left = await c.list(resources.pods);
        assert.deepEqual(
          left.items.map((p) => p.metadata?.name),
          ['b', 'c'],
        );
      }),
    );

    test(
      'bind assigns a node once; binding again is a Conflict',
      withClient(async (c) => {
        await c.create(resources.pods, pod('a'));
        await c.bind('default', 'a', 'n1');
        const a = await c.get(resources.pods, 'default', 'a');
        assert.equal(a.spec?.nodeName, 'n1');
        assert.equal(a.status?.conditions?.find((x) => x.type === 'PodScheduled')?.status, 'True');
        const err = await expectError(c.bind('default', 'a', 'n2'), 'Conflict', 409);
        assert.match(err.message, /is already assigned to node "n1"/);
      }),
    );

    test(
      'watch from a resourceVersion streams later changes in order; stop ends it',
      withClient(async (c) => {
        const list = await c.list(resources.pods);
        const events: ClientWatchEvent<Pod>[] = [];
        const w = await c.watch(
          resources.pods,
          { resourceVersion: list.resourceVersion },
          { onEvent: (e) => events.push(e), onClose: () => {} },
        );
        const a = await c.create(resources.pods, pod('a'));
        await c.update(resources.pods, { ...a, metadata: { ...a.metadata, labels: { v: '1' } } });
        await c.delete(resources.pods, 'default', 'a');
        for (let i = 0; i < 50 && events.length < 3; i++) await tick();
        assert.deepEqual(
          events.map((e) => e.type),
          ['ADDED', 'MODIFIED', 'DELETED'],
        );
        w.stop();
        await c.create(resources.pods, pod('b'));
        await tick();
        assert.equal(events.length, 3);
      }),
    );

    test(
      'a watch replaying a long history (megabytes of objects) delivers every event whole and in order',
      withClient(async (c) => {
        const start = await c.list(resources.pods);
        // 200 pods of ~8 KB each: the replay is one delivery batch of ~1.6 MB, written in chunks.
        const note = 'x'.repeat(8000);
        const names = Array.from({ length: 200 }, (_, i) => `burst-${String(i).padStart(3, '0')}`);
        const created = await Promise.all(
          names.map((n) =>
            c.create(resources.pods, {
              ...pod(n, { burst: 'yes' }),
              metadata: { name: n, namespace: 'default', labels: { burst: 'yes' }, annotations: { note } },
            }),
          ),
        );
        const inOrder = created
          .map((p) => ({ name: p.metadata?.name ?? '', rv: Number(p.metadata?.resourceVersion) }))
          .sort((a, b) => a.rv - b.rv)
          .map((p) => p.name);
        const events: ClientWatchEvent<Pod>[] = [];
        const w = await c.watch(
          resources.pods,
          { resourceVersion: start.resourceVersion },
          { onEvent: (e) => events.push(e), onClose: () => {} },
        );
        for (let i = 0; i < 250 && events.length < names.length; i++) await tick();
        w.stop();
        assert.deepEqual(
          events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`),
          inOrder.map((n) => `ADDED ${n}`),
        );
        assert.ok(events.every((e) => e.object.metadata?.annotations?.['note'] === note));
      }),
    );

    test(
      'a watch on a label selector only sees matching objects',
      withClient(async (c) => {
        const events: ClientWatchEvent<Pod>[] = [];
        const w = await c.watch(
          resources.pods,
          { labelSelector: 'app=x' },
          { onEvent: (e) => events.push(e), onClose: () => {} },
        );
        await c.create(resources.pods, pod('a', { app: 'x' }));
        await c.create(resources.pods, pod('b', { app: 'y' }));
        for (let i = 0; i < 50 && events.length < 1; i++) await tick();
        await tick();
        assert.deepEqual(
          events.map((e) => e.object.metadata?.name),
          ['a'],
        );
        w.stop();
      }),
    );
  });
}
