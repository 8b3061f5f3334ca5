/**
 * Memoised pure functions for the hot paths: quantities, timestamps, digests, paths and texts
 * that recur on every object (a template's `100m`, one second's timestamps, one image name).
 */

/**
 * `compute` with its results kept by key in a map that is emptied when it reaches `limit`
 * entries: the keys that recur are computed once, and a flood of one-off keys cannot grow it.
 * `compute` must be pure, and a result of `undefined` is not remembered.
 */
export function boundedMemo<K, V>(limit: number, compute: (key: K) => V): (key: K) => V {
  const results = new Map<K, V>();
  return (key) => {
    let v = results.get(key);
    if (v === undefined) {
      v = compute(key);
      if (results.size >= limit) results.clear();
      results.set(key, v);
    }
    return v;
  };
}

/**
 * `compute` with its results kept per key object for as long as the object lives: for values
 * derived from long-lived objects (a resource type's key). `compute` must be pure.
 */
export function weakMemo<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const results = new WeakMap<K, V>();
  return (key) => {
    // One lookup on a hit (every store read and write asks): `has` only for an undefined result.
    const hit = results.get(key);
    if (hit !== undefined || results.has(key)) return hit as V;
    const v = compute(key);
    results.set(key, v);
    return v;
  };
}
