import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../api/errors.js';
import { resources } from '../api/resources.js';
import { FakeClock } from '../util/clock.js';
import { ObjectStore } from './object-store.js';
import type { ObjectStoreOptions } from './object-store.js';
import { SqlitePersistence, StateDatabaseError } from './sqlite-persistence.js';
import { defaultStrategies } from './strategies.js';
import { storeConformance } from './store.conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'everynode-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let databases = 0;
const freshPath = (): string => join(dir, `state-${++databases}.db`);

function seeded(): () => number {
  let seed = 42;
  return () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
}

function openStore(path: string, extra: Partial<ObjectStoreOptions> = {}): ObjectStore {
  return new ObjectStore({
    clock: new FakeClock('2026-03-01T10:00:00Z'),
    strategies: defaultStrategies,
    random: seeded(),
    persistence: new SqlitePersistence({ path }),
    ...extra,
  });
}

function pod(name: string): Pod {
  return {
    metadata: { name, namespace: 'default', labels: { app: 'x' } },
    spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] },
  };
}

storeConformance('sqlite', ({ clock, windowSize, maxWatcherBacklog }) =>
  openStore(freshPath(), {
    clock,
    ...(windowSize !== undefined ? { windowSize } : {}),
    ...(maxWatcherBacklog !== undefined ? { maxWatcherBacklog } : {}),
  }),
);

describe('SqlitePersistence: restart', () => {
  test('close and reopen restores the same objects and revision; the next write gets revision + 1', async () => {
    const path = freshPath();
    const first = openStore(path);
    first.create(resources.namespaces, { metadata: { name: 'default' } });
    const a = first.create(resources.pods, pod('a'));
    const relabelled = first.update(resources.pods, {
      ...a,
      metadata: { ...a.metadata, labels: { app: 'y' } },
    });
    first.update(resources.pods, { ...relabelled, status: { phase: 'Running' } }, { subresource: 'status' });
    first.create(resources.nodes, { metadata: { name: 'n1' } });
    await first.flush();
    const revision = first.revision();
    const pods = first.list(resources.pods).items;
    const nodes = first.list(resources.nodes).items;
    first.close();

    const second = openStore(path);
    assert.equal(second.revision(), revision);
    assert.deepEqual(second.list(resources.pods).items, pods);
    assert.deepEqual(second.list(resources.nodes).items, nodes);
    assert.equal(second.get(resources.pods, 'default', 'a')?.status?.phase, 'Running');
    const b = second.create(resources.pods, pod('b'));
    assert.equal(b.metadata?.resourceVersion, String(revision + 1));
    second.close();

    const third = openStore(path);
    assert.equal(third.revision(), revision + 1);
    assert.equal(third.list(resources.pods).items.length, 2);
    third.close();
  });

  test('deletes remove rows, including create-then-delete within one turn', async () => {
    const path = freshPath();
    const first = openStore(path);
    first.create(resources.namespaces, { metadata: { name: 'default' } });
    first.create(resources.nodes, { metadata: { name: 'gone' } });
    first.create(resources.nodes, { metadata: { name: 'kept' } });
    await first.flush();
    first.delete(resources.nodes, '', 'gone');
    first.create(resources.nodes, { metadata: { name: 'transient' } });
    first.delete(resources.nodes, '', 'transient');
    await first.flush();
    const revision = first.revision();
    first.close();

    const db = new Database(path, { readonly: true });
    const rows = db.prepare("SELECT key FROM objects WHERE type = 'nodes' ORDER BY key").all();
    db.close();
    assert.deepEqual(rows, [{ key: 'kept' }]);
    const second = openStore(path);
    assert.deepEqual(
      second.list(resources.nodes).items.map((n) => n.metadata?.name),
      ['kept'],
    );
    assert.equal(second.revision(), revision);
    second.close();
  });

  test('a batch is one transaction: applied in order (last state per object wins) or not at all', () => {
    const path = freshPath();
    const persistence = new SqlitePersistence({ path });
    const obj = (name: string, rv: number) => ({ metadata: { name, resourceVersion: String(rv) } });
    persistence.commit(
      [
        { type: 'nodes', key: 'a', object: obj('a', 1), revision: 1 },
        { type: 'nodes', key: 'b', object: obj('b', 2), revision: 2 },
        { type: 'nodes', key: 'a', object: obj('a', 3), revision: 3 },
        { type: 'nodes', key: 'b', object: undefined, revision: 4 },
        { type: 'nodes', key: 'c', object: obj('c', 5), revision: 5 },
      ],
      5,
    );
    assert.deepEqual(persistence.load(), {
      revision: 5,
      objects: [
        { type: 'nodes', object: obj('a', 3) },
        { type: 'nodes', object: obj('c', 5) },
      ],
    });
    const unserializable = { metadata: { name: 'd' }, spec: { big: 1n } };
    assert.throws(() =>
      persistence.commit(
        [
          { type: 'nodes', key: 'a', object: undefined, revision: 6 },
          { type: 'nodes', key: 'd', object: unserializable, revision: 7 },
        ],
        7,
      ),
    );
    assert.equal(persistence.load().revision, 5);
    assert.equal(persistence.load().objects.length, 2);
    persistence.close();
  });

  test('after a restart, watches from before it are Expired (410); from the current revision they stream', async () => {
    const path = freshPath();
    const first = openStore(path);
    first.create(resources.nodes, { metadata: { name: 'n1' } });
    first.create(resources.nodes, { metadata: { name: 'n2' } });
    first.close();

    const second = openStore(path);
    assert.throws(
      () => second.watch(resources.nodes, { resourceVersion: 1 }, { onEvent: () => {} }),
      (err: unknown) => err instanceof ApiError && err.code === 410,
    );
    const seen: string[] = [];
    const w = second.watch(
      resources.nodes,
      { resourceVersion: second.revision() },
      { onEvent: (e) => seen.push(`${e.type} ${e.object.metadata?.name ?? ''}`) },
    );
    second.create(resources.nodes, { metadata: { name: 'n3' } });
    // Watchers see a change only once it is durable: after the turn's commit, then delivery.
    await second.flush();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, ['ADDED n3']);
    w.stop();
    second.close();
  });

  test('a database held by another store, or with a newer schema, is refused with an explanation', () => {
    const path = freshPath();
    const held = new SqlitePersistence({ path });
    assert.throws(() => new SqlitePersistence({ path }), StateDatabaseError);
    held.close();
    new SqlitePersistence({ path }).close();

    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => new SqlitePersistence({ path }), /schema version 99/);
  });

  test('SIGKILL loses no flushed write (child process)', async () => {
    const path = freshPath();
    const script = join(dir, 'writer.mts');
    const src = (file: string): string => pathToFileURL(fileURLToPath(new URL(file, import.meta.url))).href;
    writeFileSync(
      script,
      `import { ObjectStore } from ${JSON.stringify(src('./object-store.ts'))};
import { SqlitePersistence } from ${JSON.stringify(src('./sqlite-persistence.ts'))};
import { resources } from ${JSON.stringify(src('../api/resources.ts'))};
const store = new ObjectStore({ persistence: new SqlitePersistence({ path: ${JSON.stringify(path)} }) });
for (let i = 0; ; i++) {
  const n = store.create(resources.nodes, { metadata: { name: 'n' + i } });
  for (let j = 0; j < 20; j++) store.create(resources.nodes, { metadata: { name: 'n' + i + '-' + j } });
  await store.flush();
  process.stdout.write('ack ' + n.metadata.name + ' ' + n.metadata.resourceVersion + '\\n');
}
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: Array<{ name: string; rv: number }> = [];
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          const [, name, rv] = line.split(' ');
          if (name && rv) acked.push({ name, rv: Number(rv) });
        }
        if (acked.length >= 200) child.kill('SIGKILL');
      });
    });
    assert.equal(child.signalCode, 'SIGKILL');
    const store = openStore(path);
    for (const { name, rv } of acked) {
      const node = store.get(resources.nodes, '', name);
      assert.ok(node, `acknowledged node ${name} is missing after SIGKILL`);
      assert.equal(node.metadata?.resourceVersion, String(rv));
    }
    assert.ok(store.revision() >= (acked.at(-1)?.rv ?? 0) + 20);
    store.close();
  });
});
