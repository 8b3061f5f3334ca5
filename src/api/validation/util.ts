/**
 * Shared building blocks of the validators: field-path helpers, the common syntax checks of
 * k8s.io/apimachinery (labels, annotations, non-negative numbers, name functions), Go-flavoured
 * value rendering and apimachinery's "semantic" deep equality.
 */
import type { FieldError } from '../errors.js';
import { fieldErrors } from '../errors.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../names.js';

/** `a.b.c…` — appends children to a field path (an empty parent yields just the children). */
export function child(path: string, name: string, name2?: string, name3?: string): string {
  // Every validated field builds its path, errors or not: named optional parameters rather than
  // a rest array, which would be one allocation per field of every object written.
  let out = path === '' ? name : `${path}.${name}`;
  if (name2 !== undefined) out = out === '' ? name2 : `${out}.${name2}`;
  if (name3 !== undefined) out = out === '' ? name3 : `${out}.${name3}`;
  return out;
}

/** `a[3]` — a list element. */
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** `a[key]` — a map entry; upstream renders the key unquoted. */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/**
 * A name check as used by ObjectMeta validation. `prefix` is true when the value is a
 * `generateName` prefix, in which case a trailing `-` is tolerated.
 */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** Upstream's `maskTrailingDash`: replaces the last two characters of `x-` prefixes with `a`. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

/** `NameIsDNSSubdomain`: the name rule of most kinds (pods, daemonsets, nodes …). */
export const nameIsDNSSubdomain: NameValidator = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

/** `NameIsDNSLabel`: the name rule of namespaces (and of namespace references). */
export const nameIsDNSLabel: NameValidator = (name, prefix) =>
  isDNS1123Label(prefix ? maskTrailingDash(name) : name);

/** `Invalid value: -1: must be greater than or equal to 0` when `value` is negative. */
export function validateNonnegative(value: number | null | undefined, path: string): FieldError[] {
  if (typeof value === 'number' && value < 0) {
    return [fieldErrors.invalid(path, value, 'must be greater than or equal to 0')];
  }
  return [];
}

/** `ValidateDNS1123Label`: one Invalid per problem, reported with the value. */
export function validateDNS1123Label(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((m) => fieldErrors.invalid(path, value, m));
}

/** `ValidateLabelName`: a label key (qualified name), reported at `path` with the key as value. */
export function validateLabelName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((m) => fieldErrors.invalid(path, name, m));
}

/** `ValidateLabels`: every key is a qualified name and every value a label value; errors at `path`. */
export function validateLabels(
  labels: Readonly<Record<string, unknown>> | null | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!labels) return errs;
  for (const k of Object.keys(labels)) {
    errs.push(...validateLabelName(k, path));
    const value = asString(labels[k]);
    for (const m of isValidLabelValue(value)) errs.push(fieldErrors.invalid(path, value, m));
  }
  return errs;
}

/** Upper bound of the summed size of all annotation keys and values (256 KiB). */
export const TotalAnnotationSizeLimitB = 256 * 1024;

/**
 * `ValidateAnnotations`: keys are qualified names (compared lower-cased, reported as written) and
 * the total size is at most {@link TotalAnnotationSizeLimitB}, else
 * `Too long: must have at most 262144 bytes`.
 */
export function validateAnnotations(
  annotations: Readonly<Record<string, unknown>> | null | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fieldErrors.invalid(path, k, m));
    size += Buffer.byteLength(k) + Buffer.byteLength(asString(v));
  }
  if (size > TotalAnnotationSizeLimitB) {
    errs.push({
      type: 'FieldValueTooLong',
      field: path,
      message: `Too long: must have at most ${TotalAnnotationSizeLimitB} bytes`,
    });
  }
  return errs;
}

/** A string view of a JSON scalar that should have been a string. */
export function asString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}

/** Go's `%#v` rendering of a `[]string`, used by a few upstream messages. */
export function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

/**
 * An `Invalid value` error whose value is printed raw (unquoted), the way Go prints values that
 * implement `fmt.Stringer` such as `intstr.IntOrString` (`Invalid value: 50%: …`).
 */
export function invalidRaw(path: string, raw: string, detail: string): FieldError {
  return {
    type: 'FieldValueInvalid',
    field: path,
    message: `Invalid value: ${raw}${detail ? `: ${detail}` : ''}`,
  };
}

/** `field.Duplicate` with a detail appended (`Duplicate value: …: detail`). */
export function duplicateWithDetail(path: string, value: unknown, detail: string): FieldError {
  const e = fieldErrors.duplicate(path, value);
  return { ...e, message: `${e.message}: ${detail}` };
}

function isNil(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)
  );
}

/**
 * apimachinery's `equality.Semantic.DeepEqual` on JSON-shaped values: like a structural
 * deep-equal, except that a missing/`null` value equals an empty list or map (Go does not tell a
 * nil slice from an empty one), and timestamps compare as instants.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNil(a) && isNil(b)) return true;
  if (typeof a === 'string' && typeof b === 'string') {
    return isTimestamp(a) && isTimestamp(b) && Date.parse(a) === Date.parse(b);
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    return a.every((v, i) => semanticEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) {
    const av = ao[k];
    const bv = bo[k];
    if (av === undefined || bv === undefined) {
      if (!isNil(av) || !isNil(bv)) return false;
      continue;
    }
    if (!semanticEqual(av, bv)) return false;
  }
  return true;
}

const timestampRe = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function isTimestamp(s: string): boolean {
  return timestampRe.test(s) && !Number.isNaN(Date.parse(s));
}

/**
 * Drops repeated errors (same type, field and message), keeping the first: what
 * `ErrorList.ToAggregate` does when the apiserver runs overlapping validators.
 */
export function dedupe(errs: readonly FieldError[]): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errs) {
    const k = `${e.type}\u0000${e.field}\u0000${e.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}

/** Parses a Go `strconv.ParseInt(s, 10, 64)` integer; undefined when it would fail. */
export function parseInt64(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const big = BigInt(s);
  if (big > 9223372036854775807n || big < -9223372036854775808n) return undefined;
  return Number(big);
}
