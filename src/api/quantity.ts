/**
 * Resource quantities (k8s.io/apimachinery/pkg/api/resource.Quantity) with exact arithmetic: a
 * quantity is a BigInt count of nano-units plus the format family it prints in.
 *
 * Upstream behaviour kept here:
 * - parsing rounds anything finer than 1n up, away from zero (`0.1n` → `1n`, `-0.1n` → `-1n`);
 * - the format family (binary `Ki`…`Ei`, decimal SI `n`…`E`, decimal exponent `e3`) is remembered
 *   and `toString()` prints the canonical form in that family: the smallest suffix that keeps an
 *   integer mantissa, decimal exponents a multiple of 3 (`1.5Gi` → `1536Mi`, `0.5` → `500m`,
 *   `1500` stays `1500`); binary values below 1024 or with a fraction print as decimal SI;
 * - a freshly parsed string that is already in canonical shape prints back verbatim, exactly when
 *   upstream's fast path keeps it (so `+5` prints `+5` and `1E3` prints `1E3`, while `1000m` → `1`);
 *   arithmetic drops that spelling;
 * - `value()` / `milliValue()` round away from zero, like `Value()` / `MilliValue()`.
 *
 * Deliberate difference: upstream's slow parse path caps magnitudes at 2^63-1; here values stay exact.
 */
import { boundedMemo } from '../util/memo.js';

/** How a quantity prints: `BinarySI` (`Ki`, `Mi`, …), `DecimalSI` (`m`, `k`, `M`, …) or `DecimalExponent` (`e3`). */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** Upstream `ErrFormatWrong` text: the input is not a number followed by a suffix. */
export const QUANTITY_FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** Upstream `ErrSuffix` text: the suffix has the right characters but is not a known one (`1K`, `1i`). */
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";
/** Upstream `ErrNumeric` text; also used here for decimal exponents too large to hold (beyond 10^10000). */
export const QUANTITY_NUMERIC_ERROR = 'unable to parse numeric part of quantity';

/** Thrown by {@link parseQuantity}; `message` is one of the three upstream error texts. */
export class QuantityParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityParseError';
  }
}

const NANO = 1_000_000_000n;
const MAX_DECIMAL_SHIFT = 10_000;

const decimalSuffixes: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const decimalSuffixByExponent: ReadonlyMap<number, string> = new Map(
  [...decimalSuffixes].map(([s, e]) => [e, s]),
);
const binarySuffixes: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);
const binarySuffixByPower = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** n / d rounded away from zero (d > 0). */
function divAwayFromZero(n: bigint, d: bigint): bigint {
  const q = n / d;
  if (n % d === 0n) return q;
  return n > 0n ? q + 1n : q - 1n;
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

interface Scanned {
  readonly positive: boolean;
  /** Integer digits without leading zeros; `'0'` when there are none. */
  readonly num: string;
  /** Fraction digits as written (possibly empty). */
  readonly denom: string;
  readonly suffix: string;
}

/** Splits `[+-]digits[.digits]suffix` like upstream's parseQuantityString, including its leniencies. */
function scan(str: string): Scanned {
  const end = str.length;
  let pos = 0;
  let positive = true;
  if (str.startsWith('-')) {
    positive = false;
    pos++;
  } else if (str.startsWith('+')) {
    pos++;
  }
  while (pos < end && str.charAt(pos) === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  let i = pos;
  while (i < end && isDigit(str.charAt(i))) i++;
  const num = str.slice(pos, i) || '0';
  pos = i;
  let denom = '';
  if (pos < end && str.charAt(pos) === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str.charAt(i))) i++;
    denom = str.slice(pos, i);
    pos = i;
  }
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str.charAt(pos))) pos++;
  if (pos < end && (str.charAt(pos) === '-' || str.charAt(pos) === '+')) pos++;
  while (pos < end && isDigit(str.charAt(pos))) pos++;
  if (pos < end) throw new QuantityParseError(QUANTITY_FORMAT_ERROR);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

function interpretSuffix(suffix: string): { base: 2 | 10; exponent: number; format: QuantityFormat } {
  const dec = decimalSuffixes.get(suffix);
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = binarySuffixes.get(suffix);
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (
    suffix.length > 1 &&
    (suffix[0] === 'e' || suffix[0] === 'E') &&
    /^[+-]?[0-9]+$/.test(suffix.slice(1))
  ) {
    const exponent = Number(suffix.slice(1));
    if (Math.abs(exponent) > MAX_DECIMAL_SHIFT) throw new QuantityParseError(QUANTITY_NUMERIC_ERROR);
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  throw new QuantityParseError(QUANTITY_SUFFIX_ERROR);
}

/**
 * Whether upstream's int64 fast path would keep the input string as the printed form: it does so
 * for inputs whose digits and scale are already canonical (no trailing `000`, no leading zero).
 */
function keepsSpelling(s: Scanned, base: 2 | 10, exponent: number): boolean {
  const shifted = s.num + s.denom;
  if (base === 10) {
    const precision = 18 - shifted.length;
    const scale = exponent - s.denom.length;
    return precision >= 0 && scale >= -9 && scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
  }
  if (s.denom.length > 0) return false;
  const precision = 15 - s.num.length - (exponent * 3) / 10 - 1;
  if (precision < 0) return false;
  const value = BigInt(s.num);
  return value << BigInt(exponent) < 2n ** 63n && exponent % 10 === 0 && (value & 7n) !== 0n;
}

function canonicalString(nanos: bigint, format: QuantityFormat): string {
  if (nanos === 0n) return '0';
  if (format === 'BinarySI' && abs(nanos) >= 1024n * NANO && nanos % NANO === 0n) {
    let n = nanos / NANO;
    let power = 0;
    while (power < 6 && abs(n) >= 1024n && n % 1024n === 0n) {
      n /= 1024n;
      power++;
    }
    return `${n}${binarySuffixByPower[power] ?? ''}`;
  }
  let mantissa = nanos;
  let exponent = -9;
  while (abs(mantissa) >= 10n && mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const down = ((exponent % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(down);
  exponent -= down;
  if (format === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  if (exponent > 18) {
    // Beyond `E` there is no SI suffix; keep the mantissa larger instead.
    mantissa *= 10n ** BigInt(exponent - 18);
    exponent = 18;
  }
  return `${mantissa}${decimalSuffixByExponent.get(exponent) ?? ''}`;
}

/** An immutable resource quantity. Create with {@link parseQuantity}, {@link quantityFromInt}, {@link quantityFromMilli}. */
export class Quantity {
  /** The exact value in nano-units (10^-9). */
  readonly nanos: bigint;
  /** The family `toString()` prints in. */
  readonly format: QuantityFormat;
  readonly #spelling: string | undefined;

  private constructor(nanos: bigint, format: QuantityFormat, spelling: string | undefined) {
    this.nanos = nanos;
    this.format = format;
    this.#spelling = spelling;
  }

  /**
   * See {@link parseQuantity}. Quantities are immutable and the same few spellings recur on every
   * pod (`100m`, `200Mi`): each is parsed once (successes only: a malformed one throws afresh).
   */
  static readonly parse: (str: string) => Quantity = boundedMemo(4096, (str: string) =>
    Quantity.parseUncached(str),
  );

  private static parseUncached(str: string): Quantity {
    if (str === '') throw new QuantityParseError(QUANTITY_FORMAT_ERROR);
    if (str === '0') return new Quantity(0n, 'DecimalSI', '0');
    const s = scan(str);
    const { base, exponent, format } = interpretSuffix(s.suffix);
    const digitString = s.num + s.denom;
    const digits = BigInt(digitString);
    let nanos: bigint;
    if (digits === 0n) {
      nanos = 0n;
    } else if (base === 10) {
      const shift = exponent - s.denom.length + 9;
      if (shift > MAX_DECIMAL_SHIFT) throw new QuantityParseError(QUANTITY_NUMERIC_ERROR);
      if (shift >= 0) nanos = digits * 10n ** BigInt(shift);
      else if (-shift >= digitString.length) nanos = 1n;
      else nanos = divAwayFromZero(digits, 10n ** BigInt(-shift));
    } else {
      nanos = divAwayFromZero((digits << BigInt(exponent)) * NANO, 10n ** BigInt(s.denom.length));
    }
    if (!s.positive) nanos = -nanos;
    const fmt = format === 'BinarySI' && nanos !== 0n && abs(nanos) < NANO ? 'DecimalSI' : format;
    return new Quantity(nanos, fmt, keepsSpelling(s, base, exponent) ? str : undefined);
  }

  /** A quantity of exactly `nanos` nano-units. */
  static fromNanos(nanos: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(nanos, format, undefined);
  }

  /** `this + other`; the format is this one's, or `other`'s when this is zero (as upstream `Add`). */
  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.isZero() ? other.format : this.format, undefined);
  }

  /** `this - other`; the format follows the same rule as {@link add}. */
  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.isZero() ? other.format : this.format, undefined);
  }

  /** `-this`, same format. */
  neg(): Quantity {
    return new Quantity(-this.nanos, this.format, undefined);
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other`. */
  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }

  /** -1, 0 or 1 by the sign of the value. */
  sign(): -1 | 0 | 1 {
    return this.nanos < 0n ? -1 : this.nanos > 0n ? 1 : 0;
  }

  /** The value in whole units, rounded away from zero (upstream `Value()`: `1.1` → 2, `-1.1` → -2). */
  value(): bigint {
    return divAwayFromZero(this.nanos, NANO);
  }

  /** The value in thousandths, rounded away from zero (upstream `MilliValue()`: `1.0001` → 1001). */
  milliValue(): bigint {
    return divAwayFromZero(this.nanos, 1_000_000n);
  }

  /** An approximate float of the value (exact for values representable as a double). */
  toNumber(): number {
    return Number(this.nanos / NANO) + Number(this.nanos % NANO) / 1e9;
  }

  /** The canonical string (see the module comment), or the parsed spelling when upstream keeps it. */
  toString(): string {
    return this.#spelling ?? canonicalString(this.nanos, this.format);
  }

  /** Serializes as the string form, as Quantity does in JSON. */
  toJSON(): string {
    return this.toString();
  }
}

/**
 * Parses a quantity (upstream `resource.ParseQuantity`): an optional sign, digits with an optional
 * fraction, and a suffix among `Ki Mi Gi Ti Pi Ei`, `n u m k M G T P E`, or an exponent `e<int>` /
 * `E<int>` (`1E3`; a lone `E` is exa). Throws {@link QuantityParseError} with upstream's message:
 * {@link QUANTITY_FORMAT_ERROR} for malformed text (including surrounding whitespace and the empty
 * string), {@link QUANTITY_SUFFIX_ERROR} for an unknown suffix such as `1K` or `1i`.
 */
export function parseQuantity(s: string): Quantity {
  return Quantity.parse(s);
}

function toBigInt(n: number | bigint, what: string): bigint {
  if (typeof n === 'bigint') return n;
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} must be a safe integer, got ${n}`);
  return BigInt(n);
}

/** `n` thousandths in DecimalSI (upstream `NewMilliQuantity(n, DecimalSI)`): 1500 → `1500m`, 2000 → `2`. */
export function quantityFromMilli(n: number | bigint): Quantity {
  return Quantity.fromNanos(toBigInt(n, 'milli value') * 1_000_000n, 'DecimalSI');
}

/** `n` whole units in `format` (upstream `NewQuantity`): `(1024, 'BinarySI')` → `1Ki`, `(1000, 'BinarySI')` → `1k`. */
export function quantityFromInt(n: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return Quantity.fromNanos(toBigInt(n, 'value') * NANO, format);
}

/** Resource name (`cpu`, `memory`, `pods`, …) to quantity, as `requests`, `limits`, `capacity`, `allocatable`. */
export type ResourceList = Record<string, Quantity>;

/**
 * Parses a resource map from an API object. Values are trimmed first and JSON numbers accepted,
 * as upstream's JSON decoding does; `undefined` gives `{}`. Throws {@link QuantityParseError}.
 */
export function parseResourceList(r: Readonly<Record<string, string | number>> | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [name, raw] of Object.entries(r ?? {})) {
    out[name] = parseQuantity(typeof raw === 'number' ? String(raw) : raw.trim());
  }
  return out;
}

/** The per-resource sum of two lists; a resource present in only one is copied. Inputs are not modified. */
export function addResourceLists(a: Readonly<ResourceList>, b: Readonly<ResourceList>): ResourceList {
  const out: ResourceList = { ...a };
  for (const [name, q] of Object.entries(b)) {
    const existing = Object.hasOwn(out, name) ? out[name] : undefined;
    out[name] = existing === undefined ? q : existing.add(q);
  }
  return out;
}

/** The string form of every quantity, for writing a list back into an API object. */
export function resourceListToStrings(list: Readonly<ResourceList>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, q] of Object.entries(list)) out[name] = q.toString();
  return out;
}
