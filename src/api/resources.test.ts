import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { controllerOf } from './resources.js';
import { deepFreeze } from '../util/objects.js';

describe('controllerOf', () => {
  const ref = (name: string, controller?: boolean) => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    name,
    uid: `uid-${name}`,
    ...(controller === undefined ? {} : { controller }),
  });

  test('the reference marked controller: true, among others, in a frozen (stored) list', () => {
    const meta = deepFreeze({ ownerReferences: [ref('a'), ref('b', false), ref('c', true), ref('d', true)] });
    assert.equal(controllerOf(meta)?.name, 'c');
  });

  test('none without a controller reference, without references, without metadata', () => {
    assert.equal(controllerOf({ ownerReferences: [ref('a'), ref('b', false)] }), undefined);
    assert.equal(controllerOf({ ownerReferences: [] }), undefined);
    assert.equal(controllerOf({}), undefined);
    assert.equal(controllerOf(undefined), undefined);
  });
});
