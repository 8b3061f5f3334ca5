/**
 * Name and label syntax checks of k8s.io/apimachinery/pkg/util/validation. Each returns the list of
 * problems as upstream words them (empty when valid), so callers can wrap them in field errors.
 */

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const qualifiedNameRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const DNS1123LabelMaxLength = 63;
export const DNS1123SubdomainMaxLength = 253;
export const LabelValueMaxLength = 63;
export const QualifiedNameMaxLength = 63;

/**
 * Label keys and values already found valid. Every object repeats the same keys and values
 * (labels, toleration keys), so most checks are a lookup. Only valid values are kept (an invalid
 * one is rare and gets its messages built afresh); each set is bounded. Names are mostly unique
 * (generated pod and event names): they are checked by {@link dns1123Labels} instead.
 */
const VALID_CACHE_ENTRIES = 10_000;
const validQualifiedNames = new Set<string>();
const validLabelValues = new Set<string>();

function rememberValid(set: Set<string>, value: string, errs: readonly string[]): void {
  if (errs.length > 0) return;
  if (set.size >= VALID_CACHE_ENTRIES) set.clear();
  set.add(value);
}

/**
 * Upstream's RegexError, to the character: each example is followed by a comma and a space and
 * the examples are joined by " or ", so two give `(e.g. 'my-name',  or '123-abc', regex …)`.
 */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

/** a-z, A-Z or 0-9. */
function isAlnum(c: number): boolean {
  return isLowerAlnum(c) || (c >= 65 && c <= 90);
}

/** a-z or 0-9. */
function isLowerAlnum(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
}

/**
 * `^${dns1123LabelFmt}$` (with `dots`: `^${dns1123LabelFmt}(\.${dns1123LabelFmt})*$`) as a scan
 * of the characters: every object name is checked on every write, and the regular expression's
 * backtracking made that several times slower. Equivalent: labels of `[-a-z0-9]` that start and
 * end alphanumeric, separated by single dots.
 */
function dns1123Labels(value: string, dots: boolean): boolean {
  if (value.length === 0) return false;
  let start = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isLowerAlnum(c)) {
      start = false;
    } else if (c === 45 /* - */) {
      if (start) return false;
    } else if (c === 46 /* . */ && dots) {
      if (start || value.charCodeAt(i - 1) === 45) return false;
      start = true;
    } else {
      return false;
    }
  }
  return !start && value.charCodeAt(value.length - 1) !== 45;
}

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123LabelMaxLength)
    errs.push(`must be no more than ${DNS1123LabelMaxLength} characters`);
  if (!dns1123Labels(value, false))
    errs.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        dns1123LabelFmt,
        'my-name',
        '123-abc',
      ),
    );
  return errs;
}

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123SubdomainMaxLength)
    errs.push(`must be no more than ${DNS1123SubdomainMaxLength} characters`);
  if (!dns1123Labels(value, true))
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`,
        'example.com',
      ),
    );
  return errs;
}

/** A label or annotation key: optional DNS-subdomain prefix and `/`, then a name of ≤63 characters. */
export function isQualifiedName(value: string): string[] {
  if (validQualifiedNames.has(value)) return [];
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      regexError(
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]',
        'MyName',
        'my.name',
        '123-abc',
      ) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > QualifiedNameMaxLength)
    errs.push(`name part must be no more than ${QualifiedNameMaxLength} characters`);
  if (name.length > 0 && !qualifiedNameRe.test(name))
    errs.push(
      'name part ' +
        regexError(
          "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
          '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]',
          'MyName',
          'my.name',
          '123-abc',
        ),
    );
  rememberValid(validQualifiedNames, value, errs);
  return errs;
}

export function isValidLabelValue(value: string): string[] {
  if (validLabelValues.has(value)) return [];
  const errs: string[] = [];
  if (value.length > LabelValueMaxLength) errs.push(`must be no more than ${LabelValueMaxLength} characters`);
  if (!labelValueRe.test(value))
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?',
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  rememberValid(validLabelValues, value, errs);
  return errs;
}

/** Upstream's IsConfigMapKey: a key of a ConfigMap's (or Secret's) data. */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123SubdomainMaxLength)
    errs.push(`must be no more than ${DNS1123SubdomainMaxLength} characters`);
  let ok = value.length > 0;
  for (let i = 0; ok && i < value.length; i++) {
    const c = value.charCodeAt(i);
    ok = isAlnum(c) || c === 45 || c === 46 || c === 95; // - . _
  }
  if (!ok)
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        '[-._a-zA-Z0-9]+',
        'key.name',
        'KEY_NAME',
        'key-name',
      ),
    );
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}
