import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../client/workqueue.js';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { TerminalError } from './reconcile.js';
import { runWorkers } from './worker.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function until(fn: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !fn(); i++) await tick();
  assert.ok(fn(), 'condition never held');
}

describe('runWorkers: observe', () => {
  test('is called once per reconcile with the key, a duration and the error (undefined on success)', async () => {
    const queue = new WorkQueue<string>({ name: 't', clock: new FakeClock() });
    const seen: Array<{ key: string; ms: number; err: unknown }> = [];
    const failure = new Error('boom');
    const terminal = new TerminalError('bad spec');
    const done = runWorkers({
      queue,
      workers: 1,
      logger: silentLogger(),
      reconciler: {
        reconcile: (key) => {
          if (key === 'fail') return Promise.reject(failure);
          if (key === 'terminal') return Promise.reject(terminal);
          return Promise.resolve();
        },
      },
      observe: (key, ms, err) => seen.push({ key, ms, err }),
    });
    for (const k of ['ok', 'fail', 'terminal']) queue.add(k);
    await until(() => seen.length === 3);
    queue.shutDown();
    await done;
    assert.deepEqual(
      seen.map(({ key, err }) => [key, err]),
      [
        ['ok', undefined],
        ['fail', failure],
        ['terminal', terminal],
      ],
    );
    assert.ok(seen.every((s) => s.ms >= 0));
  });

  test('a throwing observe hook does not stop the worker', async () => {
    const queue = new WorkQueue<string>({ name: 't', clock: new FakeClock() });
    const reconciled: string[] = [];
    const done = runWorkers({
      queue,
      workers: 1,
      logger: silentLogger(),
      reconciler: {
        reconcile: (key) => {
          reconciled.push(key);
          return Promise.resolve();
        },
      },
      observe: () => {
        throw new Error('metrics broke');
      },
    });
    queue.add('a');
    await until(() => reconciled.length === 1);
    queue.add('b');
    await until(() => reconciled.length === 2);
    queue.shutDown();
    await done;
    assert.deepEqual(reconciled, ['a', 'b']);
  });
});
