import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  QUANTITY_FORMAT_ERROR,
  QUANTITY_SUFFIX_ERROR,
  Quantity,
  QuantityParseError,
  addResourceLists,
  parseQuantity,
  parseResourceList,
  quantityFromInt,
  quantityFromMilli,
  resourceListToStrings,
} from './quantity.js';

void describe('parseQuantity', () => {
  void it('parses exact values in nano-units', () => {
    const cases: [string, bigint][] = [
      ['0', 0n],
      ['1', 1_000_000_000n],
      ['100m', 100_000_000n],
      ['1.5Gi', 1_610_612_736n * 1_000_000_000n],
      ['500Mi', 524_288_000n * 1_000_000_000n],
      ['2e3', 2_000n * 1_000_000_000n],
      ['1E3', 1_000n * 1_000_000_000n],
      ['1k', 1_000n * 1_000_000_000n],
      ['1E', 10n ** 27n],
      ['-1', -1_000_000_000n],
      ['+5', 5_000_000_000n],
      ['0.1', 100_000_000n],
      ['.5', 500_000_000n],
      ['1n', 1n],
      ['1u', 1_000n],
      ['12e-1', 1_200_000_000n],
      ['1e+3', 1_000n * 1_000_000_000n],
      ['0.5Ki', 512n * 1_000_000_000n],
    ];
    for (const [input, nanos] of cases) assert.equal(parseQuantity(input).nanos, nanos, input);
  });

  void it('rounds values finer than a nano-unit up, away from zero', () => {
    const cases: [string, bigint][] = [
      ['0.1n', 1n],
      ['-0.1n', -1n],
      ['0.0000000001', 1n],
      ['1.0000000001', 1_000_000_001n],
      ['-1.0000000001', -1_000_000_001n],
      ['1e-20', 1n],
      ['0.00000000000', 0n],
    ];
    for (const [input, nanos] of cases) assert.equal(parseQuantity(input).nanos, nanos, input);
  });

  void it('keeps huge values exact instead of overflowing int64', () => {
    const big = parseQuantity('123456789012345678901234567890');
    assert.equal(big.value(), 123456789012345678901234567890n);
    assert.equal(big.toString(), '123456789012345678901234567890');
    const eight = parseQuantity('8Ei');
    assert.equal(eight.value(), 8n * 2n ** 60n);
    assert.equal(eight.add(eight).toString(), '16Ei');
    assert.equal(parseQuantity('1000E').value(), 10n ** 21n);
  });

  void it('rejects malformed input with upstream messages', () => {
    const format = ['', ' 1', '1 ', '1.1.M', '1+1.0M', 'aoeu', '1MiB', '1e3Ki', '0.1am'];
    for (const s of format)
      assert.throws(
        () => parseQuantity(s),
        { name: 'QuantityParseError', message: QUANTITY_FORMAT_ERROR },
        s,
      );
    const suffix = ['1K', '1i', '0.1mi', '.5i', '-3.01i', '-3.01e-', '1e', '1ee3', '--1'];
    for (const s of suffix)
      assert.throws(
        () => parseQuantity(s),
        { name: 'QuantityParseError', message: QUANTITY_SUFFIX_ERROR },
        s,
      );
    assert.ok(
      QUANTITY_FORMAT_ERROR.startsWith("quantities must match the regular expression '^([+-]?[0-9.]+)"),
    );
    assert.throws(() => parseQuantity('1e99999'), QuantityParseError);
  });

  void it('remembers the format family of the suffix', () => {
    const cases: [string, string][] = [
      ['1Ki', 'BinarySI'],
      ['1.5Gi', 'BinarySI'],
      ['1k', 'DecimalSI'],
      ['100m', 'DecimalSI'],
      ['5', 'DecimalSI'],
      ['1e3', 'DecimalExponent'],
      ['1E', 'DecimalSI'],
      ['0.5Ki', 'BinarySI'],
      ['0.0001Ki', 'DecimalSI'],
    ];
    for (const [input, format] of cases) assert.equal(parseQuantity(input).format, format, input);
  });
});

void describe('Quantity.toString', () => {
  void it('prints the canonical form in the parsed family', () => {
    const cases: [string, string][] = [
      ['1.5Gi', '1536Mi'],
      ['-1.5Gi', '-1536Mi'],
      ['1024Ki', '1Mi'],
      ['1536Ki', '1536Ki'],
      ['8Gi', '8Gi'],
      ['0.5Ki', '512'],
      ['1.5Ki', '1536'],
      ['1000m', '1'],
      ['0.5', '500m'],
      ['0.1', '100m'],
      ['1.5', '1500m'],
      ['1.0', '1'],
      ['2000', '2k'],
      ['1500', '1500'],
      ['10', '10'],
      ['0.000000001', '1n'],
      ['0.1n', '1n'],
      ['12e-1', '1200e-3'],
      ['1000e0', '1e3'],
      ['2e3', '2e3'],
      ['1k', '1k'],
      ['100m', '100m'],
      ['500Mi', '500Mi'],
      ['0.00', '0'],
      ['-0', '0'],
    ];
    for (const [input, want] of cases) assert.equal(parseQuantity(input).toString(), want, input);
  });

  void it('reuses the input spelling exactly where upstream does', () => {
    assert.equal(parseQuantity('+5').toString(), '+5');
    assert.equal(parseQuantity('1E3').toString(), '1E3');
    assert.equal(parseQuantity('1e+3').toString(), '1e+3');
    // Arithmetic drops the spelling and canonicalizes.
    assert.equal(parseQuantity('+5').add(parseQuantity('0')).toString(), '5');
    assert.equal(parseQuantity('1E3').add(parseQuantity('1E3')).toString(), '2e3');
  });

  void it('serializes to JSON as the string form', () => {
    assert.equal(JSON.stringify({ cpu: parseQuantity('1.5') }), '{"cpu":"1500m"}');
  });
});

void describe('Quantity arithmetic and accessors', () => {
  void it('adds and subtracts exactly, keeping the left format unless it is zero', () => {
    const sum = parseQuantity('1Gi').add(parseQuantity('512Mi'));
    assert.equal(sum.toString(), '1536Mi');
    assert.equal(sum.format, 'BinarySI');
    assert.equal(parseQuantity('100m').add(parseQuantity('200m')).toString(), '300m');
    assert.equal(parseQuantity('1').sub(parseQuantity('1500m')).toString(), '-500m');
    assert.equal(parseQuantity('0').add(parseQuantity('1Ki')).toString(), '1Ki');
    assert.equal(parseQuantity('1k').add(parseQuantity('24')).toString(), '1024');
    assert.equal(parseQuantity('0.1').add(parseQuantity('0.2')).cmp(parseQuantity('0.3')), 0);
    assert.equal(parseQuantity('2Gi').neg().toString(), '-2Gi');
  });

  void it('compares and reports sign and zero', () => {
    assert.equal(parseQuantity('1Gi').cmp(parseQuantity('1G')), 1);
    assert.equal(parseQuantity('1000m').cmp(parseQuantity('1')), 0);
    assert.equal(parseQuantity('-1').cmp(parseQuantity('0')), -1);
    assert.equal(parseQuantity('-1m').sign(), -1);
    assert.equal(parseQuantity('0Ki').sign(), 0);
    assert.equal(parseQuantity('1n').sign(), 1);
    assert.ok(parseQuantity('0.0').isZero());
    assert.ok(!parseQuantity('1n').isZero());
  });

  void it('rounds value() and milliValue() away from zero', () => {
    const cases: [string, bigint, bigint][] = [
      ['1', 1n, 1000n],
      ['1.1', 2n, 1100n],
      ['-1.1', -2n, -1100n],
      ['100m', 1n, 100n],
      ['1.0001', 2n, 1001n],
      ['1n', 1n, 1n],
      ['-1n', -1n, -1n],
      ['1Ki', 1024n, 1_024_000n],
      ['0', 0n, 0n],
    ];
    for (const [input, value, milli] of cases) {
      assert.equal(parseQuantity(input).value(), value, `${input} value`);
      assert.equal(parseQuantity(input).milliValue(), milli, `${input} milli`);
    }
  });

  void it('converts to a number', () => {
    assert.equal(parseQuantity('1500m').toNumber(), 1.5);
    assert.equal(parseQuantity('-250m').toNumber(), -0.25);
    assert.equal(parseQuantity('1Gi').toNumber(), 1073741824);
  });
});

void describe('quantity constructors', () => {
  void it('builds from milli and whole values like NewMilliQuantity/NewQuantity', () => {
    assert.equal(quantityFromMilli(1500).toString(), '1500m');
    assert.equal(quantityFromMilli(2000).toString(), '2');
    assert.equal(quantityFromMilli(-250n).toString(), '-250m');
    assert.equal(quantityFromInt(1024, 'BinarySI').toString(), '1Ki');
    assert.equal(quantityFromInt(1000, 'BinarySI').toString(), '1k');
    assert.equal(quantityFromInt(3 * 1024 ** 3, 'BinarySI').toString(), '3Gi');
    assert.equal(quantityFromInt(5).toString(), '5');
    assert.equal(quantityFromInt(1000, 'DecimalExponent').toString(), '1e3');
    assert.equal(Quantity.fromNanos(1n).toString(), '1n');
    assert.throws(() => quantityFromMilli(1.5), RangeError);
  });
});

void describe('resource lists', () => {
  void it('parses, trims and accepts JSON numbers', () => {
    const list = parseResourceList({ cpu: ' 250m ', memory: '64Mi', pods: 110 });
    assert.deepEqual(resourceListToStrings(list), { cpu: '250m', memory: '64Mi', pods: '110' });
    assert.deepEqual(parseResourceList(undefined), {});
    assert.throws(() => parseResourceList({ cpu: 'lots' }), { message: QUANTITY_FORMAT_ERROR });
  });

  void it('sums per resource without touching the inputs', () => {
    const a = parseResourceList({ cpu: '250m', memory: '64Mi' });
    const b = parseResourceList({ cpu: '750m', 'nvidia.com/gpu': '1' });
    const sum = addResourceLists(a, b);
    assert.deepEqual(resourceListToStrings(sum), { cpu: '1', memory: '64Mi', 'nvidia.com/gpu': '1' });
    assert.deepEqual(resourceListToStrings(a), { cpu: '250m', memory: '64Mi' });
    assert.deepEqual(resourceListToStrings(addResourceLists({}, {})), {});
  });
});
