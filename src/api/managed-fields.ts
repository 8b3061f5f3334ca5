/**
 * Server-side apply field management (pure): field sets in upstream's FieldsV1 form, the apply
 * merge with ownership and conflicts, and the bookkeeping of `Update` managers.
 *
 * A field set is held as a set of paths; each path is a list of FieldsV1 keys (`f:spec`,
 * `k:{"name":"nginx"}`, `v:"x"`). A path is a member when the field itself is owned (a leaf, or
 * `.` in FieldsV1 for a list item / map that also has owned children).
 */
import { schemaForKind } from './smp-schema.js';
import type { PatchMeta, StructSchema } from './smp-schema.js';
import { applyStrategicMergePatch } from './smp.js';
import { boundedMemo } from '../util/memo.js';
import { clone, deepEqual, deepFreeze } from '../util/objects.js';

export type FieldsV1 = { [key: string]: FieldsV1 };
export type FieldSet = ReadonlySet<string>;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldsV1;
  subresource?: string;
}

export interface FieldConflict {
  readonly manager: string;
  /** How upstream prints the manager: `"x"` for Apply, `"x" using apps/v1 at <time>` for Update. */
  readonly managerText: string;
  /** `.spec.template.spec.containers[name="nginx"].image` */
  readonly field: string;
}

const SEP = '\u0000';
type Obj = Record<string, unknown>;

/** Fields never tracked (upstream's strip set), plus status for main-resource writes. */
const STRIPPED_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
  'managedFields',
  'selfLink',
]);

/** Structs marked `+structType=atomic` upstream that the patch schema does not spell out. */
const ATOMIC_STRUCTS = new Set(['spec.selector', 'spec.template.spec.affinity.nodeAffinity']);

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function keyPart(meta: PatchMeta | undefined, item: unknown): string | undefined {
  const mk = meta?.patchMergeKey;
  if (mk === undefined || !isObj(item) || item[mk] === undefined) return undefined;
  return `k:${JSON.stringify({ [mk]: item[mk] })}`;
}

export interface FieldSetOptions {
  /** Include `status` (a status subresource write). Default: false. */
  readonly status?: boolean;
}

function isEmptyObj(v: Obj): boolean {
  for (const k in v) if (Object.hasOwn(v, k)) return false;
  return true;
}

/**
 * The set of fields present in `obj`, addressed with the kind's merge keys. One walk carries the
 * patch schema of the level it is at and the paths built so far (every write of a tracked kind
 * computes at least one such set).
 */
export function fieldSetOf(kind: string, obj: unknown, options: FieldSetOptions = {}): Set<string> {
  const out = new Set<string>();
  if (!isObj(obj)) return out;
  // `dotted` names the field by its JSON names only (list items add nothing; undefined at the
  // root), `path` is the set member, its parts joined by SEP.
  const walk = (
    value: Obj,
    schema: StructSchema | undefined,
    dotted: string | undefined,
    path: string,
  ): void => {
    const atRoot = dotted === undefined;
    const inMetadata = dotted === 'metadata';
    for (const k of Object.keys(value)) {
      const v = value[k];
      if (v === undefined) continue;
      if (atRoot && (k === 'apiVersion' || k === 'kind')) continue;
      if (atRoot && k === 'status' && options.status !== true) continue;
      if (inMetadata && STRIPPED_META.has(k)) continue;
      visit(
        v,
        schema?.fields.get(k),
        atRoot ? k : `${dotted}.${k}`,
        atRoot ? `f:${k}` : `${path}${SEP}f:${k}`,
      );
    }
  };
  const visit = (v: unknown, meta: PatchMeta | undefined, dotted: string, p: string): void => {
    if (meta?.opaque === true || ATOMIC_STRUCTS.has(dotted)) {
      out.add(p);
    } else if (isObj(v)) {
      if (isEmptyObj(v)) out.add(p);
      else walk(v, meta?.schema, dotted, p);
    } else if (Array.isArray(v) && meta?.patchStrategy === 'merge') {
      if (v.length === 0) out.add(p);
      for (const item of v) {
        const kp = keyPart(meta, item);
        if (kp !== undefined) {
          const ip = `${p}${SEP}${kp}`;
          out.add(ip);
          walk(item as Obj, meta.schema, dotted, ip);
        } else if (!isObj(item)) {
          out.add(`${p}${SEP}v:${JSON.stringify(item)}`);
        }
      }
    } else {
      out.add(p);
    }
  };
  walk(obj, schemaForKind(kind), undefined, '');
  return out;
}

export function union(a: FieldSet, b: FieldSet): Set<string> {
  const r = new Set(a);
  for (const x of b) r.add(x);
  return r;
}

export function difference(a: FieldSet, b: FieldSet): Set<string> {
  const r = new Set<string>();
  for (const x of a) if (!b.has(x)) r.add(x);
  return r;
}

export function intersection(a: FieldSet, b: FieldSet): Set<string> {
  const r = new Set<string>();
  for (const x of a) if (b.has(x)) r.add(x);
  return r;
}

/** Between two members of a set in a {@link fieldsV1Of} key (a path never holds two SEPs in a row). */
const MEMBER_SEP = `${SEP}${SEP}`;

/**
 * FieldsV1 trees by their members: objects made from one template (a DaemonSet's pods) have the
 * same set, and each write records one. The trees are frozen, as everything the store keeps is.
 */
const fieldsV1Of = boundedMemo(256, (members: string) =>
  deepFreeze(buildFieldsV1(members.split(MEMBER_SEP).slice(0, -1))),
);

/** FieldsV1 JSON of a set (frozen: it may be shared). */
export function toFieldsV1(set: FieldSet): FieldsV1 {
  let members = '';
  for (const path of set) members += `${path}${MEMBER_SEP}`;
  return fieldsV1Of(members);
}

function buildFieldsV1(set: Iterable<string>): FieldsV1 {
  const root: FieldsV1 = {};
  const members: FieldsV1[] = [];
  for (const path of set) {
    let node = root;
    for (let start = 0; ;) {
      const end = path.indexOf(SEP, start);
      node = node[end < 0 ? path.slice(start) : path.slice(start, end)] ??= {};
      if (end < 0) break;
      start = end + 1;
    }
    members.push(node);
  }
  // A member that also has children records itself as `.`.
  for (const node of members) if (!isEmptyObj(node)) node['.'] = {};
  return sortKeys(root);
}

function sortKeys(f: FieldsV1): FieldsV1 {
  const keys = Object.keys(f);
  if (keys.length === 0) return f;
  const out: FieldsV1 = {};
  for (const k of keys.sort()) out[k] = sortKeys(f[k] ?? {});
  return out;
}

/** The set of a FieldsV1 JSON value. */
export function fromFieldsV1(f: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, path: string[]): void => {
    if (!isObj(node)) return;
    for (const [k, v] of Object.entries(node)) {
      if (k === '.') continue;
      const p = [...path, k];
      const children = isObj(v) ? Object.keys(v) : [];
      if (children.length === 0 || children.includes('.')) out.add(p.join(SEP));
      walk(v, p);
    }
  };
  walk(f, []);
  return out;
}

function isItem(path: string): boolean {
  return path.slice(path.lastIndexOf(SEP) + 1).startsWith('k:');
}

function parsePart(part: string): { t: 'f' | 'k' | 'v'; v: unknown } {
  const t = part.slice(0, 1) as 'f' | 'k' | 'v';
  const rest = part.slice(2);
  return t === 'f' ? { t, v: rest } : { t, v: JSON.parse(rest) as unknown };
}

function matches(item: unknown, key: unknown): boolean {
  return isObj(item) && isObj(key) && Object.entries(key).every(([k, v]) => deepEqual(item[k], v));
}

/** The value at a path, or undefined when absent. */
function valueAt(obj: unknown, path: string): unknown {
  let node: unknown = obj;
  for (const part of path.split(SEP)) {
    const { t, v } = parsePart(part);
    if (t === 'f') node = isObj(node) ? node[v as string] : undefined;
    else if (!Array.isArray(node)) return undefined;
    else if (t === 'k') node = node.find((i) => matches(i, v));
    else node = node.some((i) => deepEqual(i, v)) ? v : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Removes the field at `path` from a mutable object, pruning containers it leaves empty. */
function removeAt(obj: Obj, path: string): void {
  const parts = path.split(SEP);
  const chain: unknown[] = [obj];
  let node: unknown = obj;
  for (const part of parts.slice(0, -1)) {
    const { t, v } = parsePart(part);
    if (t === 'f') node = isObj(node) ? node[v as string] : undefined;
    else node = Array.isArray(node) ? node.find((i) => matches(i, v)) : undefined;
    if (node === undefined) return;
    chain.push(node);
  }
  const last = parsePart(parts[parts.length - 1] ?? '');
  const drop = (container: unknown, t: string, v: unknown): void => {
    if (isObj(container) && t === 'f') delete container[v as string];
    else if (Array.isArray(container)) {
      const i = container.findIndex((x) => (t === 'k' ? matches(x, v) : deepEqual(x, v)));
      if (i >= 0) container.splice(i, 1);
    }
  };
  drop(chain[chain.length - 1], last.t, last.v);
  // Prune emptied containers upwards (upstream serialises empty maps and lists as absent).
  for (let i = chain.length - 1; i > 0; i--) {
    const c = chain[i];
    const empty = Array.isArray(c) ? c.length === 0 : isObj(c) && Object.keys(c).length === 0;
    if (!empty) break;
    const part = parsePart(parts[i - 1] ?? '');
    drop(chain[i - 1], part.t, part.v);
  }
}

/** `.spec.template.spec.containers[name="nginx"].image`, as structured-merge-diff prints paths. */
export function pathString(path: string): string {
  return path
    .split(SEP)
    .map((part) => {
      const { t, v } = parsePart(part);
      if (t === 'f') return `.${v as string}`;
      if (t === 'v') return `[=${JSON.stringify(v)}]`;
      const kv = Object.entries(v as Obj).map(([k, x]) => `${k}=${JSON.stringify(x)}`);
      return `[${kv.join(',')}]`;
    })
    .join('');
}

function managerText(e: ManagedFieldsEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update')
    s += e.time ? ` using ${e.apiVersion} at ${e.time}` : ` using ${e.apiVersion}`;
  return s;
}

/** Upstream's 409 message for apply conflicts. */
export function conflictMessage(conflicts: readonly FieldConflict[]): string {
  const [first] = conflicts;
  if (conflicts.length === 1 && first) {
    return `Apply failed with 1 conflict: conflict with ${first.managerText}: ${first.field}`;
  }
  const by = new Map<string, string[]>();
  for (const c of conflicts) by.set(c.managerText, [...(by.get(c.managerText) ?? []), c.field]);
  const lines: string[] = [];
  for (const m of [...by.keys()].sort()) {
    lines.push(`conflicts with ${m}:`);
    for (const f of by.get(m) ?? []) lines.push(`- ${f}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

function readEntries(managedFields: unknown): ManagedFieldsEntry[] {
  return Array.isArray(managedFields) ? (clone(managedFields) as ManagedFieldsEntry[]) : [];
}

function setEntry(
  entries: ManagedFieldsEntry[],
  manager: string,
  operation: 'Apply' | 'Update',
  apiVersion: string,
  time: string,
  set: FieldSet,
): void {
  const i = entries.findIndex((e) => e.manager === manager && e.operation === operation && !e.subresource);
  const entry: ManagedFieldsEntry = {
    manager,
    operation,
    apiVersion,
    time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(set),
  };
  if (i >= 0) {
    const old = entries[i];
    if (old && deepEqual(old.fieldsV1, entry.fieldsV1) && old.apiVersion === apiVersion) return;
    entries[i] = entry;
  } else if (set.size > 0) {
    entries.push(entry);
  }
}

/** Replaces an entry's set (keeping its time when the set did not change). */
function restrict(e: ManagedFieldsEntry, set: FieldSet): ManagedFieldsEntry {
  const fieldsV1 = toFieldsV1(set);
  return deepEqual(fieldsV1, e.fieldsV1) ? e : { ...e, fieldsV1 };
}

function nonEmpty(entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  return entries.filter((e) => Object.keys(e.fieldsV1).length > 0);
}

export type ApplyResult =
  | { readonly object: Obj; readonly managedFields: ManagedFieldsEntry[]; readonly conflicts?: undefined }
  | { readonly conflicts: readonly FieldConflict[]; readonly object?: undefined };

export interface ApplyOptions {
  readonly apiVersion: string;
  /** RFC 3339 time stamped on changed entries. */
  readonly time: string;
}

/**
 * Server-side apply of `applied` by `manager` onto `live` (undefined: the object is created).
 * Returns the merged object (without managedFields) and the new managedFields, or the conflicts.
 */
export function applyConfiguration(
  kind: string,
  live: unknown,
  applied: unknown,
  manager: string,
  managedFields: unknown,
  force: boolean,
  options: ApplyOptions,
): ApplyResult {
  const entries = readEntries(managedFields);
  const appliedSet = fieldSetOf(kind, applied);
  const mine = entries.find((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource);
  const others = entries.filter((e) => e !== mine);
  const conflicts: FieldConflict[] = [];
  const lost = new Map<ManagedFieldsEntry, Set<string>>();
  if (live !== undefined) {
    for (const e of others) {
      for (const path of intersection(appliedSet, fromFieldsV1(e.fieldsV1))) {
        // List items are addressed by their key: only their fields can conflict.
        if (isItem(path)) continue;
        if (deepEqual(valueAt(applied, path), valueAt(live, path))) continue;
        conflicts.push({ manager: e.manager, managerText: managerText(e), field: pathString(path) });
        let gone = lost.get(e);
        if (!gone) lost.set(e, (gone = new Set()));
        gone.add(path);
      }
    }
  }
  if (conflicts.length > 0 && !force) return { conflicts };

  const base = isObj(live) ? live : {};
  const merged = clone(applyStrategicMergePatch(kind, base, applied)) as Obj;
  // Fields this manager applied before and no longer applies: removed unless someone else owns them.
  const all = entries.map((e) => {
    const gone = lost.get(e);
    return gone ? restrict(e, difference(fromFieldsV1(e.fieldsV1), gone)) : e;
  });
  if (mine) {
    const othersOwn = new Set<string>();
    for (const e of all) if (e !== mine) for (const p of fromFieldsV1(e.fieldsV1)) othersOwn.add(p);
    const dropped = [...difference(fromFieldsV1(mine.fieldsV1), appliedSet)].filter((p) => !othersOwn.has(p));
    // Shallowest first: a dropped list item goes as a whole (its key fields are dropped too).
    dropped.sort((a, b) => a.split(SEP).length - b.split(SEP).length);
    for (const p of dropped) removeAt(merged, p);
  }
  setEntry(all, manager, 'Apply', options.apiVersion, options.time, appliedSet);
  // Keep upstream's order: entries in place, a new one appended.
  return { object: merged, managedFields: nonEmpty(all) };
}

/**
 * The managedFields after a non-apply write (create/update/patch) by `manager`: it owns the fields
 * it changed, which no other manager owns any more; fields the write removed are owned by nobody.
 */
export function recordUpdate(
  kind: string,
  old: unknown,
  updated: unknown,
  manager: string,
  managedFields: unknown,
  options: ApplyOptions & { readonly subresource?: string },
): ManagedFieldsEntry[] {
  // A status write changes only the status (the rest of the body is ignored, as upstream resets
  // it), so only status fields are tracked; any other write tracks everything but the status.
  const statusWrite = options.subresource === 'status';
  const tracked = (obj: unknown): unknown =>
    statusWrite && isObj(obj) ? (obj['status'] === undefined ? {} : { status: obj['status'] }) : obj;
  const fsOpts = { status: statusWrite };
  const newSet = fieldSetOf(kind, tracked(updated), fsOpts);
  const oldSet = old === undefined ? new Set<string>() : fieldSetOf(kind, tracked(old), fsOpts);
  const changed = new Set<string>();
  for (const p of newSet) {
    if (!oldSet.has(p)) changed.add(p);
    // A list item is owned by who added it; changes inside it belong to its fields.
    else if (!isItem(p) && !deepEqual(valueAt(old, p), valueAt(updated, p))) changed.add(p);
  }
  const removed = difference(oldSet, newSet);
  const entries = readEntries(managedFields);
  if (changed.size === 0 && removed.size === 0) return entries;
  const isMine = (e: ManagedFieldsEntry): boolean =>
    e.manager === manager &&
    e.operation === 'Update' &&
    (e.subresource ?? '') === (options.subresource ?? '');
  const out: ManagedFieldsEntry[] = [];
  let mine: ManagedFieldsEntry | undefined;
  for (const e of entries) {
    if (isMine(e)) {
      mine = e;
      out.push(e);
      continue;
    }
    const set = difference(difference(fromFieldsV1(e.fieldsV1), changed), removed);
    out.push(restrict(e, set));
  }
  const mySet = union(difference(mine ? fromFieldsV1(mine.fieldsV1) : new Set(), removed), changed);
  const entry: ManagedFieldsEntry = {
    manager,
    operation: 'Update',
    apiVersion: options.apiVersion,
    time: options.time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(mySet),
    ...(options.subresource ? { subresource: options.subresource } : {}),
  };
  const i = mine ? out.indexOf(mine) : -1;
  if (i >= 0) out[i] = entry;
  else out.push(entry);
  return nonEmpty(out);
}
