import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from './errors.js';
import {
  everything,
  formatLabelSelector,
  labelSelectorAsSelector,
  labelsToString,
  newRequirement,
  nothing,
  parseSelector,
  requirementMatches,
  selectorFromSet,
  validateLabelSelector,
} from './labels.js';

void describe('parseSelector', () => {
  void it('renders parsed selectors canonically: sorted by key, set values sorted and deduplicated', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['   ', ''],
      ['a=b', 'a=b'],
      ['a==b', 'a==b'],
      ['a!=b', 'a!=b'],
      ['a=', 'a='],
      ['a==', 'a=='],
      [' a = b , c != d ', 'a=b,c!=d'],
      ['!h,g,f notin (z),e in (y,x),c!=d,a=b', 'a=b,c!=d,e in (x,y),f notin (z),g,!h'],
      ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
      ['a in (b,b,a)', 'a in (a,b)'],
      ['a in (,)', 'a in ()'],
      ['a in (b,)', 'a in (,b)'],
      ['in in (in,notin)', 'in in (in,notin)'],
      ['a=in', 'a=in'],
      ['a>5,b<10', 'a>5,b<10'],
      ['example.com/app=web', 'example.com/app=web'],
      ['z=1,a=2,z=3', 'a=2,z=1,z=3'],
    ];
    for (const [input, want] of cases) assert.equal(parseSelector(input).toString(), want, input);
  });

  void it('treats the empty string as everything', () => {
    const s = parseSelector('');
    assert.ok(s.isEverything());
    assert.ok(!s.isNothing());
    assert.ok(s.matches(undefined));
    assert.ok(s.matches({ any: 'thing' }));
  });

  void it('matches with upstream semantics, including absent keys for != and notin', () => {
    const cases: [string, Record<string, string> | undefined, boolean][] = [
      ['a=b', { a: 'b' }, true],
      ['a=b', { a: 'c' }, false],
      ['a=b', {}, false],
      ['a==b', { a: 'b', x: 'y' }, true],
      ['a!=b', { a: 'c' }, true],
      ['a!=b', { a: 'b' }, false],
      ['a!=b', {}, true],
      ['a!=b', undefined, true],
      ['a in (x,y)', { a: 'y' }, true],
      ['a in (x,y)', { a: 'z' }, false],
      ['a in (x,y)', {}, false],
      ['a notin (z)', { a: 'y' }, true],
      ['a notin (z)', { a: 'z' }, false],
      ['a notin (z)', {}, true],
      ['a', { a: '' }, true],
      ['a', { b: 'a' }, false],
      ['!a', {}, true],
      ['!a', { a: 'x' }, false],
      ['a=', { a: '' }, true],
      ['a=', {}, false],
      ['a in ()', { a: '' }, true],
      ['a=b,c=d', { a: 'b', c: 'd' }, true],
      ['a=b,c=d', { a: 'b', c: 'x' }, false],
      ['n>5', { n: '6' }, true],
      ['n>5', { n: '5' }, false],
      ['n>5', { n: 'six' }, false],
      ['n>5', {}, false],
      ['n<5', { n: '-9223372036854775808' }, true],
      ['n<5', { n: '9223372036854775808' }, false],
      ['constructor', {}, false],
      ['toString=x', {}, false],
    ];
    for (const [sel, labels, want] of cases)
      assert.equal(parseSelector(sel).matches(labels), want, `${sel} on ${JSON.stringify(labels)}`);
  });

  void it('rejects malformed selectors with upstream messages', () => {
    const cases: [string, string][] = [
      ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
      ['a!b', "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"],
      ['a=b c', "found 'c', expected: ',' or 'end of string'"],
      ['!a=b', "found '=', expected: ',' or 'end of string'"],
      ['a,', "found '', expected: identifier after ','"],
      [',a', "found ',', expected: !, identifier, or 'end of string'"],
      ['!', "unable to parse requirement: found '', expected: identifier"],
      ['a===b', "unable to parse requirement: found '=', expected: identifier"],
      ['a=(b)', "unable to parse requirement: found '(', expected: identifier"],
      ['a in x', "unable to parse requirement: found 'x' expected: '('"],
      ['a in (x', "unable to parse requirement: found '', expected: ',' or ')'"],
      ['a notin (x y)', "unable to parse requirement: found 'y', expected: ',' or ')'"],
      ['a in (x,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
      [
        'a>qa',
        `unable to parse requirement: values[0]: Invalid value: "qa": for 'Gt', 'Lt' operators, the value must be an integer`,
      ],
    ];
    for (const [input, message] of cases)
      assert.throws(() => parseSelector(input), { name: 'BadRequestError', message }, input);
  });

  void it('validates keys (with a <nil> path, as upstream) and values', () => {
    assert.throws(
      () => parseSelector('app:monolith'),
      (err: unknown) =>
        err instanceof BadRequestError &&
        err.code === 400 &&
        err.message.startsWith(
          'unable to parse requirement: <nil>: Invalid value: "app:monolith": name part must consist',
        ),
    );
    assert.throws(
      () => parseSelector('a=b/c'),
      (err: unknown) =>
        err instanceof BadRequestError &&
        err.message.startsWith(
          'unable to parse requirement: values[0][a]: Invalid value: "b/c": a valid label must',
        ),
    );
    assert.throws(() => parseSelector(`a=${'x'.repeat(64)}`), /must be no more than 63 characters/);
    assert.throws(() => parseSelector('a/b/c=d'), /<nil>: Invalid value: "a\/b\/c"/);
  });

  void it('exposes requirements sorted by key with parsed operators and values', () => {
    const s = parseSelector('z notin (b,a),a=1,m,!n');
    assert.deepEqual(
      s.requirements.map((r) => [r.key, r.operator, [...r.values]]),
      [
        ['a', '=', ['1']],
        ['m', 'Exists', []],
        ['n', 'DoesNotExist', []],
        ['z', 'NotIn', ['a', 'b']],
      ],
    );
  });
});

void describe('everything and nothing', () => {
  void it('differ in matching and in isNothing but both print as the empty string', () => {
    assert.ok(everything().matches({}));
    assert.ok(everything().isEverything());
    assert.ok(!nothing().matches({}));
    assert.ok(!nothing().matches({ a: 'b' }));
    assert.ok(nothing().isNothing());
    assert.ok(!nothing().isEverything());
    assert.equal(nothing().toString(), '');
    assert.equal(everything().toString(), '');
  });
});

void describe('newRequirement and requirementMatches', () => {
  void it('aggregates several problems in brackets, as upstream', () => {
    assert.throws(() => newRequirement('a b', 'In', []), {
      message:
        /^\[key: Invalid value: "a b": .*, values: Invalid value: \[\]string\{\}: for 'in', 'notin' operators, values set can't be empty\]$/,
    });
  });

  void it('uses the given path for field paths', () => {
    assert.throws(() => newRequirement('k', 'Gt', ['1', '2'], 'spec.x[0]'), {
      message: `spec.x[0].values: Invalid value: []string{"1", "2"}: for 'Gt', 'Lt' operators, exactly one value is required`,
    });
  });

  void it('never matches Gt/Lt requirements with a non-integer bound', () => {
    assert.equal(requirementMatches({ key: 'n', operator: 'Gt', values: ['x'] }, { n: '5' }), false);
    assert.equal(requirementMatches({ key: 'n', operator: 'Lt', values: ['1', '9'] }, { n: '5' }), false);
  });
});

void describe('selectorFromSet', () => {
  void it('requires every entry and prints sorted', () => {
    const s = selectorFromSet({ zone: 'a', disk: 'ssd' });
    assert.equal(s.toString(), 'disk=ssd,zone=a');
    assert.ok(s.matches({ zone: 'a', disk: 'ssd', extra: '1' }));
    assert.ok(!s.matches({ zone: 'a' }));
    assert.ok(selectorFromSet({}).isEverything());
    assert.ok(selectorFromSet(undefined).isEverything());
  });
});

void describe('labelSelectorAsSelector', () => {
  void it('maps nil to nothing and {} to everything', () => {
    assert.ok(labelSelectorAsSelector(undefined).isNothing());
    assert.ok(labelSelectorAsSelector(null).isNothing());
    assert.ok(labelSelectorAsSelector({}).isEverything());
    assert.ok(labelSelectorAsSelector({ matchLabels: {}, matchExpressions: [] }).isEverything());
  });

  void it('combines matchLabels and matchExpressions', () => {
    const s = labelSelectorAsSelector({
      matchLabels: { b: '2', a: '1' },
      matchExpressions: [
        { key: 'c', operator: 'NotIn', values: ['z', 'y'] },
        { key: 'd', operator: 'Exists' },
        { key: 'e', operator: 'DoesNotExist', values: [] },
        { key: 'f', operator: 'In', values: ['x'] },
      ],
    });
    assert.equal(s.toString(), 'a=1,b=2,c notin (y,z),d,!e,f in (x)');
    assert.ok(s.matches({ a: '1', b: '2', d: '', f: 'x' }));
    assert.ok(!s.matches({ a: '1', b: '2', d: '', f: 'x', e: '' }));
    assert.ok(!s.matches({ a: '1', b: '2', d: '', f: 'x', c: 'y' }));
  });

  void it('rejects bad operators and value sets with upstream messages', () => {
    const cases: [Parameters<typeof labelSelectorAsSelector>[0], string | RegExp][] = [
      [{ matchExpressions: [{ key: 'a', operator: 'Foo' }] }, '"Foo" is not a valid label selector operator'],
      [
        { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] },
        '"Gt" is not a valid label selector operator',
      ],
      [
        { matchExpressions: [{ key: 'a', operator: 'In' }] },
        "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
      ],
      [
        { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] },
        "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
      ],
      [
        { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
        'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
      ],
      [{ matchLabels: { 'a b': 'c' } }, /^key: Invalid value: "a b": name part must consist/],
      [{ matchLabels: { a: 'b c' } }, /^values\[0\]\[a\]: Invalid value: "b c": a valid label must/],
    ];
    for (const [ls, message] of cases)
      assert.throws(
        () => labelSelectorAsSelector(ls),
        { name: 'BadRequestError', message },
        JSON.stringify(ls),
      );
  });
});

void describe('formatLabelSelector', () => {
  void it('prints <none>, <error> or the selector string', () => {
    assert.equal(formatLabelSelector(undefined), '<none>');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(formatLabelSelector({ matchLabels: { app: 'web', tier: 'fe' } }), 'app=web,tier=fe');
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), '<error>');
    assert.equal(
      formatLabelSelector({
        matchLabels: { app: 'x' },
        matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }],
      }),
      'app=x,env in (dev,prod)',
    );
  });
});

void describe('labelsToString', () => {
  void it('sorts by key and prints <none> when empty', () => {
    assert.equal(labelsToString({ zone: 'a', 'kubernetes.io/os': 'linux' }), 'kubernetes.io/os=linux,zone=a');
    assert.equal(labelsToString({}), '<none>');
    assert.equal(labelsToString(undefined), '<none>');
    assert.equal(labelsToString({ a: '' }), 'a=');
  });
});

void describe('validateLabelSelector', () => {
  void it('accepts valid selectors and undefined', () => {
    assert.deepEqual(validateLabelSelector(undefined, 'spec.selector'), []);
    assert.deepEqual(
      validateLabelSelector(
        { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] },
        'spec.selector',
      ),
      [],
    );
  });

  void it('reports each problem at upstream paths with upstream types and messages', () => {
    const errs = validateLabelSelector(
      {
        matchLabels: { 'a b': 'ok' },
        matchExpressions: [
          { key: 'a', operator: 'Foo' },
          { key: 'b', operator: 'In' },
          { key: 'c', operator: 'Exists', values: ['x'] },
          { key: '-bad', operator: 'NotIn', values: ['ok', 'not ok'] },
        ],
      },
      'spec.selector',
    );
    assert.deepEqual(
      errs.map((e) => [e.type, e.field]),
      [
        ['FieldValueInvalid', 'spec.selector.matchLabels'],
        ['FieldValueInvalid', 'spec.selector.matchExpressions[0].operator'],
        ['FieldValueRequired', 'spec.selector.matchExpressions[1].values'],
        ['FieldValueForbidden', 'spec.selector.matchExpressions[2].values'],
        ['FieldValueInvalid', 'spec.selector.matchExpressions[3].key'],
        ['FieldValueInvalid', 'spec.selector.matchExpressions[3].values[1]'],
      ],
    );
    assert.equal(errs[1]?.message, 'Invalid value: "Foo": not a valid selector operator');
    assert.equal(errs[2]?.message, "Required value: must be specified when `operator` is 'In' or 'NotIn'");
    assert.equal(
      errs[3]?.message,
      "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    );
  });

  void it('checks matchLabels values and can skip expression values when allowed', () => {
    const bad = {
      matchLabels: { app: 'not ok' },
      matchExpressions: [{ key: 'k', operator: 'In', values: ['a b'] }],
    };
    assert.deepEqual(
      validateLabelSelector(bad, 'spec.selector').map((e) => e.field),
      ['spec.selector.matchLabels', 'spec.selector.matchExpressions[0].values[0]'],
    );
    assert.deepEqual(
      validateLabelSelector(bad, 'spec.selector', { allowInvalidLabelValueInSelector: true }).map(
        (e) => e.field,
      ),
      ['spec.selector.matchLabels'],
    );
  });
});
