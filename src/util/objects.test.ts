import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clone, deepEqual, deepFreeze } from './objects.js';

describe('clone', () => {
  test('copies deeply with JSON semantics', () => {
    const src = {
      a: { b: [1, 'x', true, null] },
      gone: undefined,
      fn: () => 1,
      nan: Number.NaN,
      list: [undefined, () => 1, Number.POSITIVE_INFINITY],
      when: { toJSON: () => 'serialized' },
    };
    // Typed as what it is at run time (the JSON view), not as clone's compile-time Mutable<T>.
    const out = clone(src) as unknown as { a: { b: unknown[] } };
    assert.deepEqual(out, {
      a: { b: [1, 'x', true, null] },
      nan: null,
      list: [null, null, null],
      when: 'serialized',
    });
    assert.ok(!('gone' in out) && !('fn' in out));
    assert.notEqual(out.a, src.a);
    assert.notEqual(out.a.b, src.a.b);
  });
});

describe('deepFreeze', () => {
  test('freezes objects and arrays at every depth and returns the value', () => {
    const v = { a: { b: [{ c: 1 }] }, s: 'x' };
    assert.equal(deepFreeze(v), v);
    assert.ok(
      Object.isFrozen(v) && Object.isFrozen(v.a) && Object.isFrozen(v.a.b) && Object.isFrozen(v.a.b[0]),
    );
  });

  test('leaves scalars alone and does not walk into a part that is already frozen', () => {
    assert.equal(deepFreeze(3), 3);
    assert.equal(deepFreeze(null), null);
    const shared = Object.freeze({ inner: { mutable: true } });
    const v = { shared, own: { x: 1 } };
    deepFreeze(v);
    assert.ok(Object.isFrozen(v.own));
    assert.ok(!Object.isFrozen(shared.inner), 'a frozen object is taken as already deep-frozen');
  });
});

describe('deepEqual', () => {
  test('compares structure, ignoring key order and undefined keys', () => {
    assert.ok(deepEqual({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }));
    assert.ok(deepEqual({ a: 1, u: undefined }, { a: 1 }));
    assert.ok(deepEqual({ a: 1 }, { a: 1, u: undefined }));
    assert.ok(deepEqual(null, null));
  });

  test('tells apart different values, keys, lengths and kinds', () => {
    assert.ok(!deepEqual({ a: 1 }, { a: 2 }));
    assert.ok(!deepEqual({ a: 1 }, { a: 1, b: 2 }));
    assert.ok(!deepEqual({ a: 1, b: 2 }, { a: 1 }));
    assert.ok(!deepEqual({ a: 1, b: undefined }, { a: 1, c: 2 }));
    assert.ok(!deepEqual({ a: undefined }, { a: null }));
    assert.ok(!deepEqual([1, 2], [1, 2, 3]));
    assert.ok(!deepEqual([], {}));
    assert.ok(!deepEqual({ a: {} }, { a: null }));
    assert.ok(!deepEqual('1', 1));
  });
});
