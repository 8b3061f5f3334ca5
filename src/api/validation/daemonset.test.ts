import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrorString } from '../errors.js';
import { clone, deepFreeze } from '../../util/objects.js';
import { defaultDaemonSet } from '../defaults/index.js';
import {
  PercentErrorMsg,
  validateDaemonSet,
  validateDaemonSetStatusUpdate,
  validateDaemonSetUpdate,
} from './daemonset.js';

/** A valid, defaulted DaemonSet; `edit` mutates a copy before (re)defaulting is skipped. */
function ds(edit?: (d: DaemonSet) => void, opts: { defaulted?: boolean } = {}): DaemonSet {
  const raw: DaemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'fluentd', namespace: 'kube-system', resourceVersion: '5', uid: 'u-1' },
    spec: {
      selector: { matchLabels: { app: 'fluentd' } },
      template: {
        metadata: { labels: { app: 'fluentd' } },
        spec: { containers: [{ name: 'fluentd', image: 'fluentd:v1.16' }] },
      },
    },
  };
  const base = opts.defaulted === false ? clone(raw) : defaultDaemonSet(raw);
  edit?.(base);
  return deepFreeze(base);
}

/** `[type, "field: message"]` pairs: what kubectl shows plus the cause reason. */
function show(errs: readonly FieldError[]): [string, string][] {
  return errs.map((e) => [e.type, fieldErrorString(e)]);
}

function rollingUpdate(d: DaemonSet): NonNullable<NonNullable<DaemonSet['spec']>['updateStrategy']> & {
  rollingUpdate: { maxUnavailable?: number | string; maxSurge?: number | string };
} {
  const s = d.spec!.updateStrategy!;
  s.rollingUpdate ??= {};
  return s as typeof s & { rollingUpdate: { maxUnavailable?: number | string; maxSurge?: number | string } };
}

describe('validateDaemonSet: valid objects', () => {
  it('accepts a defaulted DaemonSet', () => {
    assert.deepEqual(validateDaemonSet(ds()), []);
  });

  it('accepts OnDelete without a rollingUpdate block, and ignores one if present', () => {
    assert.deepEqual(validateDaemonSet(ds((d) => (d.spec!.updateStrategy = { type: 'OnDelete' }))), []);
    assert.deepEqual(
      validateDaemonSet(
        ds(
          (d) =>
            (d.spec!.updateStrategy = {
              type: 'OnDelete',
              rollingUpdate: { maxUnavailable: -5, maxSurge: '500%' },
            }),
        ),
      ),
      [],
    );
  });

  it('accepts surge with an explicit maxUnavailable of 0 or 0%', () => {
    for (const [mu, ms] of [
      [0, 1],
      ['0%', 1],
      [0, '10%'],
      ['0%', '100%'],
    ] as const) {
      const d = ds((x) => {
        rollingUpdate(x).rollingUpdate = { maxUnavailable: mu, maxSurge: ms };
      });
      assert.deepEqual(validateDaemonSet(d), [], `maxUnavailable=${mu} maxSurge=${ms}`);
    }
  });

  it('accepts percentages up to 100% and revisionHistoryLimit 0', () => {
    const d = ds((x) => {
      rollingUpdate(x).rollingUpdate = { maxUnavailable: '100%', maxSurge: 0 };
      x.spec!.revisionHistoryLimit = 0;
      x.spec!.minReadySeconds = 0;
    });
    assert.deepEqual(validateDaemonSet(d), []);
  });

  it('accepts matchExpressions selectors that match the template', () => {
    const d = ds((x) => {
      x.spec!.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['fluentd', 'other'] }] };
    });
    assert.deepEqual(validateDaemonSet(d), []);
  });
});

describe('validateDaemonSet: selector (§1.5 items 1–3)', () => {
  it('reports selector syntax errors at spec.selector', () => {
    const d = ds((x) => {
      x.spec!.selector = {
        matchLabels: { app: 'fluentd' },
        matchExpressions: [
          { key: 'tier', operator: 'In' },
          { key: 'zone', operator: 'Exists', values: ['a'] },
        ],
      };
    });
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueRequired',
        "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      ],
      [
        'FieldValueForbidden',
        "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      ],
    ]);
  });

  it('reports an unknown operator and skips the template match (the selector does not convert)', () => {
    const d = ds((x) => {
      x.spec!.selector = { matchExpressions: [{ key: 'app', operator: 'Foo', values: ['x'] }] };
    });
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueInvalid',
        'spec.selector.matchExpressions[0].operator: Invalid value: "Foo": not a valid selector operator',
      ],
    ]);
  });

  it('reports a bad matchLabels key', () => {
    const d = ds((x) => {
      x.spec!.selector = { matchLabels: { 'bad key': 'fluentd' } };
      x.spec!.template.metadata!.labels = { app: 'fluentd' };
    });
    const errs = validateDaemonSet(d);
    assert.equal(errs[0]?.field, 'spec.selector.matchLabels');
    assert.match(
      errs[0]?.message ?? '',
      /^Invalid value: "bad key": name part must consist of alphanumeric characters/,
    );
  });

  it('rejects a selector that does not match the template labels', () => {
    const d = ds((x) => (x.spec!.selector = { matchLabels: { app: 'other' } }));
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueInvalid',
        'spec.template.metadata.labels: Invalid value: {"app":"fluentd"}: `selector` does not match template `labels`',
      ],
    ]);
  });

  it('a missing selector matches nothing, so it surfaces as the same template-labels error', () => {
    const d = ds((x) => delete (x.spec as Partial<NonNullable<DaemonSet['spec']>>).selector);
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueInvalid',
        'spec.template.metadata.labels: Invalid value: {"app":"fluentd"}: `selector` does not match template `labels`',
      ],
    ]);
  });

  it('a template without labels renders the value as null', () => {
    const d = ds((x) => delete x.spec!.template.metadata!.labels);
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueInvalid',
        'spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`',
      ],
    ]);
  });

  it('rejects an empty selector', () => {
    const d = ds((x) => (x.spec!.selector = {}));
    assert.deepEqual(show(validateDaemonSet(d)), [
      ['FieldValueInvalid', 'spec.selector: Invalid value: {}: empty selector is invalid for daemonset'],
    ]);
  });

  it('treats empty matchLabels and matchExpressions as an empty selector', () => {
    const d = ds((x) => (x.spec!.selector = { matchLabels: {}, matchExpressions: [] }));
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueInvalid',
        'spec.selector: Invalid value: {"matchLabels":{},"matchExpressions":[]}: empty selector is invalid for daemonset',
      ],
    ]);
  });
});

describe('validateDaemonSet: template (§1.5 items 4–6)', () => {
  it('validates the pod template spec under spec.template.spec', () => {
    const d = ds((x) => (x.spec!.template.spec!.containers = []));
    assert.deepEqual(show(validateDaemonSet(d)), [
      ['FieldValueRequired', 'spec.template.spec.containers: Required value'],
    ]);
  });

  it('reports a missing image at its container index', () => {
    const d = defaultDaemonSet(
      ds((x) => x.spec!.template.spec!.containers.push({ name: 'sidecar', image: '' }), { defaulted: false }),
    );
    assert.deepEqual(show(validateDaemonSet(d)), [
      ['FieldValueRequired', 'spec.template.spec.containers[1].image: Required value'],
    ]);
  });

  it('reports template label errors at spec.template.labels (upstream path)', () => {
    const d = ds((x) => {
      x.spec!.template.metadata!.labels = { app: 'fluentd', tier: 'bad value!' };
    });
    const errs = validateDaemonSet(d);
    assert.equal(errs.length, 1);
    assert.equal(errs[0]?.field, 'spec.template.labels');
    assert.match(
      errs[0]?.message ?? '',
      /^Invalid value: "bad value!": a valid label must be an empty string/,
    );
  });

  it('only allows restartPolicy Always', () => {
    for (const policy of ['Never', 'OnFailure']) {
      const d = ds((x) => (x.spec!.template.spec!.restartPolicy = policy));
      assert.deepEqual(show(validateDaemonSet(d)), [
        [
          'FieldValueNotSupported',
          `spec.template.spec.restartPolicy: Unsupported value: "${policy}": supported values: "Always"`,
        ],
      ]);
    }
  });

  it('an unknown restartPolicy fails both the pod-spec and the DaemonSet rule', () => {
    const d = ds((x) => (x.spec!.template.spec!.restartPolicy = 'Sometimes'));
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueNotSupported',
        'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      ],
      [
        'FieldValueNotSupported',
        'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always"',
      ],
    ]);
  });

  it('forbids activeDeadlineSeconds', () => {
    const d = ds((x) => (x.spec!.template.spec!.activeDeadlineSeconds = 30));
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueForbidden',
        'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported',
      ],
    ]);
  });
});

describe('validateDaemonSet: numeric fields (§1.5 item 7)', () => {
  it('minReadySeconds must be ≥ 0', () => {
    const d = ds((x) => (x.spec!.minReadySeconds = -1));
    assert.deepEqual(show(validateDaemonSet(d)), [
      ['FieldValueInvalid', 'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0'],
    ]);
  });

  it('revisionHistoryLimit must be ≥ 0 when set', () => {
    const d = ds((x) => (x.spec!.revisionHistoryLimit = -3));
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueInvalid',
        'spec.revisionHistoryLimit: Invalid value: -3: must be greater than or equal to 0',
      ],
    ]);
  });

  it('the template generation (annotation) must be ≥ 0', () => {
    const d = ds((x) => (x.metadata!.annotations = { 'deprecated.daemonset.template.generation': '-1' }));
    assert.deepEqual(show(validateDaemonSet(d)), [
      ['FieldValueInvalid', 'spec.templateGeneration: Invalid value: -1: must be greater than or equal to 0'],
    ]);
  });

  it('a template generation annotation that is not an integer is reported alone (conversion failure)', () => {
    const d = ds((x) => {
      x.metadata!.annotations = { 'deprecated.daemonset.template.generation': 'two' };
      x.spec!.minReadySeconds = -1;
    });
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueInvalid',
        'metadata.annotations[deprecated.daemonset.template.generation]: Invalid value: "two": strconv.ParseInt: parsing "two": invalid syntax',
      ],
    ]);
    for (const ok of ['1', '+7', '0']) {
      const good = ds((x) => (x.metadata!.annotations = { 'deprecated.daemonset.template.generation': ok }));
      assert.deepEqual(validateDaemonSet(good), [], ok);
    }
  });
});

describe('validateDaemonSet: updateStrategy (§1.5 item 8)', () => {
  it('rejects an unknown strategy type', () => {
    const d = ds((x) => (x.spec!.updateStrategy = { type: 'Foo' }));
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueNotSupported',
        'spec.updateStrategy: Unsupported value: "Foo": supported values: "OnDelete", "RollingUpdate"',
      ],
    ]);
  });

  it('RollingUpdate needs a rollingUpdate block (only reachable without defaulting)', () => {
    const d = ds((x) => (x.spec!.updateStrategy = { type: 'RollingUpdate' }));
    assert.deepEqual(show(validateDaemonSet(d)), [
      ['FieldValueRequired', 'spec.updateStrategy.rollingUpdate: Required value'],
    ]);
  });

  it('negative ints are rejected', () => {
    const d = ds((x) => {
      rollingUpdate(x).rollingUpdate = { maxUnavailable: -1, maxSurge: 0 };
    });
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueInvalid',
        'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0',
      ],
    ]);
    const s = ds((x) => {
      rollingUpdate(x).rollingUpdate = { maxUnavailable: 0, maxSurge: -2 };
    });
    assert.deepEqual(show(validateDaemonSet(s)), [
      [
        'FieldValueInvalid',
        'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: -2: must be greater than or equal to 0',
      ],
    ]);
  });

  it('strings must be percentages; a non-numeric string counts as zero', () => {
    const d = ds((x) => {
      rollingUpdate(x).rollingUpdate = { maxUnavailable: 'abc', maxSurge: 0 };
    });
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueInvalid',
        `spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: abc: ${PercentErrorMsg}`,
      ],
      [
        'FieldValueRequired',
        'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
      ],
    ]);
    assert.equal(
      PercentErrorMsg,
      "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    );
  });

  it('a numeric string without % fails the percent rule but still counts with its value', () => {
    const d = ds((x) => {
      rollingUpdate(x).rollingUpdate = { maxUnavailable: '5', maxSurge: 0 };
    });
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueInvalid',
        `spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 5: ${PercentErrorMsg}`,
      ],
    ]);
  });

  it('percentages above 100% are rejected', () => {
    const d = ds((x) => {
      rollingUpdate(x).rollingUpdate = { maxUnavailable: '150%', maxSurge: 0 };
    });
    assert.deepEqual(show(validateDaemonSet(d)), [
      [
        'FieldValueInvalid',
        'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 150%: must not be greater than 100%',
      ],
    ]);
    const s = ds((x) => {
      rollingUpdate(x).rollingUpdate = { maxUnavailable: 0, maxSurge: '101%' };
    });
    assert.deepEqual(show(validateDaemonSet(s)), [
      [
        'FieldValueInvalid',
        'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 101%: must not be greater than 100%',
      ],
    ]);
  });

  it('maxSurge may not be set when maxUnavailable is non-zero', () => {
    for (const [mu, ms, shown] of [
      [1, 1, '1'],
      ['20%', 2, '2'],
      [1, '10%', '10%'],
    ] as const) {
      const d = ds((x) => {
        rollingUpdate(x).rollingUpdate = { maxUnavailable: mu, maxSurge: ms };
      });
      assert.deepEqual(show(validateDaemonSet(d)), [
        [
          'FieldValueInvalid',
          `spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: ${shown}: may not be set when maxUnavailable is non-zero`,
        ],
      ]);
    }
  });

  it('both zero (ints, percents or missing) is Required at maxUnavailable', () => {
    for (const ru of [{ maxUnavailable: 0, maxSurge: 0 }, { maxUnavailable: '0%', maxSurge: '0%' }, {}]) {
      const d = ds((x) => {
        rollingUpdate(x).rollingUpdate = ru;
      });
      assert.deepEqual(show(validateDaemonSet(d)), [
        [
          'FieldValueRequired',
          'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
        ],
      ]);
    }
  });

  it('writing only maxSurge: 1 is rejected, because maxUnavailable defaults to 1', () => {
    const d = ds(
      (x) => {
        x.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } };
      },
      { defaulted: false },
    );
    const defaulted = defaultDaemonSet(d);
    assert.deepEqual(defaulted.spec?.updateStrategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 1 },
    });
    assert.deepEqual(show(validateDaemonSet(defaulted)), [
      [
        'FieldValueInvalid',
        'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
      ],
    ]);
  });
});

describe('validateDaemonSet: metadata (§1.5 item 11)', () => {
  it('checks the name and requires a namespace', () => {
    const d = ds((x) => {
      x.metadata!.name = 'Bad_Name';
      delete x.metadata!.namespace;
    });
    const errs = show(validateDaemonSet(d));
    assert.equal(errs.length, 2);
    assert.equal(errs[0]?.[0], 'FieldValueInvalid');
    assert.match(
      errs[0]?.[1] ?? '',
      /^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/,
    );
    assert.deepEqual(errs[1], ['FieldValueRequired', 'metadata.namespace: Required value']);
  });
});

describe('validateDaemonSetUpdate', () => {
  const annotated = (gen: string, edit?: (d: DaemonSet) => void): DaemonSet =>
    ds((x) => {
      x.metadata!.annotations = { 'deprecated.daemonset.template.generation': gen };
      edit?.(x);
    });

  it('accepts an unchanged object and a template change with a bumped generation', () => {
    const old = annotated('1');
    assert.deepEqual(validateDaemonSetUpdate(annotated('1'), old), []);
    const changed = annotated('2', (x) => (x.spec!.template.spec!.containers[0]!.image = 'fluentd:v1.17'));
    assert.deepEqual(validateDaemonSetUpdate(changed, old), []);
  });

  it('the selector is immutable (semantic comparison)', () => {
    const old = ds();
    const changed = ds((x) => {
      x.spec!.selector = { matchLabels: { app: 'fluentd', tier: 'logs' } };
      x.spec!.template.metadata!.labels = { app: 'fluentd', tier: 'logs' };
    });
    assert.deepEqual(show(validateDaemonSetUpdate(changed, old)), [
      [
        'FieldValueInvalid',
        'spec.selector: Invalid value: {"matchLabels":{"app":"fluentd","tier":"logs"}}: field is immutable',
      ],
    ]);
    const same = ds((x) => (x.spec!.selector = { matchLabels: { app: 'fluentd' }, matchExpressions: [] }));
    assert.deepEqual(validateDaemonSetUpdate(same, old), []);
  });

  it('templateGeneration must not decrease', () => {
    assert.deepEqual(show(validateDaemonSetUpdate(annotated('1'), annotated('3'))), [
      ['FieldValueInvalid', 'spec.templateGeneration: Invalid value: 1: must not be decremented'],
    ]);
  });

  it('templateGeneration must grow with the template, and only then', () => {
    const old = annotated('1');
    const changedSameGen = annotated(
      '1',
      (x) => (x.spec!.template.spec!.containers[0]!.image = 'fluentd:v2'),
    );
    assert.deepEqual(show(validateDaemonSetUpdate(changedSameGen, old)), [
      [
        'FieldValueInvalid',
        'spec.templateGeneration: Invalid value: 1: must be incremented upon template update',
      ],
    ]);
    assert.deepEqual(show(validateDaemonSetUpdate(annotated('2'), old)), [
      [
        'FieldValueInvalid',
        'spec.templateGeneration: Invalid value: 2: must not be incremented without template update',
      ],
    ]);
  });

  it('metadata update rules apply (name immutable)', () => {
    const changed = ds((x) => (x.metadata!.name = 'other'));
    assert.deepEqual(show(validateDaemonSetUpdate(changed, ds())), [
      ['FieldValueInvalid', 'metadata.name: Invalid value: "other": field is immutable'],
    ]);
  });

  it('re-validates the spec without duplicating errors', () => {
    const bad = ds((x) => (x.spec!.minReadySeconds = -1));
    assert.deepEqual(show(validateDaemonSetUpdate(bad, ds())), [
      ['FieldValueInvalid', 'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0'],
    ]);
  });

  it('tolerates invalid selector label values when the old object already had them', () => {
    const sel = { matchExpressions: [{ key: 'app', operator: 'In', values: ['fluentd', 'bad value!'] }] };
    const old = ds((x) => (x.spec!.selector = sel));
    assert.ok(validateDaemonSet(old).length > 0);
    assert.deepEqual(
      validateDaemonSetUpdate(
        ds((x) => (x.spec!.selector = sel)),
        old,
      ),
      [],
    );
  });
});

describe('validateDaemonSetStatusUpdate (§1.6)', () => {
  const withStatus = (status: NonNullable<DaemonSet['status']>): DaemonSet =>
    ds((x) => ((x as { status?: DaemonSet['status'] }).status = status));
  const base = {
    currentNumberScheduled: 2,
    numberMisscheduled: 0,
    desiredNumberScheduled: 2,
    numberReady: 2,
  };

  it('accepts non-negative counters', () => {
    assert.deepEqual(
      validateDaemonSetStatusUpdate(
        withStatus({ ...base, observedGeneration: 3, collisionCount: 1 }),
        withStatus(base),
      ),
      [],
    );
  });

  it('every counter must be ≥ 0', () => {
    const fields = [
      'currentNumberScheduled',
      'numberMisscheduled',
      'desiredNumberScheduled',
      'numberReady',
      'observedGeneration',
      'updatedNumberScheduled',
      'numberAvailable',
      'numberUnavailable',
      'collisionCount',
    ] as const;
    for (const f of fields) {
      const errs = validateDaemonSetStatusUpdate(withStatus({ ...base, [f]: -1 }), withStatus(base));
      assert.deepEqual(
        show(errs),
        [['FieldValueInvalid', `status.${f}: Invalid value: -1: must be greater than or equal to 0`]],
        f,
      );
    }
  });

  it('collisionCount cannot be decremented or cleared', () => {
    const old = withStatus({ ...base, collisionCount: 2 });
    assert.deepEqual(show(validateDaemonSetStatusUpdate(withStatus({ ...base, collisionCount: 1 }), old)), [
      ['FieldValueInvalid', 'status.collisionCount: Invalid value: 1: cannot be decremented'],
    ]);
    assert.deepEqual(show(validateDaemonSetStatusUpdate(withStatus(base), old)), [
      ['FieldValueInvalid', 'status.collisionCount: Invalid value: 0: cannot be decremented'],
    ]);
    assert.deepEqual(validateDaemonSetStatusUpdate(withStatus({ ...base, collisionCount: 3 }), old), []);
  });

  it('applies metadata update rules', () => {
    const n = ds((x) => ((x.metadata as { uid?: string }).uid = 'u-2'));
    assert.deepEqual(show(validateDaemonSetStatusUpdate(n, ds())), [
      ['FieldValueInvalid', 'metadata.uid: Invalid value: "u-2": field is immutable'],
    ]);
  });
});
