/**
 * Label selectors as k8s.io/apimachinery/pkg/labels and metav1's LabelSelector helpers define them:
 * the string grammar of `?labelSelector=` and `kubectl -l`, the structured `LabelSelector` of
 * workload specs, their validation, and the renderings kubectl prints.
 *
 * Semantics worth knowing (all upstream):
 * - requirements are ANDed; a selector with no requirements matches everything;
 * - `!=` and `notin` also match objects that do not carry the key at all;
 * - a nil `LabelSelector` selects nothing, an empty one (`{}`) selects everything;
 * - `Gt`/`Lt` (string forms `>`/`<`) compare base-10 int64 values; a non-integer label never matches.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { BadRequestError, fieldErrors, fieldErrorString } from './errors.js';
import type { FieldError } from './errors.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

/**
 * A requirement operator. `In`/`NotIn`/`Exists`/`DoesNotExist` come from `LabelSelector` match
 * expressions and from the `in`/`notin`/key/`!key` string forms; `=`, `==`, `!=` are the exact-match
 * string forms; `Gt`/`Lt` come from node selectors and the `>`/`<` string forms.
 */
export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | '=' | '==' | '!=' | 'Gt' | 'Lt';

/** One `key operator values` condition. Build validated ones with {@link newRequirement}. */
export interface Requirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  /** Empty for `Exists`/`DoesNotExist`, exactly one for `=`/`==`/`!=`/`Gt`/`Lt`, at least one for `In`/`NotIn`. */
  readonly values: readonly string[];
}

/** A parsed label selector: the AND of its requirements. Immutable. */
export interface Selector {
  /** Sorted by key (stable for equal keys). Empty for both {@link everything} and {@link nothing}. */
  readonly requirements: readonly Requirement[];
  /** Whether every requirement holds for `labels`; `undefined` labels behave as an empty set. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** True when the selector does not restrict anything (no requirements, and not {@link nothing}). */
  isEverything(): boolean;
  /** True only for the {@link nothing} selector (a nil `LabelSelector`). */
  isNothing(): boolean;
  /** The canonical string form, e.g. `a=b,c!=d,e in (x,y),f notin (z),g,!h`; `''` for everything and nothing. */
  toString(): string;
}

type Labels = Readonly<Record<string, string>>;

const allOperators: readonly SelectorOperator[] = [
  'In',
  'NotIn',
  '=',
  '==',
  '!=',
  'Gt',
  'Lt',
  'Exists',
  'DoesNotExist',
];

// ---------------------------------------------------------------------------------------------
// Requirements

function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** Go's `%#v` of a `[]string`, as upstream prints bad value lists in field errors. */
function goStringSlice(values: readonly string[] | undefined): string {
  if (values === undefined) return '[]string(nil)';
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

/** Go's `utilerrors.Aggregate` rendering: one message alone, several deduplicated inside `[...]`. */
function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}

/** The int64 a Go `strconv.ParseInt(s, 10, 64)` would accept, or undefined. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

function labelKeyError(key: string, path: string): string | undefined {
  const errs = isQualifiedName(key);
  return errs.length === 0 ? undefined : fieldErrorString(fieldErrors.invalid(path, key, errs.join('; ')));
}

/**
 * The problems upstream's `labels.NewRequirement` reports for these inputs, each rendered as
 * `field: message` (e.g. `values[0][app]: Invalid value: "a b": ...`). `path` prefixes the field
 * paths (`nodeSelectorTerms[0].matchExpressions[1]`); empty means none, as in the string parser.
 */
export function requirementErrors(
  key: string,
  operator: string,
  values: readonly string[] | undefined,
  path = '',
): string[] {
  const errs: string[] = [];
  const keyErr = labelKeyError(key, childPath(path, 'key'));
  if (keyErr !== undefined) errs.push(keyErr);
  const vals = values ?? [];
  const valuesPath = childPath(path, 'values');
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (vals.length === 0)
        errs.push(
          `${valuesPath}: Invalid value: ${goStringSlice(values)}: for 'in', 'notin' operators, values set can't be empty`,
        );
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1)
        errs.push(
          `${valuesPath}: Invalid value: ${goStringSlice(values)}: exact-match compatibility requires one single value`,
        );
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (vals.length !== 0)
        errs.push(
          `${valuesPath}: Invalid value: ${goStringSlice(values)}: values set must be empty for exists and does not exist`,
        );
      break;
    case 'Gt':
    case 'Lt':
      if (vals.length !== 1)
        errs.push(
          `${valuesPath}: Invalid value: ${goStringSlice(values)}: for 'Gt', 'Lt' operators, exactly one value is required`,
        );
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined)
          errs.push(
            fieldErrorString(
              fieldErrors.invalid(
                `${valuesPath}[${i}]`,
                v,
                "for 'Gt', 'Lt' operators, the value must be an integer",
              ),
            ),
          );
      });
      break;
    default:
      errs.push(
        fieldErrorString(fieldErrors.notSupported(childPath(path, 'operator'), operator, allOperators)),
      );
  }
  vals.forEach((v, i) => {
    const msgs = isValidLabelValue(v);
    if (msgs.length > 0)
      errs.push(fieldErrorString(fieldErrors.invalid(`${valuesPath}[${i}][${key}]`, v, msgs.join('; '))));
  });
  return errs;
}

/**
 * A validated requirement (upstream `labels.NewRequirement`). Throws {@link BadRequestError} with
 * upstream's aggregated message when the key, operator or values are invalid. `values` is copied.
 */
export function newRequirement(
  key: string,
  operator: SelectorOperator,
  values: readonly string[] | undefined,
  path = '',
): Requirement {
  const errs = requirementErrors(key, operator, values, path);
  if (errs.length > 0) throw new BadRequestError(aggregate(errs));
  return Object.freeze({ key, operator, values: Object.freeze([...(values ?? [])]) });
}

/** Whether one requirement holds for `labels` (upstream `Requirement.Matches`). */
export function requirementMatches(r: Requirement, labels: Labels | undefined): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'In':
    case '=':
    case '==':
      return value !== undefined && r.values.includes(value);
    case 'NotIn':
    case '!=':
      return value === undefined || !r.values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || r.values.length !== 1) return false;
      const actual = parseInt64(value);
      const bound = parseInt64(r.values[0] ?? '');
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

function sortedStrings(values: readonly string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const operatorSpelling: Readonly<Record<SelectorOperator, string>> = {
  '=': '=',
  '==': '==',
  '!=': '!=',
  In: ' in ',
  NotIn: ' notin ',
  Gt: '>',
  Lt: '<',
  Exists: '',
  DoesNotExist: '',
};

/** One requirement in string-selector syntax: `a=b`, `a in (x,y)`, `a`, `!a`, `a>5`, ... */
export function requirementToString(r: Requirement): string {
  if (r.operator === 'DoesNotExist') return `!${r.key}`;
  if (r.operator === 'Exists') return r.key;
  const values = r.values.length === 1 ? (r.values[0] ?? '') : sortedStrings(r.values).join(',');
  const set = r.operator === 'In' || r.operator === 'NotIn';
  return `${r.key}${operatorSpelling[r.operator]}${set ? `(${values})` : values}`;
}

// ---------------------------------------------------------------------------------------------
// Selectors

class RequirementsSelector implements Selector {
  readonly requirements: readonly Requirement[];

  constructor(requirements: readonly Requirement[]) {
    const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.requirements = Object.freeze(sorted);
  }

  matches(labels: Labels | undefined): boolean {
    // A loop, not every(): watches with selectors test each change against it.
    for (const r of this.requirements) if (!requirementMatches(r, labels)) return false;
    return true;
  }

  isEverything(): boolean {
    return this.requirements.length === 0;
  }

  isNothing(): boolean {
    return false;
  }

  toString(): string {
    return this.requirements.map(requirementToString).join(',');
  }
}

class NothingSelector implements Selector {
  readonly requirements: readonly Requirement[] = Object.freeze([]);
  matches(): boolean {
    return false;
  }
  isEverything(): boolean {
    return false;
  }
  isNothing(): boolean {
    return true;
  }
  toString(): string {
    return '';
  }
}

const everythingSelector: Selector = new RequirementsSelector([]);
const nothingSelector: Selector = new NothingSelector();

/** The selector that matches every label set (an empty selector string, or `LabelSelector {}`). */
export function everything(): Selector {
  return everythingSelector;
}

/** The selector that matches nothing (a nil `LabelSelector`). Its string form is `''`. */
export function nothing(): Selector {
  return nothingSelector;
}

/** A selector from already-built requirements; they are sorted by key. */
export function selectorFromRequirements(requirements: readonly Requirement[]): Selector {
  return requirements.length === 0 ? everythingSelector : new RequirementsSelector(requirements);
}

/**
 * `key=value` requirements for every entry of `set`, without validation (upstream
 * `SelectorFromSet`); empty or undefined gives {@link everything}. Used for `spec.nodeSelector`.
 */
export function selectorFromSet(set: Labels | undefined): Selector {
  if (set === undefined) return everythingSelector;
  return selectorFromRequirements(
    Object.entries(set).map(([key, value]) =>
      Object.freeze({ key, operator: '=' as const, values: Object.freeze([value]) }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// The string grammar (labels.Parse)

type Token =
  | 'EndOfString'
  | 'ClosedPar'
  | 'Comma'
  | 'DoesNotExist'
  | 'DoubleEquals'
  | 'Equals'
  | 'GreaterThan'
  | 'Identifier'
  | 'In'
  | 'LessThan'
  | 'NotEquals'
  | 'NotIn'
  | 'OpenPar';

interface Item {
  readonly tok: Token;
  readonly lit: string;
}

const literalTokens: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', 'ClosedPar'],
  [',', 'Comma'],
  ['!', 'DoesNotExist'],
  ['==', 'DoubleEquals'],
  ['=', 'Equals'],
  ['>', 'GreaterThan'],
  ['in', 'In'],
  ['<', 'LessThan'],
  ['!=', 'NotEquals'],
  ['notin', 'NotIn'],
  ['(', 'OpenPar'],
]);

/** The binary operators named in "expected:" messages, spelled as upstream's selection constants. */
const binaryOperatorNames = 'in, notin, =, ==, !=, gt, lt';

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecialSymbol(ch: string): boolean {
  return '=!(),><'.includes(ch);
}

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s.charAt(pos))) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'EndOfString', lit: '' });
      return items;
    }
    if (isSpecialSymbol(s.charAt(pos))) {
      // Longest run of special symbols that still forms a token: `!=` rather than `!`, `==` rather than `=`.
      let buffer = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecialSymbol(s.charAt(pos))) {
        const tok = literalTokens.get(buffer + s.charAt(pos));
        if (tok === undefined && last !== undefined) break;
        buffer += s.charAt(pos);
        pos++;
        if (tok !== undefined) last = { tok, lit: buffer };
      }
      // Every single special symbol is a token, so `last` is always set here.
      items.push(last ?? { tok: 'Identifier', lit: buffer });
    } else {
      const start = pos;
      while (pos < s.length && !isSpecialSymbol(s.charAt(pos)) && !isWhitespace(s.charAt(pos))) pos++;
      const lit = s.slice(start, pos);
      items.push({ tok: literalTokens.get(lit) ?? 'Identifier', lit });
    }
  }
}

class ParseError extends Error {}

class Parser {
  private position = 0;
  constructor(private readonly items: readonly Item[]) {}

  /** In value context the keywords `in`/`notin` are plain identifiers (`a in (in)` is legal). */
  private static inContext(item: Item, values: boolean): Item {
    return values && (item.tok === 'In' || item.tok === 'NotIn')
      ? { tok: 'Identifier', lit: item.lit }
      : item;
  }

  lookahead(values: boolean): Item {
    const item = this.items[Math.min(this.position, this.items.length - 1)] ?? {
      tok: 'EndOfString',
      lit: '',
    };
    return Parser.inContext(item, values);
  }

  consume(values: boolean): Item {
    const item = this.lookahead(values);
    this.position++;
    return item;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      switch (tok) {
        case 'Identifier':
        case 'DoesNotExist': {
          try {
            requirements.push(this.parseRequirement());
          } catch (err) {
            if (err instanceof ParseError)
              throw new ParseError(`unable to parse requirement: ${err.message}`);
            throw err;
          }
          const next = this.consume(true);
          if (next.tok === 'EndOfString') return requirements;
          if (next.tok !== 'Comma')
            throw new ParseError(`found '${next.lit}', expected: ',' or 'end of string'`);
          const after = this.lookahead(true);
          if (after.tok !== 'Identifier' && after.tok !== 'DoesNotExist')
            throw new ParseError(`found '${after.lit}', expected: identifier after ','`);
          break;
        }
        case 'EndOfString':
          return requirements;
        default:
          throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator();
    if (inferred !== undefined) return this.build(key, inferred, []);
    const operator = this.parseOperator();
    const values = operator === 'In' || operator === 'NotIn' ? this.parseValues() : this.parseExactValue();
    return this.build(key, operator, sortedStrings([...new Set(values)]));
  }

  private build(key: string, operator: SelectorOperator, values: readonly string[]): Requirement {
    const errs = requirementErrors(key, operator, values);
    if (errs.length > 0) throw new ParseError(aggregate(errs));
    return Object.freeze({ key, operator, values: Object.freeze([...values]) });
  }

  private parseKeyAndInferOperator(): { key: string; operator: SelectorOperator | undefined } {
    let operator: SelectorOperator | undefined;
    let item = this.consume(true);
    if (item.tok === 'DoesNotExist') {
      operator = 'DoesNotExist';
      item = this.consume(true);
    }
    if (item.tok !== 'Identifier') throw new ParseError(`found '${item.lit}', expected: identifier`);
    // Upstream validates the key here with a nil field path, hence the literal `<nil>` in its message.
    const keyErr = labelKeyError(item.lit, '<nil>');
    if (keyErr !== undefined) throw new ParseError(keyErr);
    const next = this.lookahead(true).tok;
    if ((next === 'EndOfString' || next === 'Comma') && operator === undefined) operator = 'Exists';
    return { key: item.lit, operator };
  }

  private parseOperator(): SelectorOperator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case 'In':
        return 'In';
      case 'NotIn':
        return 'NotIn';
      case 'Equals':
        return '=';
      case 'DoubleEquals':
        return '==';
      case 'NotEquals':
        return '!=';
      case 'GreaterThan':
        return 'Gt';
      case 'LessThan':
        return 'Lt';
      default:
        throw new ParseError(`found '${lit}', expected: ${binaryOperatorNames}`);
    }
  }

  private parseValues(): string[] {
    const open = this.consume(true);
    if (open.tok !== 'OpenPar') throw new ParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(true);
    switch (tok) {
      case 'Identifier':
      case 'Comma': {
        const values = this.parseIdentifiersList();
        if (this.consume(true).tok !== 'ClosedPar') throw new ParseError(`found '${lit}', expected: ')'`);
        return values;
      }
      case 'ClosedPar':
        // `()` is the set holding the empty string.
        this.consume(true);
        return [''];
      default:
        throw new ParseError(`found '${lit}', expected: ',', ')' or identifier`);
    }
  }

  /** A comma-separated list in which empty entries stand for the empty string (`(a,,b)`, `(,a)`, `(a,)`). */
  private parseIdentifiersList(): string[] {
    const values: string[] = [];
    for (;;) {
      const { tok, lit } = this.consume(true);
      if (tok === 'Identifier') {
        values.push(lit);
        const next = this.lookahead(true);
        if (next.tok === 'Comma') continue;
        if (next.tok === 'ClosedPar') return values;
        throw new ParseError(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok === 'Comma') {
        if (values.length === 0) values.push('');
        const next = this.lookahead(true).tok;
        if (next === 'ClosedPar') {
          values.push('');
          return values;
        }
        if (next === 'Comma') values.push('');
        continue;
      }
      throw new ParseError(`found '${lit}', expected: ',', or identifier`);
    }
  }

  private parseExactValue(): string[] {
    const next = this.lookahead(true).tok;
    if (next === 'EndOfString' || next === 'Comma') return [''];
    const { tok, lit } = this.consume(true);
    if (tok === 'Identifier') return [lit];
    throw new ParseError(`found '${lit}', expected: identifier`);
  }
}

/**
 * Parses the string selector grammar of `?labelSelector=` and `kubectl -l` (upstream `labels.Parse`):
 *
 * ```
 * selector    ::= requirement ("," requirement)*
 * requirement ::= ["!"] KEY [ ("in" | "notin") "(" VALUE ("," VALUE)* ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
 * ```
 *
 * Whitespace between tokens is ignored, values may be empty (`a=`, `a in (x,)`), the empty string
 * is {@link everything}. Keys must be qualified names and values valid label values. Throws
 * {@link BadRequestError} with upstream's wording, e.g. `unable to parse requirement: <nil>:
 * Invalid value: "a b": ...` or `found ')', expected: !, identifier, or 'end of string'`.
 */
export function parseSelector(s: string): Selector {
  try {
    return selectorFromRequirements(new Parser(lex(s)).parse());
  } catch (err) {
    if (err instanceof ParseError) throw new BadRequestError(err.message);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// metav1.LabelSelector

const labelSelectorOperators: ReadonlyMap<string, SelectorOperator> = new Map<string, SelectorOperator>([
  ['In', 'In'],
  ['NotIn', 'NotIn'],
  ['Exists', 'Exists'],
  ['DoesNotExist', 'DoesNotExist'],
]);

/**
 * Converts a structured selector (upstream `metav1.LabelSelectorAsSelector`): `null`/`undefined`
 * → {@link nothing}; no matchLabels and no matchExpressions → {@link everything}; otherwise
 * matchLabels become `=` requirements and matchExpressions `In`/`NotIn`/`Exists`/`DoesNotExist`.
 * Throws {@link BadRequestError} for an unknown operator (`"Foo" is not a valid label selector
 * operator`) or an invalid requirement (e.g. `values: Invalid value: []string(nil): for 'in',
 * 'notin' operators, values set can't be empty`).
 */
export function labelSelectorAsSelector(ls: LabelSelector | undefined | null): Selector {
  if (ls === undefined || ls === null) return nothingSelector;
  const matchLabels = Object.entries(ls.matchLabels ?? {});
  const expressions = ls.matchExpressions ?? [];
  if (matchLabels.length + expressions.length === 0) return everythingSelector;
  const requirements: Requirement[] = matchLabels.map(([k, v]) => newRequirement(k, '=', [v]));
  for (const expr of expressions) {
    const op = labelSelectorOperators.get(expr.operator);
    if (op === undefined)
      throw new BadRequestError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    const values = expr.values !== undefined && expr.values.length > 0 ? expr.values : undefined;
    requirements.push(newRequirement(expr.key, op, values));
  }
  return selectorFromRequirements(requirements);
}

/** Options of {@link validateLabelSelector}, as upstream's `LabelSelectorValidationOptions`. */
export interface LabelSelectorValidationOptions {
  /**
   * Skip label-value syntax checks on matchExpressions values. Upstream sets this on update when
   * the old object already had such values, so existing objects stay updatable.
   */
  readonly allowInvalidLabelValueInSelector?: boolean;
}

/**
 * Field errors for a structured selector (upstream `ValidateLabelSelector`), rooted at `fieldPath`
 * (e.g. `spec.selector`): matchLabels keys and values at `<path>.matchLabels`; per expression an
 * Invalid `operator` ("not a valid selector operator"), Required `values` for In/NotIn, Forbidden
 * `values` for Exists/DoesNotExist, Invalid `key`, and Invalid `values[j]` unless allowed by `opts`.
 * An undefined selector has no errors (whether it is required is the caller's rule).
 */
export function validateLabelSelector(
  ls: LabelSelector | undefined,
  fieldPath: string,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  const errs: FieldError[] = [];
  if (ls === undefined) return errs;
  const labelsPath = childPath(fieldPath, 'matchLabels');
  for (const key of sortedStrings(Object.keys(ls.matchLabels ?? {}))) {
    for (const msg of isQualifiedName(key)) errs.push(fieldErrors.invalid(labelsPath, key, msg));
    const value = ls.matchLabels?.[key] ?? '';
    for (const msg of isValidLabelValue(value)) errs.push(fieldErrors.invalid(labelsPath, value, msg));
  }
  (ls.matchExpressions ?? []).forEach((expr, i) => {
    const path = `${childPath(fieldPath, 'matchExpressions')}[${i}]`;
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0)
          errs.push(
            fieldErrors.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"),
          );
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0)
          errs.push(
            fieldErrors.forbidden(
              `${path}.values`,
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        break;
      default:
        errs.push(fieldErrors.invalid(`${path}.operator`, expr.operator, 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(expr.key)) errs.push(fieldErrors.invalid(`${path}.key`, expr.key, msg));
    if (opts.allowInvalidLabelValueInSelector !== true)
      values.forEach((v, j) => {
        for (const msg of isValidLabelValue(v))
          errs.push(fieldErrors.invalid(`${path}.values[${j}]`, v, msg));
      });
  });
  return errs;
}

/**
 * A structured selector as kubectl prints it in `get -o wide` SELECTOR columns and `describe`
 * (upstream `metav1.FormatLabelSelector`): `<none>` for nil or empty, `<error>` when it cannot be
 * converted, else the canonical string form.
 */
export function formatLabelSelector(ls: LabelSelector | undefined): string {
  let selector: Selector;
  try {
    selector = labelSelectorAsSelector(ls);
  } catch {
    return '<error>';
  }
  const s = selector.toString();
  return s === '' ? '<none>' : s;
}

/**
 * A label map as `k=v,k2=v2` sorted by key, or `<none>` when empty (upstream `labels.FormatLabels`,
 * used for NODE SELECTOR and LABELS columns).
 */
export function labelsToString(labels: Labels | undefined): string {
  const keys = sortedStrings(Object.keys(labels ?? {}));
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}
