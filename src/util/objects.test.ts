import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloneRecord, clone, cloneSharingFrozen, deepEqual, deepFreeze, shallowCopy } from './objects.js';

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

describe('cloneSharingFrozen', () => {
  test("shares frozen parts and copies the rest, with clone's JSON semantics", () => {
    const stored = deepFreeze({ type: 'Ready', status: 'True' });
    const src = { conditions: [stored, { type: 'New', gone: undefined }], phase: 'Running' };
    const out = cloneSharingFrozen(src);
    assert.deepEqual(out, { conditions: [stored, { type: 'New' }], phase: 'Running' });
    assert.equal(out.conditions[0], stored);
    assert.notEqual(out.conditions, src.conditions);
    assert.notEqual(out.conditions[1], src.conditions[1]);
    src.conditions[1] = { type: 'Changed', gone: undefined };
    assert.equal(out.conditions[1]?.type, 'New');
    const whole = deepFreeze({ a: { b: 1 } });
    assert.equal(cloneSharingFrozen(whole), whole);
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

describe('CloneRecord', () => {
  test('matches exactly the values whose clone has the recorded keys, order and values', () => {
    const value = {
      a: { b: [1, 'x', true, null] },
      gone: undefined,
      fn: () => 1,
      nan: Number.NaN,
      list: [undefined, 2],
    };
    const rec = CloneRecord.of(value);
    assert.ok(rec);
    assert.equal(rec.matches(value), true);
    assert.equal(rec.matches(clone(value)), true);
    assert.equal(rec.matches(deepFreeze(clone(value))), true);
    assert.equal(rec.matches({ ...value, extra: 1 }), false);
    assert.equal(
      rec.matches({ list: [undefined, 2], nan: Number.NaN, a: { b: [1, 'x', true, null] } }),
      false,
    );
    assert.equal(rec.matches({ ...value, a: { b: [1, 'x', true] } }), false);
    assert.equal(rec.matches({ ...value, a: { b: [1, 'y', true, null] } }), false);
    assert.equal(rec.matches({ ...value, a: { b: [1, 'x', true, null], c: 1 } }), false);
    assert.equal(rec.matches({ ...value, list: [null, 2] }), true);
    assert.equal(rec.matches({ ...value, nan: null }), true);
    assert.equal(rec.matches({ ...value, nan: 0 }), false);
    assert.equal(CloneRecord.of([1, 2])?.matches({ 0: 1, 1: 2 }), false);
    assert.equal(CloneRecord.of([0])?.matches([-0]), false);
    assert.equal(CloneRecord.of({ toJSON: () => ({}) }), undefined);
    assert.equal(CloneRecord.of({ a: 1n }), undefined);
    assert.equal(CloneRecord.of({ a: 1 })?.matches({ a: 1, toJSON: () => ({ a: 1 }) }), false);
  });
});

describe('shallowCopy', () => {
  test('copies own keys in order, shares their values and leaves the original alone', () => {
    const inner = { x: 1 };
    const src = Object.freeze({ b: inner, a: 2 });
    const copy: Record<string, unknown> = shallowCopy(src);
    copy['c'] = 3;
    assert.deepEqual(Object.keys(copy), ['b', 'a', 'c']);
    assert.equal(copy['b'], inner);
    assert.equal(Object.isFrozen(copy), false);
    assert.deepEqual(Object.keys(src), ['b', 'a']);
  });
});
