import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Event, Namespace } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrorString } from '../errors.js';
import {
  validateControllerRevision,
  validateControllerRevisionUpdate,
  validateEvent,
  validateLease,
  validateLeaseUpdate,
  validateNamespace,
  validateNamespaceStatusUpdate,
  validatePriorityClass,
  validatePriorityClassUpdate,
} from './other.js';

function show(errs: readonly FieldError[]): [string, string][] {
  return errs.map((e) => [e.type, fieldErrorString(e)]);
}

describe('validateNamespace', () => {
  const ns = (name: string, finalizers?: string[]): Namespace => ({
    metadata: { name },
    ...(finalizers ? { spec: { finalizers } } : {}),
  });

  it('accepts a DNS-1123 label name and the kubernetes finalizer', () => {
    assert.deepEqual(validateNamespace(ns('kube-system', ['kubernetes'])), []);
  });

  it('rejects names that are not DNS-1123 labels', () => {
    const errs = show(validateNamespace(ns('my.ns')));
    assert.equal(errs.length, 1);
    assert.match(
      errs[0]?.[1] ?? '',
      /^metadata\.name: Invalid value: "my\.ns": a lowercase RFC 1123 label must consist of/,
    );
  });

  it('rejects unqualified non-standard finalizers at spec.finalizers', () => {
    assert.deepEqual(show(validateNamespace(ns('a', ['custom']))), [
      [
        'FieldValueInvalid',
        'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
      ],
    ]);
  });

  it('status: phase must follow deletionTimestamp', () => {
    const active: Namespace = { metadata: { name: 'a' }, status: { phase: 'Active' } };
    assert.deepEqual(validateNamespaceStatusUpdate(active, active), []);
    assert.deepEqual(
      show(validateNamespaceStatusUpdate({ ...active, status: { phase: 'Terminating' } }, active)),
      [
        [
          'FieldValueInvalid',
          'status.Phase: Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty',
        ],
      ],
    );
    const deleting: Namespace = {
      metadata: { name: 'a', deletionTimestamp: '2024-01-01T00:00:00Z' },
      status: { phase: 'Active' },
    };
    assert.deepEqual(show(validateNamespaceStatusUpdate(deleting, deleting)), [
      [
        'FieldValueInvalid',
        'status.Phase: Invalid value: "Active": may only be \'Terminating\' if `deletionTimestamp` is not empty',
      ],
    ]);
  });
});

describe('validateControllerRevision', () => {
  const cr = (edit?: (c: ControllerRevision) => void): ControllerRevision => {
    const c: ControllerRevision = {
      metadata: { name: 'fluentd-6d5f7c8b9', namespace: 'kube-system' },
      data: { spec: { template: { metadata: {} } } },
      revision: 1,
    };
    edit?.(c);
    return c;
  };

  it('accepts a revision', () => {
    assert.deepEqual(validateControllerRevision(cr()), []);
  });

  it('requires data and a non-negative revision', () => {
    const c = cr((x) => {
      delete x.data;
      x.revision = -1;
    });
    assert.deepEqual(show(validateControllerRevision(c)), [
      ['FieldValueRequired', 'data: Required value: data is mandatory'],
      ['FieldValueInvalid', 'revision: Invalid value: -1: must be greater than or equal to 0'],
    ]);
  });

  it('data is immutable; revision may be renumbered', () => {
    const old = cr();
    assert.deepEqual(
      validateControllerRevisionUpdate(
        cr((x) => (x.revision = 5)),
        old,
      ),
      [],
    );
    const errs = show(
      validateControllerRevisionUpdate(
        cr((x) => (x.data = { spec: 2 })),
        old,
      ),
    );
    assert.deepEqual(errs, [['FieldValueInvalid', 'data: Invalid value: {"spec":2}: field is immutable']]);
  });
});

describe('validateLease', () => {
  const lease = (spec: Lease['spec']): Lease => ({
    metadata: { name: 'node-1', namespace: 'kube-node-lease' },
    ...(spec ? { spec } : {}),
  });

  it('accepts a lease with or without a holder', () => {
    assert.deepEqual(validateLease(lease({ holderIdentity: 'node-1', leaseDurationSeconds: 40 })), []);
    assert.deepEqual(validateLease(lease(undefined)), []);
  });

  it('leaseDurationSeconds must be > 0 and leaseTransitions ≥ 0', () => {
    assert.deepEqual(show(validateLease(lease({ leaseDurationSeconds: 0, leaseTransitions: -1 }))), [
      ['FieldValueInvalid', 'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'],
      ['FieldValueInvalid', 'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0'],
    ]);
    assert.deepEqual(show(validateLeaseUpdate(lease({ leaseDurationSeconds: -5 }), lease({}))), [
      ['FieldValueInvalid', 'spec.leaseDurationSeconds: Invalid value: -5: must be greater than 0'],
    ]);
  });
});

describe('validatePriorityClass', () => {
  const pc = (name: string, value: number, extra: Partial<PriorityClass> = {}): PriorityClass => ({
    metadata: { name },
    value,
    preemptionPolicy: 'PreemptLowerPriority',
    ...extra,
  });

  it('accepts user classes up to 1000000000 and the built-in system classes', () => {
    assert.deepEqual(validatePriorityClass(pc('high', 1000000000)), []);
    assert.deepEqual(validatePriorityClass(pc('system-node-critical', 2000001000)), []);
    assert.deepEqual(validatePriorityClass(pc('system-cluster-critical', 2000000000)), []);
  });

  it('rejects user classes above the limit', () => {
    assert.deepEqual(show(validatePriorityClass(pc('huge', 1000000001))), [
      [
        'FieldValueForbidden',
        'value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
      ],
    ]);
  });

  it('reserves the system- prefix', () => {
    assert.deepEqual(show(validatePriorityClass(pc('system-mine', 5))), [
      [
        'FieldValueForbidden',
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
      ],
    ]);
    assert.deepEqual(show(validatePriorityClass(pc('system-node-critical', 5))), [
      [
        'FieldValueForbidden',
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
      ],
    ]);
  });

  it('checks preemptionPolicy and that it and value are immutable', () => {
    assert.deepEqual(show(validatePriorityClass(pc('a', 1, { preemptionPolicy: 'Sometimes' }))), [
      [
        'FieldValueNotSupported',
        'preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"',
      ],
    ]);
    assert.deepEqual(
      show(validatePriorityClassUpdate(pc('a', 2, { preemptionPolicy: 'Never' }), pc('a', 1))),
      [
        ['FieldValueForbidden', 'value: Forbidden: may not be changed in an update.'],
        ['FieldValueInvalid', 'preemptionPolicy: Invalid value: "Never": field is immutable'],
      ],
    );
  });

  it('is cluster-scoped', () => {
    assert.deepEqual(show(validatePriorityClass(pc('a', 1, { metadata: { name: 'a', namespace: 'x' } }))), [
      ['FieldValueForbidden', 'metadata.namespace: Forbidden: not allowed on this type'],
    ]);
  });
});

describe('validateEvent', () => {
  const ev = (ns: string, involvedNs?: string): Event => ({
    metadata: { name: 'web.17a', namespace: ns },
    involvedObject: {
      kind: 'Pod',
      name: 'web',
      ...(involvedNs !== undefined ? { namespace: involvedNs } : {}),
    },
    reason: 'Scheduled',
    message: 'ok',
  });

  it('accepts an event about an object in its namespace, or a cluster-scoped object from default', () => {
    assert.deepEqual(validateEvent(ev('kube-system', 'kube-system')), []);
    assert.deepEqual(validateEvent(ev('default')), []);
  });

  it('the involved object namespace must match', () => {
    assert.deepEqual(show(validateEvent(ev('default', 'other'))), [
      [
        'FieldValueInvalid',
        'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
      ],
    ]);
    assert.deepEqual(show(validateEvent(ev('kube-system'))), [
      ['FieldValueInvalid', 'involvedObject.namespace: Invalid value: "": does not match event.namespace'],
    ]);
  });

  it('new-style events (eventTime) need reporting fields', () => {
    const e: Event = { ...ev('default', 'default'), eventTime: '2024-01-01T00:00:00.000000Z' };
    assert.deepEqual(show(validateEvent(e)), [
      ['FieldValueRequired', 'reportingComponent: Required value'],
      ['FieldValueRequired', 'reportingInstance: Required value'],
      ['FieldValueRequired', 'action: Required value'],
    ]);
  });
});
