import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../api/errors.js';
import { COMPONENTS, resolveControllers } from './controllers.js';

test('--controllers syntax: *, -name and explicit lists', () => {
  assert.deepEqual([...resolveControllers(['*'])].sort(), [...COMPONENTS].sort());
  assert.ok(!resolveControllers('*,-daemonset').has('daemonset'));
  assert.deepEqual([...resolveControllers('scheduler,kubelet')].sort(), ['kubelet', 'scheduler']);
  assert.throws(
    () => resolveControllers(['nope']),
    (e: unknown) => e instanceof ApiError && /unknown controller "nope"/.test(e.message),
  );
});
