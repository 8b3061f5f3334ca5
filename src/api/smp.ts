/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), the server half: applying a
 * patch document to an object, as k8s.io/apimachinery/pkg/util/strategicpatch `StrategicMergePatch`
 * does with the patch metadata of {@link ./smp-schema.ts}.
 *
 * Semantics, upstream's unless noted:
 * - objects merge key by key; `null` deletes a key (a `null` for an absent key is dropped);
 * - `{"$patch": "replace", ...}` replaces an object with the rest of the patch object,
 *   `{"$patch": "delete"}` empties it (`{}`); `"merge"` is accepted as the default (upstream rejects);
 * - lists with strategy `merge` and a merge key merge element-wise: matched elements merge
 *   recursively, others are appended; `{"$patch": "delete", <key>: v}` removes every element with
 *   that key; a `{"$patch": "replace"}` element replaces the whole list with the other elements;
 * - lists of primitives with strategy `merge` are a union; `$deleteFromPrimitiveList/<f>: [...]`
 *   removes values (from any list, as upstream);
 * - the merged order is upstream's: patch items in patch order, interleaved with server-only items
 *   by their live order; `$setElementOrder/<f>: [...]` then imposes the client's order;
 * - `$retainKeys: [...]` drops the object's keys not listed (every patched key must be listed);
 * - lists without a strategy (atomic) are replaced wholesale; opaque fields (RawExtension) are
 *   replaced verbatim.
 *
 * Values that land where the original has nothing (a new key, a replaced list, an appended element)
 * are patched onto nothing rather than copied verbatim, so no directive and no `null` ever reaches
 * the result; a new key whose value is `{"$patch": "delete"}` is dropped, and a new key whose value
 * carries `$patch: replace` keeps its contents (newer upstream drops it). `$setElementOrder` on an
 * atomic list is checked and ignored.
 *
 * Malformed patches are `BadRequest` (400) errors naming the field path; a kind without patch
 * metadata is `UnsupportedMediaType` (415), as for custom resources upstream. Inputs are never
 * mutated (they may be deep-frozen) and the result shares no structure with them.
 */
import { ApiError, BadRequestError } from './errors.js';
import { schemaForKind } from './smp-schema.js';
import type { PatchMeta, StructSchema } from './smp-schema.js';
import { clone, deepEqual } from '../util/objects.js';

type JsonMap = Record<string, unknown>;

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const setElementOrderPrefix = '$setElementOrder/';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList/';

/**
 * Applies strategic merge patch `patch` to `original`, an object of `kind` (`DaemonSet`, `Node`, ...),
 * and returns the patched object as a new, unfrozen value.
 *
 * @throws ApiError `BadRequest` (400) for a malformed patch, `UnsupportedMediaType` (415) for a kind
 *   without strategic merge patch metadata.
 */
export function applyStrategicMergePatch(kind: string, original: unknown, patch: unknown): unknown {
  const schema = schemaForKind(kind);
  if (schema === undefined)
    throw new ApiError({
      reason: 'UnsupportedMediaType',
      code: 415,
      message: `strategic merge patch is not supported for kind ${JSON.stringify(kind)}: use application/merge-patch+json or application/json-patch+json`,
    });
  if (!isMap(patch))
    throw new BadRequestError(
      `invalid JSON document: a strategic merge patch must be a JSON object, not ${describe(patch)}`,
    );
  if (original !== undefined && original !== null && !isMap(original))
    throw new BadRequestError(`invalid JSON document: the object to patch is ${describe(original)}`);
  const doc: JsonMap = isMap(original) ? clone<JsonMap>(original) : {};
  return mergeMap(doc, patch, schema, '');
}

// ---------------------------------------------------------------------------------------------
// Objects

/** Merges `patch` into `original`, which this call owns and may change; returns the result. */
function mergeMap(
  original: JsonMap,
  patch: JsonMap,
  schema: StructSchema | undefined,
  path: string,
): JsonMap {
  if (Object.hasOwn(patch, directiveMarker)) {
    const directive = patch[directiveMarker];
    if (directive === 'replace') {
      const { [directiveMarker]: _, ...rest } = patch;
      return mergeMap({}, rest, schema, path);
    }
    if (directive === 'delete') return {};
    if (directive !== 'merge')
      throw badPatch(
        path,
        `unknown patch type ${JSON.stringify(directive)} in ${directiveMarker}: expected "replace", "delete" or "merge"`,
      );
  }
  checkDirectiveKeys(patch, path);
  applyRetainKeys(original, patch, path);

  const handled = new Set<string>();
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(setElementOrderPrefix)) continue;
    const field = key.slice(setElementOrderPrefix.length);
    if (applySetElementOrder(original, patch, field, order, schema?.fields.get(field), join(path, field)))
      handled.add(field);
  }

  const deletions: [string, unknown][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) {
      if (key.startsWith(deleteFromPrimitiveListPrefix))
        deletions.push([key.slice(deleteFromPrimitiveListPrefix.length), value]);
      continue;
    }
    if (handled.has(key)) continue;
    mergeField(original, key, value, schema?.fields.get(key), join(path, key));
  }
  for (const [field, values] of deletions)
    deleteFromPrimitiveList(original, field, values, join(path, field));
  return original;
}

/** Every `$`-key of a patch object must be a directive this implementation knows. */
function checkDirectiveKeys(patch: JsonMap, path: string): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith('$') || key === directiveMarker || key === retainKeysDirective) continue;
    const prefix = [setElementOrderPrefix, deleteFromPrimitiveListPrefix].find((p) => key.startsWith(p));
    if (prefix === undefined) throw badPatch(path, `unknown directive ${JSON.stringify(key)}`);
    if (key.length === prefix.length)
      throw badPatch(path, `directive ${JSON.stringify(key)} does not name a field after the "/"`);
  }
}

function mergeField(
  original: JsonMap,
  key: string,
  value: unknown,
  meta: PatchMeta | undefined,
  path: string,
) {
  if (value === null) {
    delete original[key];
    return;
  }
  if (meta?.opaque === true) {
    setOwn(original, key, clone(value));
    return;
  }
  const current = Object.hasOwn(original, key) ? original[key] : undefined;
  if (isMap(current) && isMap(value)) {
    setOwn(original, key, mergeMap(current, value, meta?.schema, path));
    return;
  }
  if (Array.isArray(current) && Array.isArray(value)) {
    setOwn(original, key, mergeList(current, value, meta, path));
    return;
  }
  // Absent, or of another type: the patch value replaces it, patched onto nothing.
  if (isMap(value) && value[directiveMarker] === 'delete') {
    delete original[key];
    return;
  }
  setOwn(original, key, materialize(value, meta, path));
}

/** A patch value applied to nothing: directives resolved, `null`s dropped, no shared structure. */
function materialize(value: unknown, meta: PatchMeta | undefined, path: string): unknown {
  if (meta?.opaque === true) return clone(value);
  if (isMap(value)) return mergeMap({}, value, meta?.schema, path);
  if (Array.isArray(value)) return mergeList([], value, meta, path);
  return value;
}

function applyRetainKeys(original: JsonMap, patch: JsonMap, path: string): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return;
  const list = patch[retainKeysDirective];
  if (!Array.isArray(list) || !list.every((k) => typeof k === 'string'))
    throw badPatch(path, `invalid patch format of ${retainKeysDirective}: must be a list of field names`);
  const retain = new Set<string>(list);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith('$')) continue;
    if (!retain.has(key))
      throw badPatch(
        path,
        `invalid patch format of ${retainKeysDirective}: patched field ${JSON.stringify(key)} is not in the list`,
      );
  }
  for (const key of Object.keys(original)) if (!retain.has(key)) delete original[key];
}

// ---------------------------------------------------------------------------------------------
// Lists

/** Merges list `patch` into `original` (owned by this call) by the field's strategy. */
function mergeList(
  original: unknown[],
  patch: readonly unknown[],
  meta: PatchMeta | undefined,
  path: string,
): unknown[] {
  if (meta?.patchStrategy !== 'merge') return atomicList(patch, meta, path);
  const mergeKey = meta.patchMergeKey;
  checkElements(original, mergeKey, path, 'the object');
  checkElements(patch, mergeKey, path, 'the patch');

  if (mergeKey === undefined) {
    const merged = dedupe([...original, ...patch]);
    return orderMerged(merged, patch, original, undefined);
  }
  const patchMaps = patch as readonly JsonMap[];
  let live = original;
  const rest: JsonMap[] = [];
  let replace = false;
  for (const [i, item] of patchMaps.entries()) {
    if (!Object.hasOwn(item, directiveMarker)) {
      rest.push(item);
      continue;
    }
    const directive = item[directiveMarker];
    const at = `${path}[${i}]`;
    if (directive === 'delete') {
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(at, mergeKey);
      live = live.filter((o) => !hasKeyValue(o, mergeKey, item[mergeKey]));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw badPatch(at, 'merging lists cannot yet be specified in the patch');
    } else {
      throw badPatch(
        at,
        `unknown patch type ${JSON.stringify(directive)} in ${directiveMarker}: expected "delete" or "replace"`,
      );
    }
  }
  if (replace) return rest.map((item) => mergeMap({}, item, meta.schema, elementPath(path, item, mergeKey)));

  const merged = [...live];
  for (const item of rest) {
    const at = elementPath(path, item, mergeKey);
    if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(at, mergeKey);
    const i = merged.findIndex((o) => hasKeyValue(o, mergeKey, item[mergeKey]));
    if (i >= 0) merged[i] = mergeMap(merged[i] as JsonMap, item, meta.schema, at);
    else merged.push(mergeMap({}, item, meta.schema, at));
  }
  return orderMerged(merged, rest, live, mergeKey);
}

/** An atomic list: the patch's elements, each patched onto nothing; `$patch` elements dropped. */
function atomicList(patch: readonly unknown[], meta: PatchMeta | undefined, path: string): unknown[] {
  const out: unknown[] = [];
  for (const [i, item] of patch.entries()) {
    if (isMap(item) && Object.hasOwn(item, directiveMarker)) {
      const directive = item[directiveMarker];
      if (directive !== 'delete' && directive !== 'replace' && directive !== 'merge')
        throw badPatch(
          `${path}[${i}]`,
          `unknown patch type ${JSON.stringify(directive)} in ${directiveMarker}`,
        );
      continue;
    }
    out.push(
      materialize(item, meta?.schema !== undefined ? { schema: meta.schema } : undefined, `${path}[${i}]`),
    );
  }
  return out;
}

/** A merge list holds objects carrying the merge key, or primitives when there is no merge key. */
function checkElements(list: readonly unknown[], mergeKey: string | undefined, path: string, what: string) {
  for (const [i, item] of list.entries()) {
    if (Array.isArray(item)) throw badPatch(`${path}[${i}]`, 'lists of lists are not supported');
    if (mergeKey === undefined && isMap(item))
      throw badPatch(
        `${path}[${i}]`,
        `cannot merge lists without merge key: ${what} has an object in a list of primitives`,
      );
    if (mergeKey !== undefined && !isMap(item))
      throw badPatch(
        `${path}[${i}]`,
        `expected a list of objects merged by ${JSON.stringify(mergeKey)}, but ${what} has ${describe(item)}`,
      );
  }
}

function deleteFromPrimitiveList(original: JsonMap, field: string, values: unknown, path: string): void {
  if (!Array.isArray(values) || values.some((v) => isMap(v) || Array.isArray(v)))
    throw badPatch(
      path,
      `invalid patch format of ${deleteFromPrimitiveListPrefix}${field}: must be a list of primitive values`,
    );
  const current = Object.hasOwn(original, field) ? original[field] : undefined;
  if (!Array.isArray(current)) return;
  setOwn(
    original,
    field,
    current.filter((v) => !values.includes(v)),
  );
}

/**
 * `$setElementOrder/<field>`: merges the field's patch list (if any) and imposes `order`. Returns
 * whether the field was consumed; an atomic list is left to the ordinary merge.
 */
function applySetElementOrder(
  original: JsonMap,
  patch: JsonMap,
  field: string,
  order: unknown,
  meta: PatchMeta | undefined,
  path: string,
): boolean {
  if (!Array.isArray(order))
    throw badPatch(path, `invalid patch format of ${setElementOrderPrefix}${field}: must be a list`);
  if (meta?.patchStrategy !== 'merge') return false;
  const mergeKey = meta.patchMergeKey;
  checkElements(order, mergeKey, path, `${setElementOrderPrefix}${field}`);
  if (mergeKey !== undefined)
    for (const [i, item] of order.entries())
      if (!Object.hasOwn(item as JsonMap, mergeKey)) throw noMergeKey(`${path}[${i}]`, mergeKey);

  const current = Object.hasOwn(original, field) ? original[field] : undefined;
  if (current !== undefined && current !== null && !Array.isArray(current))
    throw badPatch(path, `${setElementOrderPrefix}${field} names a field that is not a list`);
  const live: unknown[] | undefined = Array.isArray(current) ? current : undefined;
  let patchList: readonly unknown[] | undefined;
  if (Object.hasOwn(patch, field)) {
    const value = patch[field];
    if (!Array.isArray(value))
      throw badPatch(path, `${setElementOrderPrefix}${field} comes with a value that is not a list`);
    checkElements(value, mergeKey, path, 'the patch');
    checkOrderMatchesPatch(value, order, mergeKey, `${setElementOrderPrefix}${field}`, path);
    patchList = value;
  }

  let merged: unknown[];
  if (patchList !== undefined) merged = mergeList(live ?? [], patchList, meta, path);
  else if (live !== undefined) merged = live;
  else return true;
  setOwn(original, field, orderMerged(merged, order, live ?? [], mergeKey));
  return true;
}

/**
 * Upstream's validatePatchWithSetOrderList: the patch list's items (deletions and `$patch` elements
 * aside) must all appear in the order list, in the same relative order.
 */
function checkOrderMatchesPatch(
  patchList: readonly unknown[],
  order: readonly unknown[],
  mergeKey: string | undefined,
  directive: string,
  path: string,
): void {
  const items = patchList.filter((item) => !(isMap(item) && Object.hasOwn(item, directiveMarker)));
  if (mergeKey !== undefined)
    for (const item of items)
      if (!Object.hasOwn(item as JsonMap, mergeKey)) throw noMergeKey(`${path}[?]`, mergeKey);
  let p = 0;
  for (let o = 0; p < items.length && o < order.length; o++) {
    if (sameIdentity(items[p], order[o], mergeKey)) p++;
  }
  if (p < items.length)
    throw badPatch(
      path,
      `the order in the patch list ${JSON.stringify(patchList)} doesn't match the ${directive} list ${JSON.stringify(order)}`,
    );
}

// ---------------------------------------------------------------------------------------------
// Element order (upstream normalizeElementOrder / mergeSortedSlice)

/**
 * Orders a merged list: the items `patchOrder` mentions in that order, interleaved with the other
 * (server-only) items in their `serverOrder` order; where the two disagree, a patch item not in
 * `serverOrder` goes first.
 */
function orderMerged(
  merged: readonly unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string | undefined,
): unknown[] {
  const patchItems: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const item of merged) (indexOf(patchOrder, item, mergeKey) >= 0 ? patchItems : serverOnly).push(item);
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);

  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexOf(serverOrder, left[i], mergeKey);
      const ri = indexOf(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** Stable sort by position in `order`; items `order` lacks keep their relative order, last. */
function sortByOrder(items: readonly unknown[], order: readonly unknown[], mergeKey: string | undefined) {
  return items
    .map((item, n) => ({ item, n, at: indexOf(order, item, mergeKey) }))
    .sort((a, b) => (a.at < 0 ? Infinity : a.at) - (b.at < 0 ? Infinity : b.at) || a.n - b.n)
    .map((e) => e.item);
}

function indexOf(list: readonly unknown[], item: unknown, mergeKey: string | undefined): number {
  return list.findIndex((x) => sameIdentity(x, item, mergeKey));
}

/** Two elements are the same list item: equal merge-key values, or equal primitives. */
function sameIdentity(a: unknown, b: unknown, mergeKey: string | undefined): boolean {
  if (mergeKey === undefined) return a === b;
  return isMap(a) && isMap(b) && Object.hasOwn(a, mergeKey) && Object.hasOwn(b, mergeKey)
    ? keyEquals(a[mergeKey], b[mergeKey])
    : false;
}

function hasKeyValue(item: unknown, mergeKey: string, value: unknown): boolean {
  return isMap(item) && Object.hasOwn(item, mergeKey) && keyEquals(item[mergeKey], value);
}

function keyEquals(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && deepEqual(a, b));
}

function dedupe(list: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of list) if (!out.includes(v)) out.push(v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isMap(v: unknown): v is JsonMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Assigns an own property, also for `__proto__` (a JSON key like any other). */
function setOwn(target: JsonMap, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function elementPath(path: string, item: JsonMap, mergeKey: string): string {
  return Object.hasOwn(item, mergeKey)
    ? `${path}[${mergeKey}=${JSON.stringify(item[mergeKey])}]`
    : `${path}[?]`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v}`;
}

function noMergeKey(path: string, mergeKey: string): BadRequestError {
  return badPatch(path, `map does not contain declared merge key ${JSON.stringify(mergeKey)}`);
}

function badPatch(path: string, message: string): BadRequestError {
  return new BadRequestError(`strategic merge patch: ${path === '' ? '' : `${path}: `}${message}`);
}
