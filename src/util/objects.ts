/**
 * Helpers for the immutable-object discipline: everything the store hands out is deep-frozen and
 * shared; a writer takes a mutable copy with {@link clone}, changes it, and writes it back.
 */

/** `T` with every `readonly` removed, recursively (kubernetes-types declares fields readonly). */
export type Mutable<T> =
  T extends ReadonlyArray<infer U>
    ? Mutable<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: Mutable<T[K]> }
      : T;

/**
 * A shallow copy of an object, as `{ ...obj }`, for a copy that will get keys `obj` lacks. V8
 * (Node 20) adds a key to an object made by a leading spread of an unfrozen object through a slow
 * path, 0.5–1.5 µs per key, whether the key is added later or in the same literal
 * (`{ ...obj, k: v }`); a copy built from `{}` grows along the usual fast transitions. (A spread
 * of a frozen object, one after other keys, and overwriting keys the source has are not
 * affected.) For JSON-shaped objects (an own `__proto__` key would set the copy's prototype
 * instead of being copied).
 */
export function shallowCopy<T extends object>(obj: T): Mutable<T> {
  return Object.assign({}, obj) as Mutable<T>;
}

/** A deep, mutable copy of a JSON-shaped value (objects from the store are plain JSON). */
export function clone<T>(value: T): Mutable<T> {
  if (value === undefined) return value as Mutable<T>;
  return cloneJson(value, false) as Mutable<T>;
}

/**
 * {@link clone}, except that frozen parts are shared, not copied: by the store's discipline a
 * frozen value is deep-frozen and JSON-shaped already, so a copy could neither differ nor be
 * safer. For a write whose input reuses parts of the stored object (a status built from the
 * stored one). The frozen parts stay frozen: only the copied ones may be changed.
 */
export function cloneSharingFrozen<T>(value: T): T {
  if (value === undefined) return value;
  return cloneJson(value, true) as T;
}

/**
 * A deep copy with JSON's semantics (undefined and functions dropped from objects and turned into
 * null in arrays, non-finite numbers to null, `toJSON` honoured), without the text round trip:
 * several times faster on API objects.
 */
function cloneJson(v: unknown, shareFrozen: boolean): unknown {
  if (v === null) return null;
  switch (typeof v) {
    case 'object':
      break;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'string':
    case 'boolean':
      return v;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return undefined;
  }
  if (shareFrozen && Object.isFrozen(v)) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = cloneJson(v[i], shareFrozen);
      out[i] = x === undefined ? null : x;
    }
    return out;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return JSON.parse(JSON.stringify(v)) as unknown;
  }
  const out: Record<string, unknown> = {};
  // for…in rather than Object.keys: no key array per object (JSON objects inherit no enumerable keys).
  for (const k in v) {
    const x = cloneJson((v as Record<string, unknown>)[k], shareFrozen);
    if (x !== undefined) out[k] = x;
  }
  return out;
}

const OBJECT: unique symbol = Symbol('object');
const OBJECT_END: unique symbol = Symbol('end of object');
const ARRAY: unique symbol = Symbol('array');

/**
 * A record of a JSON-shaped value as {@link clone} would copy it — keys in order, scalars — that
 * tells later whether a value (the same one, perhaps changed since) would still clone alike: a
 * walk comparing against the record, without copying or allocating. A cache of copies checks
 * with it that its input has not changed.
 */
export class CloneRecord {
  private constructor(private readonly seq: readonly unknown[]) {}

  /** The record of `value`; undefined for a value clone treats specially (toJSON, bigint, none). */
  static of(value: unknown): CloneRecord | undefined {
    const seq: unknown[] = [];
    return recordInto(value, seq) ? new CloneRecord(seq) : undefined;
  }

  /** Whether `clone(value)` would equal the clone of the recorded value, key order included. */
  matches(value: unknown): boolean {
    return matchAt(value, this.seq, 0) === this.seq.length;
  }
}

function recordInto(v: unknown, seq: unknown[]): boolean {
  switch (typeof v) {
    case 'number':
      seq.push(Number.isFinite(v) ? v : null);
      return true;
    case 'string':
    case 'boolean':
      seq.push(v);
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (v === null) {
    seq.push(null);
    return true;
  }
  if (Array.isArray(v)) {
    seq.push(ARRAY, v.length);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (dropped(x)) seq.push(null);
      else if (!recordInto(x, seq)) return false;
    }
    return true;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  seq.push(OBJECT);
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (dropped(x)) continue;
    seq.push(k);
    if (!recordInto(x, seq)) return false;
  }
  seq.push(OBJECT_END);
  return true;
}

/** Compares `v` with the record from index `i` on: the index after it, or -1 on a difference. */
function matchAt(v: unknown, seq: readonly unknown[], i: number): number {
  switch (typeof v) {
    case 'number':
      return Object.is(Number.isFinite(v) ? v : null, seq[i]) ? i + 1 : -1;
    case 'string':
    case 'boolean':
      return seq[i] === v ? i + 1 : -1;
    case 'object':
      break;
    default:
      return -1;
  }
  if (v === null) return seq[i] === null ? i + 1 : -1;
  if (Array.isArray(v)) {
    if (seq[i] !== ARRAY || seq[i + 1] !== v.length) return -1;
    let j = i + 2;
    for (let n = 0; n < v.length && j >= 0; n++) {
      const x: unknown = v[n];
      j = dropped(x) ? (seq[j] === null ? j + 1 : -1) : matchAt(x, seq, j);
    }
    return j;
  }
  if (seq[i] !== OBJECT || typeof (v as { toJSON?: unknown }).toJSON === 'function') return -1;
  let j = i + 1;
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (dropped(x)) continue;
    if (seq[j] !== k) return -1;
    j = matchAt(x, seq, j + 1);
    if (j < 0) return -1;
  }
  return seq[j] === OBJECT_END ? j + 1 : -1;
}

/** Values JSON leaves out of objects (and turns into null in arrays). */
function dropped(x: unknown): boolean {
  return x === undefined || typeof x === 'function' || typeof x === 'symbol';
}

/**
 * Freezes a JSON-shaped value in place, recursively, and returns it. A value that is already
 * frozen is taken to be deep-frozen (it came from the store): shared parts are not walked again.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) freezeTree(value);
  return value;
}

/** Every store write freezes its object: this walks without allocating (no Object.values arrays). */
function freezeTree(o: object): void {
  Object.freeze(o);
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const v: unknown = o[i];
      if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) freezeTree(v);
    }
    return;
  }
  for (const k in o) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) freezeTree(v);
  }
}

/** Structural equality of two JSON-shaped values (key order ignored, undefined keys ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  // Every defined key of `a` equal in `b`, and as many defined keys in `b`: the same key sets.
  // Counted in place, without key arrays: the store compares every update with its old object.
  let defined = 0;
  for (const k in ao) {
    const v = ao[k];
    if (v === undefined) continue;
    defined++;
    if (!deepEqual(v, bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) defined--;
  return defined === 0;
}

/** True for `{}`, `[]`, `undefined`, `null`: the values Go's omitempty drops. */
export function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}
