/**
 * Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`), as the apiserver's strict
 * decoder performs it on create, update and patch.
 *
 * - Unknown fields are those the kind's OpenAPI schema does not declare; duplicate fields are JSON
 *   keys repeated in one object of the request body. Both are reported with sigs.k8s.io/json's
 *   paths (`spec.template.spec.containers[0].foo`) in document order.
 * - `Strict` fails the request: create/update with 400 `<Kind> in version "<v>" cannot be handled
 *   as a <Kind>: strict decoding error: unknown field "spec.foo", duplicate field "metadata.name"`,
 *   JSON/merge/strategic patches with upstream's 422 (`patch: Invalid value: …: strict decoding
 *   error: …`). `Warn` (upstream's default when the parameter is absent) succeeds with one
 *   `Warning: 299 - "unknown field \"spec.foo\""` header per problem. `Ignore` is silent.
 * - Whatever the directive, unknown fields never reach the store: they are pruned, as decoding into
 *   upstream's Go structs drops them.
 * - Server-side apply (`application/apply-patch+yaml`) rejects unknown fields whatever the
 *   directive, with structured-merge-diff's message (`failed to create typed patch object (…):
 *   .spec.foo: field not declared in schema`, a 500 upstream); duplicate keys follow the directive
 *   with go-yaml's `line N: key "x" already set in map`.
 */
import type { KubeObject, MutableObject, ResourceType } from '../api/resources.js';
import { ApiError, BadRequestError, InvalidError, fieldErrors } from '../api/errors.js';
import { lookupPatchMeta } from '../api/smp-schema.js';
import type { PatchType } from '../client/types.js';
import type { Store } from '../store/types.js';
import { parseDocument } from './request.js';
import { schemaNameFor } from './openapi.js';
import { schemas } from './schemas/index.js';
import type { OpenApiSchema } from './schemas/index.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** The options kind named in an invalid-directive error, by verb. */
export type FieldValidationOptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

/**
 * The directive of a request. Absent or empty means `Warn`, upstream's default (kubectl sends
 * `Strict` by default, `Warn` for `--validate=warn`, `Ignore` for `--validate=false`). Anything
 * else is upstream's 422 on the options object.
 */
export function fieldValidationDirective(
  value: string | undefined,
  options: FieldValidationOptionsKind,
): FieldValidation {
  if (value === undefined || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw new InvalidError(options, 'meta.k8s.io', '', [
    fieldErrors.notSupported('fieldValidation', value, ['', 'Ignore', 'Strict', 'Warn']),
  ]);
}

/** One strict decoding problem. `line` (1-based) is set for duplicates found in a request body. */
export interface StrictError {
  readonly type: 'unknown' | 'duplicate';
  readonly path: string;
  readonly line?: number;
}

/** `unknown field "spec.foo"`: the wording of sigs.k8s.io/json, used in errors and warnings. */
export function strictErrorText(e: StrictError): string {
  return `${e.type} field ${JSON.stringify(e.path)}`;
}

/** `strict decoding error: unknown field "spec.foo", duplicate field "metadata.name"`. */
export function strictDecodingErrorText(errors: readonly string[]): string {
  return `strict decoding error: ${errors.join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// Schema shapes

/** How a value at some place of an object is checked. */
type Shape =
  | { readonly kind: 'struct'; readonly schema: OpenApiSchema }
  | { readonly kind: 'map'; readonly values: OpenApiSchema }
  | { readonly kind: 'list'; readonly items: OpenApiSchema }
  /** Raw JSON (RawExtension, FieldsV1), scalars, or a value that is not checked at all. */
  | { readonly kind: 'opaque' }
  /** Any JSON: maps all the way down (duplicate keys are still reported). */
  | { readonly kind: 'any' };

const OPAQUE: Shape = { kind: 'opaque' };
const ANY: Shape = { kind: 'any' };
const REF_PREFIX = '#/components/schemas/';

function resolve(schema: OpenApiSchema): OpenApiSchema {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0]?.$ref : undefined);
    if (ref === undefined) return s;
    const target = schemas[ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref];
    if (!target) return {};
    s = target;
  }
  return s;
}

/** Shapes per schema object: every decoded field asks for one, and the schemas never change. */
const shapes = new WeakMap<OpenApiSchema, Shape>();

function shapeOf(schema: OpenApiSchema | undefined): Shape {
  if (!schema) return OPAQUE;
  let shape = shapes.get(schema);
  if (shape === undefined) {
    const s = resolve(schema);
    if (s.properties) shape = { kind: 'struct', schema: s };
    else if (s.additionalProperties) shape = { kind: 'map', values: s.additionalProperties };
    else if (s.type === 'array' && s.items) shape = { kind: 'list', items: s.items };
    else shape = OPAQUE;
    shapes.set(schema, shape);
  }
  return shape;
}

const kindShapes = new Map<string, Shape>();

/** The shape of a served kind's objects; `any` when no schema was generated for it. */
function kindShape(type: ResourceType): Shape {
  const key = `${type.apiVersion}/${type.kind}`;
  let shape = kindShapes.get(key);
  if (shape === undefined) {
    const name = schemaNameFor(type);
    const schema = name === undefined ? undefined : schemas[name];
    shape = schema ? shapeOf(schema) : ANY;
    kindShapes.set(key, shape);
  }
  return shape;
}

/** The shape of `key`'s value inside an object of `shape`; undefined when the key is unknown. */
function fieldShape(shape: Shape, key: string): Shape | undefined {
  switch (shape.kind) {
    case 'struct': {
      const prop = shape.schema.properties?.[key];
      return prop ? shapeOf(prop) : undefined;
    }
    case 'map':
      return shapeOf(shape.values);
    case 'any':
      return ANY;
    default:
      return OPAQUE;
  }
}

function itemShape(shape: Shape): Shape {
  if (shape.kind === 'list') return shapeOf(shape.items);
  return shape.kind === 'any' ? ANY : OPAQUE;
}

/** Paths as sigs.k8s.io/json spells them: `a.b[0].c`. */
function joinKey(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

// ---------------------------------------------------------------------------------------------
// Strict JSON decoding

class JsonSyntaxError extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Deeper documents (no Kubernetes object is) are left to JSON.parse, without strict checks. */
const MAX_DEPTH = 1_000;

/**
 * Parses JSON as the strict decoder reads it into a typed object: keys of `shape`'s structs that
 * the schema does not declare are reported and left out of the value, repeated keys are reported
 * (the last value wins, as in Go). Nothing is reported inside unknown or opaque values, which Go
 * skips or keeps as raw bytes. Throws JsonSyntaxError on malformed input.
 */
function decodeJson(text: string, root: Shape): { value: unknown; errors: StrictError[] } {
  const errors: StrictError[] = [];
  let pos = 0;
  const fail = (): never => {
    throw new JsonSyntaxError(`invalid JSON at offset ${pos}`);
  };
  const ws = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  const lineAt = (offset: number): number => {
    let line = 1;
    for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
    return line;
  };
  const string = (): string => {
    const start = pos;
    pos++;
    for (;;) {
      const i = text.indexOf('"', pos);
      if (i < 0) fail();
      let backslashes = 0;
      for (let j = i - 1; j >= start && text[j] === '\\'; j--) backslashes++;
      pos = i + 1;
      if (backslashes % 2 === 0) break;
    }
    try {
      return JSON.parse(text.slice(start, pos)) as string;
    } catch {
      return fail();
    }
  };
  let depth = 0;
  const value = (shape: Shape, path: string, report: boolean): unknown => {
    ws();
    const c = text[pos];
    if ((c === '{' || c === '[') && depth >= MAX_DEPTH) fail();
    depth++;
    try {
      return compound(c, shape, path, report);
    } finally {
      depth--;
    }
  };
  const compound = (c: string | undefined, shape: Shape, path: string, report: boolean): unknown => {
    if (c === '{') {
      pos++;
      const out: Record<string, unknown> = {};
      const seen = new Set<string>();
      ws();
      if (text[pos] === '}') {
        pos++;
        return out;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail();
        const keyAt = pos;
        const key = string();
        ws();
        if (text[pos] !== ':') fail();
        pos++;
        const child = fieldShape(shape, key);
        const childPath = joinKey(path, key);
        if (report && child === undefined) errors.push({ type: 'unknown', path: childPath });
        else if (report && seen.has(key))
          errors.push({ type: 'duplicate', path: childPath, line: lineAt(keyAt) });
        seen.add(key);
        const v = value(child ?? OPAQUE, childPath, report && child !== undefined && child !== OPAQUE);
        if (child !== undefined) setOwn(out, key, v);
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return out;
        }
        fail();
      }
    }
    if (c === '[') {
      pos++;
      const out: unknown[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return out;
      }
      const items = itemShape(shape);
      for (;;) {
        out.push(value(items, `${path}[${out.length}]`, report && items !== OPAQUE));
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return out;
        }
        fail();
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m) return fail();
    pos += m[0].length;
    return Number(m[0]);
  };
  const result = value(root, '', true);
  ws();
  if (pos !== text.length) fail();
  return { value: result, errors };
}

/**
 * Parses any JSON document as Go's strict decoder reads it into `map[string]interface{}`: the value
 * (the last of repeated keys wins) and its duplicate keys, anywhere. Undefined when it is not JSON.
 */
export function parseJsonWithDuplicates(
  text: string,
): { value: unknown; duplicates: StrictError[] } | undefined {
  try {
    const { value, errors } = decodeJson(text, ANY);
    return { value, duplicates: errors };
  } catch (err) {
    if (err instanceof JsonSyntaxError) return undefined;
    throw err;
  }
}

/** Duplicate keys of a JSON document, anywhere; [] when it is not valid JSON. */
export function duplicateFields(text: string): StrictError[] {
  return parseJsonWithDuplicates(text)?.duplicates ?? [];
}

/**
 * Unknown fields of an already parsed object, and the object without them. Objects on the way to
 * a pruned field are copied; everything else is shared with the input, which is never mutated.
 */
function pruneValue(v: unknown, shape: Shape, path: string, unknown: string[]): unknown {
  if (shape.kind === 'opaque' || shape.kind === 'any') return v;
  if (Array.isArray(v)) {
    if (shape.kind !== 'list') return v;
    const items = shapeOf(shape.items);
    const list = v as unknown[];
    let out: unknown[] | undefined;
    list.forEach((item, i) => {
      const pruned = pruneValue(item, items, `${path}[${i}]`, unknown);
      if (pruned !== item) (out ??= [...list])[i] = pruned;
    });
    return out ?? v;
  }
  if (!isObject(v) || shape.kind === 'list') return v;
  let out: Record<string, unknown> | undefined;
  for (const [key, child] of Object.entries(v)) {
    const childPath = joinKey(path, key);
    const s = fieldShape(shape, key);
    if (s === undefined) {
      unknown.push(childPath);
      out ??= { ...v };
      delete out[key];
      continue;
    }
    const pruned = pruneValue(child, s, childPath, unknown);
    if (pruned !== child) setOwn((out ??= { ...v }), key, pruned);
  }
  return out ?? v;
}

/** The unknown fields of `obj` for `type` (paths in key order) and `obj` without them. */
export function pruneUnknownFields<T>(type: ResourceType, obj: T): { object: T; unknown: string[] } {
  const unknown: string[] = [];
  const object = pruneValue(obj, kindShape(type), '', unknown) as T;
  return { object, unknown };
}

// ---------------------------------------------------------------------------------------------
// Create and update bodies

export interface DecodedObject {
  readonly object: MutableObject;
  /** Warning texts for `Warn` (empty otherwise). */
  readonly warnings: readonly string[];
}

/** `DaemonSet in version "v1" cannot be handled as a DaemonSet: <err>` (transformDecodeError). */
function cannotBeHandled(type: ResourceType, doc: unknown, err: string): BadRequestError {
  const data = isObject(doc) ? doc : {};
  const kind = typeof data.kind === 'string' && data.kind !== '' ? data.kind : type.kind;
  const apiVersion = typeof data.apiVersion === 'string' && data.apiVersion !== '' ? data.apiVersion : '';
  const version = apiVersion === '' ? type.version : (apiVersion.split('/').pop() ?? '');
  return new BadRequestError(
    `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${type.kind}: ${err}`,
  );
}

/** The keys and strings of a JSON value: each is one quoted token of its text. */
function quotedTokens(v: unknown): number {
  if (typeof v === 'string') return 1;
  if (v === null || typeof v !== 'object') return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) n += quotedTokens(v[i]);
    return n;
  }
  for (const k in v) n += 1 + quotedTokens((v as Record<string, unknown>)[k]);
  return n;
}

/**
 * {@link quotedTokens} of a parsed value whose every field is known to `shape` (the same walk as
 * {@link pruneValue}); undefined at the first unknown field. No copies and no paths: the caller
 * only needs to know that there is nothing to report.
 */
function knownQuotedTokens(v: unknown, shape: Shape): number | undefined {
  if (shape.kind === 'opaque' || shape.kind === 'any') return quotedTokens(v);
  if (Array.isArray(v)) {
    if (shape.kind !== 'list') return quotedTokens(v);
    const items = shapeOf(shape.items);
    let n = 0;
    for (let i = 0; i < v.length; i++) {
      const c = knownQuotedTokens(v[i], items);
      if (c === undefined) return undefined;
      n += c;
    }
    return n;
  }
  if (!isObject(v) || shape.kind === 'list') return quotedTokens(v);
  let n = 0;
  for (const key in v) {
    const s = fieldShape(shape, key);
    if (s === undefined) return undefined;
    const c = knownQuotedTokens(v[key], s);
    if (c === undefined) return undefined;
    n += 1 + c;
  }
  return n;
}

/** The quotes of a JSON text that delimit a key or a string (not the escaped ones inside). */
function delimitingQuotes(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(i - 1 - backslashes) === 92) backslashes++;
    if ((backslashes & 1) === 0) n++;
  }
  return n;
}

/**
 * The common case, without the strict reader: a body with no unknown field and no repeated key
 * (nothing to report). A repeated key is one the parse dropped, with its value: the parsed value
 * then holds fewer keys and strings than the text has quoted tokens, so equal counts prove there
 * is none. Undefined when the body is not such a document: the strict reader decides then.
 */
function decodeClean(
  type: ResourceType,
  text: string,
): { value: unknown; errors: StrictError[] } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (!isObject(value)) return undefined;
    const tokens = knownQuotedTokens(value, kindShape(type));
    if (tokens === undefined || 2 * tokens !== delimitingQuotes(text)) return undefined;
    return { value, errors: [] };
  } catch {
    // Not JSON, or too deep for the recursive walks: the strict reader and its fallback decide.
    return undefined;
  }
}

/**
 * Decodes a create (POST) or update (PUT) body of `type` under `directive`: syntax errors and
 * non-object bodies are 400s as before; unknown and duplicate fields fail `Strict` with a 400,
 * become warnings under `Warn`, and are dropped silently under `Ignore`. Unknown fields are never
 * part of the returned object. YAML bodies have their duplicate keys refused by the YAML parser.
 */
export function decodeObject(
  type: ResourceType,
  body: Buffer,
  yaml: boolean,
  directive: FieldValidation,
): DecodedObject {
  let decoded: { value: unknown; errors: StrictError[] } | undefined;
  const text = yaml ? undefined : body.toString('utf8');
  if (text !== undefined) decoded = decodeClean(type, text);
  if (text !== undefined && decoded === undefined) {
    try {
      // Unknown fields are left out of the decoded value as they are reported.
      decoded = decodeJson(text, kindShape(type));
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
    }
  }
  if (decoded === undefined) {
    // YAML, or JSON the strict reader gave up on: parse as before (syntax errors are thrown here).
    const parsed = parseDocument(body, yaml);
    const pruned = isObject(parsed) ? pruneUnknownFields(type, parsed) : { object: parsed, unknown: [] };
    decoded = { value: pruned.object, errors: pruned.unknown.map((path) => ({ type: 'unknown', path })) };
  }
  const { value: doc, errors } = decoded;
  if (!isObject(doc)) throw new BadRequestError('the request body must be an object');
  const texts = errors.map(strictErrorText);
  if (texts.length > 0 && directive === 'Strict')
    throw cannotBeHandled(type, doc, strictDecodingErrorText(texts));
  return { object: doc, warnings: directive === 'Warn' ? texts : [] };
}

// ---------------------------------------------------------------------------------------------
// Patches

/** Go's `%v` of a decoded JSON value: `map[a:1 b:[x y]]`, keys sorted. */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `map[${entries.map(([k, x]) => `${k}:${goFormat(x)}`).join(' ')}]`;
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
    const abs = Math.abs(v);
    if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
      const [mantissa, exp = '0'] = v.toExponential().split('e');
      const sign = exp.startsWith('-') ? '-' : '+';
      return `${mantissa}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
    }
    return String(v);
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v) ?? '';
}

/** upstream's 422 for a patch that fails strict decoding: ` "" is invalid: patch: Invalid value: …`. */
function invalidPatch(value: string, errors: readonly string[]): ApiError {
  const cause = fieldErrors.invalid('patch', value, strictDecodingErrorText(errors));
  return new ApiError({
    reason: 'Invalid',
    code: 422,
    message: ` "" is invalid: ${cause.field}: ${cause.message}`,
    causes: [{ reason: cause.type, message: cause.message, field: cause.field }],
  });
}

/** structured-merge-diff's path of a field: `.spec.template.spec.containers[name="c"].foo`. */
function smdUnknownFields(type: ResourceType, obj: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, shape: Shape, path: string, names: readonly string[]): void => {
    if (Array.isArray(v)) {
      if (shape.kind !== 'list') return;
      const key = lookupPatchMeta(type.kind, names)?.patchMergeKey;
      const items = shapeOf(shape.items);
      v.forEach((item, i) => {
        const id =
          key !== undefined && isObject(item) && item[key] !== undefined
            ? `[${key}=${JSON.stringify(item[key])}]`
            : `[${i}]`;
        walk(item, items, `${path}${id}`, names);
      });
      return;
    }
    if (!isObject(v) || (shape.kind !== 'struct' && shape.kind !== 'map')) return;
    for (const [key, child] of Object.entries(v)) {
      const s = fieldShape(shape, key);
      if (s === undefined) out.push(`${path}.${key}`);
      else walk(child, s, `${path}.${key}`, shape.kind === 'struct' ? [...names, key] : names);
    }
  };
  walk(obj, kindShape(type), '', []);
  return out;
}

/** `failed to create typed patch object (ns/name; apps/v1, Kind=DaemonSet): …` (HTTP 500 upstream). */
function typedPatchError(type: ResourceType, namespace: string, name: string, paths: string[]): ApiError {
  const errs = paths.map((p) => `${p}: field not declared in schema`);
  const detail = errs.length === 1 ? (errs[0] ?? '') : ['errors:', ...errs.map((e) => `  ${e}`)].join('\n');
  const gv = type.group === '' ? `/${type.version}` : `${type.group}/${type.version}`;
  return new ApiError({
    reason: 'InternalError',
    code: 500,
    message: `failed to create typed patch object (${namespace}/${name}; ${gv}, Kind=${type.kind}): ${detail}`,
  });
}

/** The unknown fields of JSON patch operations (`op`, `path`, `from`, `value` are known). */
const JSON_PATCH_OP_FIELDS = new Set(['op', 'path', 'from', 'value']);

function jsonPatchStrictErrors(text: string): string[] {
  const errors: string[] = [];
  for (const d of duplicateFields(text)) errors.push(`json patch ${strictErrorText(d)}`);
  try {
    const ops = JSON.parse(text) as unknown;
    if (Array.isArray(ops))
      ops.forEach((op, i) => {
        if (isObject(op))
          for (const key of Object.keys(op))
            if (!JSON_PATCH_OP_FIELDS.has(key))
              errors.push(`json patch ${strictErrorText({ type: 'unknown', path: `[${i}].${key}` })}`);
      });
  } catch {
    // syntax errors are reported by the patch itself
  }
  return errors;
}

export interface PatchValidationInput {
  readonly type: ResourceType;
  readonly namespace: string;
  readonly name: string;
  readonly patchType: PatchType;
  /** The body as received. */
  readonly text: string;
  /** The body as parsed. */
  readonly patch: unknown;
  readonly directive: FieldValidation;
}

export interface PatchValidation {
  /** The store to patch through: reads see stored objects pruned, writes are checked and pruned. */
  readonly store: Store;
  /** Warning texts collected for `Warn`, valid once the patch has been written. */
  warnings(): readonly string[];
}

/**
 * Field validation of a PATCH. Checks what can be checked on the body at once (duplicate keys;
 * unknown fields of a server-side apply), then returns a store wrapper for `patchObject`: it shows
 * the patch the stored object decoded as upstream decodes it (unknown fields dropped), and checks
 * each object about to be written, the patched result, for unknown fields: `Strict` fails with
 * upstream's 422, `Warn` records warnings, and the written object never keeps them.
 */
export function validatePatch(store: Store, input: PatchValidationInput): PatchValidation {
  const { type, directive, patchType, text } = input;
  const strict = directive === 'Strict';
  const report = directive !== 'Ignore';
  const bodyWarnings: string[] = [];
  let bodyErrors: string[] = [];
  if (patchType === 'apply') {
    const unknown = smdUnknownFields(type, input.patch);
    if (unknown.length > 0) throw typedPatchError(type, input.namespace, input.name, unknown);
    if (report) {
      const dups = duplicateFields(text).map(
        (d) => `line ${d.line ?? 1}: key ${JSON.stringify(d.path.split('.').pop() ?? '')} already set in map`,
      );
      if (dups.length > 0 && strict)
        throw new BadRequestError(
          `error strict decoding YAML: yaml: unmarshal errors:\n${dups.map((d) => `  ${d}`).join('\n')}`,
        );
      bodyWarnings.push(...dups);
    }
  } else if (report) {
    bodyErrors =
      patchType === 'json' ? jsonPatchStrictErrors(text) : duplicateFields(text).map(strictErrorText);
  }
  let writeWarnings: string[] = [];
  const check = <T extends KubeObject>(t: ResourceType<T>, obj: T): T => {
    const { object, unknown } = pruneUnknownFields(t, obj);
    const errors = [...bodyErrors, ...unknown.map((path) => strictErrorText({ type: 'unknown', path }))];
    writeWarnings = directive === 'Warn' ? errors : [];
    if (strict && errors.length > 0 && patchType !== 'apply') {
      // Upstream shows the patch map for strategic merge patches, the patched JSON otherwise.
      const value = patchType === 'strategic' ? goFormat(input.patch) : JSON.stringify(obj);
      throw invalidPatch(value, errors);
    }
    return object;
  };
  const wrapped: Store = {
    revision: () => store.revision(),
    get: <T extends KubeObject>(t: ResourceType<T>, namespace: string, name: string): T | undefined => {
      const current = store.get(t, namespace, name);
      return current === undefined ? undefined : pruneUnknownFields(t, current).object;
    },
    list: (t, options) => store.list(t, options),
    create: (t, obj, options) => store.create(t, check(t, obj), options),
    update: (t, obj, options) => store.update(t, check(t, obj), options),
    delete: (t, namespace, name, options) => store.delete(t, namespace, name, options),
    watch: (t, options, handlers) => store.watch(t, options, handlers),
    bookmark: () => store.bookmark(),
    flush: () => store.flush(),
    close: () => store.close(),
  };
  return { store: wrapped, warnings: () => [...bodyWarnings, ...writeWarnings] };
}

// ---------------------------------------------------------------------------------------------
// Warning headers

/**
 * `Warning` header values for warning texts: `299 - "unknown field \"spec.foo\""` (quotes and
 * backslashes escaped, as k8s.io/apimachinery's NewWarningHeader does). Control characters become
 * spaces and the text travels as UTF-8, which is what Node's header validation lets through.
 */
export function warningHeaders(warnings: readonly string[]): string[] {
  return warnings.map((w) => {
    // eslint-disable-next-line no-control-regex
    const clean = w.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/["\\]/g, (c) => `\\${c}`);
    return `299 - "${Buffer.from(clean, 'utf8').toString('latin1')}"`;
  });
}
