/**
 * Field selectors as k8s.io/apimachinery/pkg/fields parses them (`?fieldSelector=`,
 * `kubectl --field-selector`), and the per-kind selectable fields and accepted field labels of
 * the apiserver (each registry's `ToSelectableFields` and the core/v1 field label conversions).
 *
 * Upstream semantics kept here: terms are ANDed; a field the object lacks reads as `''`, so
 * `spec.nodeName=` selects unscheduled pods and `a!=b` matches objects without `a`.
 */
import { BadRequestError } from './errors.js';
import { allResources } from './resources.js';

/** One `field=value` or `field!=value` term. `==` parses to `=`. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

/** A parsed field selector: the AND of its requirements. Immutable. */
export interface FieldSelector {
  /** In the order upstream keeps them: sorted by the raw term text. */
  readonly requirements: readonly FieldRequirement[];
  /** Whether every term holds; fields missing from `fields` read as `''`. */
  matches(fields: Readonly<Record<string, string>>): boolean;
  /** True when there are no terms. */
  isEverything(): boolean;
  /** The value an `=` term pins `field` to, if any (used to serve `spec.nodeName=x` from an index). */
  requiresExactMatch(field: string): string | undefined;
  /** `field=value,...` with `\`, `,` and `=` in values backslash-escaped; `''` for everything. */
  toString(): string;
}

type Fields = Readonly<Record<string, string>>;

/** Escapes `\`, `,` and `=` so a literal value survives {@link parseFieldSelector} (upstream `EscapeValue`). */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=')
        throw new BadRequestError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Upstream formats the rune with %v, which prints its code point.
      throw new BadRequestError(
        `invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`,
      );
    } else {
      out += c;
    }
  }
  if (inSlash) throw new BadRequestError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on commas that are not backslash-escaped; the backslashes stay in the terms. */
function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const termOperators = ['!=', '==', '='] as const;

/** Splits at the first operator occurrence; the field part supports no escaping. */
function splitTerm(
  term: string,
): { field: string; op: (typeof termOperators)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

class TermsSelector implements FieldSelector {
  readonly requirements: readonly FieldRequirement[];

  constructor(requirements: readonly FieldRequirement[]) {
    this.requirements = Object.freeze(requirements.map((r) => Object.freeze({ ...r })));
  }

  matches(fields: Fields): boolean {
    return this.requirements.every((r) => {
      const actual = Object.hasOwn(fields, r.field) ? (fields[r.field] ?? '') : '';
      return r.operator === '=' ? actual === r.value : actual !== r.value;
    });
  }

  isEverything(): boolean {
    return this.requirements.length === 0;
  }

  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator === '=')?.value;
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
  }
}

const everythingFieldSelector: FieldSelector = new TermsSelector([]);

/** The field selector without terms. */
export function everythingFields(): FieldSelector {
  return everythingFieldSelector;
}

/** A selector from terms, kept in the given order. */
export function fieldSelectorFromRequirements(requirements: readonly FieldRequirement[]): FieldSelector {
  return requirements.length === 0 ? everythingFieldSelector : new TermsSelector(requirements);
}

/**
 * Parses a field selector (upstream `fields.ParseSelector`): comma-separated `field=value`,
 * `field==value` or `field!=value` terms, ANDed; `''` is everything. In values `\,`, `\=` and `\\`
 * stand for the literal characters; any other escape, or a bare `,`/`=` in a value, is an error.
 * Terms are ordered by their raw text, and a term with neither field nor value (`=`) is dropped.
 * Throws {@link BadRequestError}, e.g. `invalid selector: 'x'; can't understand 'x'`.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const term = splitTerm(part);
    if (term === undefined) throw new BadRequestError(`invalid selector: '${s}'; can't understand '${part}'`);
    const value = unescapeFieldValue(term.rhs);
    if (term.field === '' && value === '') continue;
    requirements.push({ field: term.field, operator: term.op === '!=' ? '!=' : '=', value });
  }
  return fieldSelectorFromRequirements(requirements);
}

// ---------------------------------------------------------------------------------------------
// Selectable fields per kind

function record(v: unknown): Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function isNamespacedKind(kind: string): boolean {
  return allResources.find((r) => r.kind === kind)?.namespaced ?? true;
}

/**
 * The field set field selectors match against for an object of `kind` (upstream's per-registry
 * `ToSelectableFields`). Every kind has `metadata.name`, namespaced kinds (and unknown kinds)
 * `metadata.namespace`. Pod adds `spec.nodeName`, `spec.restartPolicy`, `spec.schedulerName`,
 * `spec.serviceAccountName`, `spec.hostNetwork` (`"true"`/`"false"`), `status.phase`,
 * `status.podIP` (the first of `status.podIPs`, else `status.podIP`) and `status.nominatedNodeName`;
 * Node `spec.unschedulable`; Event the `involvedObject.*` fields, `reason`, `reportingComponent`,
 * `source` (`source.component`, else `reportingComponent`) and `type`; Namespace `status.phase`.
 * Absent values are `''`. `obj` is read defensively: any non-object part counts as absent.
 */
export function fieldsOf(kind: string, obj: unknown): Record<string, string> {
  const o = record(obj);
  const meta = record(o['metadata']);
  const spec = record(o['spec']);
  const status = record(o['status']);
  const fields: Record<string, string> = { 'metadata.name': str(meta['name']) };
  if (isNamespacedKind(kind)) fields['metadata.namespace'] = str(meta['namespace']);
  switch (kind) {
    case 'Pod': {
      const podIPs = Array.isArray(status['podIPs']) ? (status['podIPs'] as unknown[]) : [];
      fields['spec.nodeName'] = str(spec['nodeName']);
      fields['spec.restartPolicy'] = str(spec['restartPolicy']);
      fields['spec.schedulerName'] = str(spec['schedulerName']);
      fields['spec.serviceAccountName'] = str(spec['serviceAccountName']);
      fields['spec.hostNetwork'] = spec['hostNetwork'] === true ? 'true' : 'false';
      fields['status.phase'] = str(status['phase']);
      fields['status.podIP'] = podIPs.length > 0 ? str(record(podIPs[0])['ip']) : str(status['podIP']);
      fields['status.nominatedNodeName'] = str(status['nominatedNodeName']);
      break;
    }
    case 'Node':
      fields['spec.unschedulable'] = spec['unschedulable'] === true ? 'true' : 'false';
      break;
    case 'Event': {
      const involved = record(o['involvedObject']);
      for (const f of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'])
        fields[`involvedObject.${f}`] = str(involved[f]);
      fields['reason'] = str(o['reason']);
      fields['reportingComponent'] = str(o['reportingComponent']);
      fields['source'] = str(record(o['source'])['component']) || str(o['reportingComponent']);
      fields['type'] = str(o['type']);
      break;
    }
    case 'Namespace':
      fields['status.phase'] = str(status['phase']);
      break;
  }
  return fields;
}

/**
 * Kinds with their own field label conversion in core/v1. Their unknown labels fail with
 * `field label not supported: <label>`; every other kind falls back to upstream's default
 * conversion, which knows only `metadata.name` and `metadata.namespace` and words its error
 * differently.
 */
const convertedLabels: ReadonlyMap<string, readonly string[]> = new Map([
  [
    'Pod',
    [
      'metadata.name',
      'metadata.namespace',
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.podIPs',
      'status.nominatedNodeName',
    ],
  ],
  ['Node', ['metadata.name', 'spec.unschedulable']],
  [
    'Event',
    [
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'source',
      'type',
      'metadata.namespace',
      'metadata.name',
    ],
  ],
  ['Namespace', ['status.phase', 'metadata.name']],
]);

const defaultLabels: readonly string[] = ['metadata.name', 'metadata.namespace'];

/** Legacy spellings the apiserver rewrites before matching. */
const labelAliases: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map([
  ['Pod', new Map([['spec.host', 'spec.nodeName']])],
]);

/**
 * The field labels the apiserver accepts in field selectors for `kind` (aliases such as the Pod's
 * legacy `spec.host` are accepted too but not listed). Pod's `status.podIPs` is accepted by the
 * apiserver yet is not a selectable field, so it reads as `''` like upstream.
 */
export function supportedFieldLabels(kind: string): readonly string[] {
  return convertedLabels.get(kind) ?? defaultLabels;
}

/**
 * Checks every label of `selector` against what the apiserver accepts for `kind` and returns the
 * selector with legacy aliases rewritten (`spec.host` → `spec.nodeName` for pods). Throws
 * {@link BadRequestError} as the apiserver does: `field label not supported: <label>` for Pod,
 * Node, Event and Namespace, and `"<label>" is not a known field selector: only "metadata.name",
 * "metadata.namespace"` for kinds using the default conversion (DaemonSet, Lease, ...).
 */
export function validateFieldSelectorForKind(kind: string, selector: FieldSelector): FieldSelector {
  const own = convertedLabels.get(kind);
  const aliases = labelAliases.get(kind);
  let changed = false;
  const requirements = selector.requirements.map((r) => {
    const alias = aliases?.get(r.field);
    if (alias !== undefined) {
      changed = true;
      return { ...r, field: alias };
    }
    if (own !== undefined) {
      if (!own.includes(r.field)) throw new BadRequestError(`field label not supported: ${r.field}`);
    } else if (!defaultLabels.includes(r.field)) {
      throw new BadRequestError(
        `${JSON.stringify(r.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    return r;
  });
  return changed ? fieldSelectorFromRequirements(requirements) : selector;
}
