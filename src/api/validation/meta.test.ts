import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrorString } from '../errors.js';
import { deepFreeze } from '../../util/objects.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSLabel, semanticEqual } from './util.js';

function show(errs: readonly FieldError[]): [string, string][] {
  return errs.map((e) => [e.type, fieldErrorString(e)]);
}

const namespaced = { namespaced: true };

describe('validateObjectMeta', () => {
  it('accepts a plain namespaced object', () => {
    assert.deepEqual(
      validateObjectMeta({ name: 'web', namespace: 'default', labels: { app: 'web' } }, namespaced),
      [],
    );
  });

  it('requires a name or generateName', () => {
    assert.deepEqual(show(validateObjectMeta({ namespace: 'default' }, namespaced)), [
      ['FieldValueRequired', 'metadata.name: Required value: name or generateName is required'],
    ]);
  });

  it('checks the name with the kind’s name function (DNS-1123 subdomain by default)', () => {
    const errs = show(validateObjectMeta({ name: 'Bad_Name', namespace: 'default' }, namespaced));
    assert.deepEqual(errs, [
      [
        'FieldValueInvalid',
        "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ]);
    const label = show(validateObjectMeta({ name: 'a.b' }, { namespaced: false, nameFn: nameIsDNSLabel }));
    assert.equal(label.length, 1);
    assert.match(
      label[0]?.[1] ?? '',
      /^metadata\.name: Invalid value: "a\.b": a lowercase RFC 1123 label must consist of/,
    );
  });

  it('accepts a one-argument name function', () => {
    const nameFn = (n: string): string[] => (n === 'forbidden' ? ['is forbidden'] : []);
    assert.deepEqual(
      show(validateObjectMeta({ name: 'forbidden', namespace: 'a' }, { namespaced: true, nameFn })),
      [['FieldValueInvalid', 'metadata.name: Invalid value: "forbidden": is forbidden']],
    );
  });

  it('checks generateName as a prefix: a trailing dash is fine', () => {
    assert.deepEqual(
      validateObjectMeta({ generateName: 'web-', name: 'web-x7k2p', namespace: 'd' }, namespaced),
      [],
    );
    const errs = show(
      validateObjectMeta({ generateName: 'Web-', name: 'web-x7k2p', namespace: 'd' }, namespaced),
    );
    assert.equal(errs.length, 1);
    assert.match(
      errs[0]?.[1] ?? '',
      /^metadata\.generateName: Invalid value: "Web-": a lowercase RFC 1123 subdomain/,
    );
  });

  it('requires a namespace for namespaced kinds and forbids it for cluster-scoped ones', () => {
    assert.deepEqual(show(validateObjectMeta({ name: 'a' }, namespaced)), [
      ['FieldValueRequired', 'metadata.namespace: Required value'],
    ]);
    assert.deepEqual(show(validateObjectMeta({ name: 'a', namespace: 'x' }, { namespaced: false })), [
      ['FieldValueForbidden', 'metadata.namespace: Forbidden: not allowed on this type'],
    ]);
    const bad = show(validateObjectMeta({ name: 'a', namespace: 'Kube_System' }, namespaced));
    assert.match(
      bad[0]?.[1] ?? '',
      /^metadata\.namespace: Invalid value: "Kube_System": a lowercase RFC 1123 label/,
    );
  });

  it('checks label keys and values', () => {
    const errs = show(
      validateObjectMeta(
        { name: 'a', namespace: 'b', labels: { 'bad key': 'ok', good: 'bad value!' } },
        namespaced,
      ),
    );
    assert.equal(errs.length, 2);
    assert.match(
      errs[0]?.[1] ?? '',
      /^metadata\.labels: Invalid value: "bad key": name part must consist of alphanumeric characters/,
    );
    assert.match(
      errs[1]?.[1] ?? '',
      /^metadata\.labels: Invalid value: "bad value!": a valid label must be an empty string or consist of/,
    );
  });

  it('checks annotation keys and their total size', () => {
    const errs = show(
      validateObjectMeta({ name: 'a', namespace: 'b', annotations: { 'a/b/c': 'x' } }, namespaced),
    );
    assert.equal(errs.length, 1);
    assert.match(
      errs[0]?.[1] ?? '',
      /^metadata\.annotations: Invalid value: "a\/b\/c": a qualified name must consist of/,
    );
    assert.deepEqual(
      validateObjectMeta({ name: 'a', namespace: 'b', annotations: { 'Example.COM/Key': 'x' } }, namespaced),
      [],
    );
    const big = { k: 'x'.repeat(256 * 1024) };
    assert.deepEqual(show(validateObjectMeta({ name: 'a', namespace: 'b', annotations: big }, namespaced)), [
      ['FieldValueTooLong', 'metadata.annotations: Too long: must have at most 262144 bytes'],
    ]);
    assert.deepEqual(
      validateObjectMeta(
        { name: 'a', namespace: 'b', annotations: { k: 'x'.repeat(256 * 1024 - 1) } },
        namespaced,
      ),
      [],
    );
  });

  it('checks owner references', () => {
    const meta: ObjectMeta = {
      name: 'a',
      namespace: 'b',
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds1', uid: 'u1', controller: true },
        { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds2', uid: 'u2', controller: true },
        { apiVersion: '', kind: '', name: '', uid: '' },
      ],
    };
    const errs = show(validateObjectMeta(meta, namespaced));
    assert.equal(errs[0]?.[0], 'FieldValueInvalid');
    assert.match(
      errs[0]?.[1] ?? '',
      /^metadata\.ownerReferences: Invalid value: \[.*\]: Only one reference can have Controller set to true\. Found "true" in references for DaemonSet\/ds1 and DaemonSet\/ds2$/,
    );
    assert.deepEqual(errs.slice(1), [
      [
        'FieldValueInvalid',
        'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
      ],
      ['FieldValueInvalid', 'metadata.ownerReferences.kind: Invalid value: "": must not be empty'],
      ['FieldValueInvalid', 'metadata.ownerReferences.name: Invalid value: "": must not be empty'],
      ['FieldValueInvalid', 'metadata.ownerReferences.uid: Invalid value: "": must not be empty'],
    ]);
  });

  it('checks finalizers', () => {
    assert.deepEqual(
      validateObjectMeta(
        { name: 'a', namespace: 'b', finalizers: ['kubernetes', 'example.com/x'] },
        namespaced,
      ),
      [],
    );
    assert.deepEqual(
      show(validateObjectMeta({ name: 'a', namespace: 'b', finalizers: ['custom'] }, namespaced)),
      [
        [
          'FieldValueInvalid',
          'metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
        ],
      ],
    );
    const both = show(
      validateObjectMeta(
        { name: 'a', namespace: 'b', finalizers: ['orphan', 'foregroundDeletion'] },
        namespaced,
      ),
    );
    assert.deepEqual(both, [
      [
        'FieldValueInvalid',
        'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
      ],
    ]);
  });

  it('rejects a negative generation', () => {
    assert.deepEqual(show(validateObjectMeta({ name: 'a', namespace: 'b', generation: -1 }, namespaced)), [
      ['FieldValueInvalid', 'metadata.generation: Invalid value: -1: must be greater than or equal to 0'],
    ]);
  });
});

describe('validateObjectMetaUpdate', () => {
  const old = deepFreeze<ObjectMeta>({
    name: 'a',
    namespace: 'b',
    uid: 'u1',
    generation: 2,
    resourceVersion: '7',
    creationTimestamp: '2024-01-01T00:00:00Z',
  });

  it('accepts label and annotation changes', () => {
    assert.deepEqual(
      validateObjectMetaUpdate({ ...old, labels: { x: 'y' }, annotations: { a: 'b' } }, old),
      [],
    );
  });

  it('name, namespace, uid and creationTimestamp are immutable', () => {
    const n = { ...old, name: 'c', namespace: 'd', uid: 'u2', creationTimestamp: '2024-02-01T00:00:00Z' };
    assert.deepEqual(show(validateObjectMetaUpdate(n, old)), [
      ['FieldValueInvalid', 'metadata.name: Invalid value: "c": field is immutable'],
      ['FieldValueInvalid', 'metadata.namespace: Invalid value: "d": field is immutable'],
      ['FieldValueInvalid', 'metadata.uid: Invalid value: "u2": field is immutable'],
      [
        'FieldValueInvalid',
        'metadata.creationTimestamp: Invalid value: "2024-02-01T00:00:00Z": field is immutable',
      ],
    ]);
    assert.deepEqual(
      validateObjectMetaUpdate({ ...old, creationTimestamp: '2024-01-01T00:00:00.000Z' }, old),
      [],
    );
  });

  it('deletionTimestamp can neither be set nor cleared by an update', () => {
    assert.deepEqual(
      show(validateObjectMetaUpdate({ ...old, deletionTimestamp: '2024-03-01T00:00:00Z' }, old)),
      [
        [
          'FieldValueInvalid',
          'metadata.deletionTimestamp: Invalid value: "2024-03-01T00:00:00Z": field is immutable',
        ],
      ],
    );
    const deleting = { ...old, deletionTimestamp: '2024-03-01T00:00:00Z', deletionGracePeriodSeconds: 30 };
    assert.deepEqual(show(validateObjectMetaUpdate(old, deleting)), [
      ['FieldValueInvalid', 'metadata.deletionTimestamp: Invalid value: null: field is immutable'],
      ['FieldValueInvalid', 'metadata.deletionGracePeriodSeconds: Invalid value: null: field is immutable'],
    ]);
  });

  it('generation may not decrease', () => {
    assert.deepEqual(show(validateObjectMetaUpdate({ ...old, generation: 1 }, old)), [
      ['FieldValueInvalid', 'metadata.generation: Invalid value: 1: must not be decremented'],
    ]);
  });

  it('no new finalizers while deleting; removing them is fine', () => {
    const deleting = { ...old, deletionTimestamp: '2024-03-01T00:00:00Z', finalizers: ['example.com/a'] };
    assert.deepEqual(validateObjectMetaUpdate({ ...deleting, finalizers: [] }, deleting), []);
    assert.deepEqual(
      show(
        validateObjectMetaUpdate({ ...deleting, finalizers: ['example.com/a', 'example.com/b'] }, deleting),
      ),
      [
        [
          'FieldValueForbidden',
          'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b"}',
        ],
      ],
    );
  });

  it('generateName may change', () => {
    assert.deepEqual(validateObjectMetaUpdate({ ...old, generateName: 'x-' }, old), []);
  });
});

describe('semanticEqual', () => {
  it('treats missing, null, empty lists and empty maps alike', () => {
    assert.ok(semanticEqual({ matchLabels: { a: 'b' } }, { matchLabels: { a: 'b' }, matchExpressions: [] }));
    assert.ok(semanticEqual({ a: null }, {}));
    assert.ok(!semanticEqual({ a: 'b' }, { a: 'c' }));
    assert.ok(!semanticEqual({ a: [1] }, { a: [] }));
    assert.ok(!semanticEqual({ x: 0 }, {}));
  });
});
