import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldError } from '../errors.js';
import { fieldErrorString } from '../errors.js';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { validateSecret, validateSecretUpdate } from './secret.js';
import { defaultSecret } from '../defaults/index.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const secret = (extra: Partial<Secret>): Secret => ({
  metadata: { name: 's', namespace: 'default' },
  ...extra,
});
const fields = (errs: readonly FieldError[]): string[] => errs.map(fieldErrorString);

describe('Secret defaults and validation', () => {
  test('defaults: type Opaque; stringData over data, base64-encoded, then dropped', () => {
    const d = defaultSecret(secret({ data: { a: b64('old'), b: b64('kept') }, stringData: { a: 'new' } }));
    assert.equal(d.type, 'Opaque');
    assert.deepEqual(d.data, { a: b64('new'), b: b64('kept') });
    assert.equal(d.stringData, undefined);
    assert.equal(defaultSecret(secret({ type: 'kubernetes.io/tls' })).type, 'kubernetes.io/tls');
  });

  test('data that is not padded standard base64 is a 400, as upstream decodes it', () => {
    for (const [value, at] of [
      ['ab!d', 2],
      ['abc', 0],
      ['ab=d', 2],
    ] as const) {
      assert.throws(
        () => defaultSecret(secret({ data: { k: value } })),
        (err: Error & { status?: { code?: number } }) =>
          err.message.endsWith(`illegal base64 data at input byte ${at}`),
        value,
      );
    }
    assert.doesNotThrow(() => defaultSecret(secret({ data: { k: 'YQ==', l: 'YWI=', m: '' } })));
  });

  test('each built-in type requires its keys', () => {
    const v = (
      type: string,
      data: Record<string, string> = {},
      annotations?: Record<string, string>,
    ): string[] =>
      fields(
        validateSecret({
          metadata: { name: 's', namespace: 'default', ...(annotations ? { annotations } : {}) },
          type,
          data,
        }),
      );
    assert.deepEqual(v('Opaque'), []);
    assert.deepEqual(v('example.com/custom'), []);
    assert.deepEqual(v('kubernetes.io/tls'), [
      'data[tls.crt]: Required value',
      'data[tls.key]: Required value',
    ]);
    assert.deepEqual(v('kubernetes.io/basic-auth'), [
      'data[username]: Required value',
      'data[password]: Required value',
    ]);
    assert.deepEqual(v('kubernetes.io/basic-auth', { password: '' }), []);
    assert.deepEqual(v('kubernetes.io/ssh-auth', { 'ssh-privatekey': '' }), [
      'data[ssh-privatekey]: Required value',
    ]);
    assert.deepEqual(v('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths":{}}') }), []);
    assert.equal(v('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('nope') }).length, 1);
    assert.deepEqual(v('kubernetes.io/service-account-token'), [
      'metadata.annotations[kubernetes.io/service-account.name]: Required value',
    ]);
    assert.deepEqual(
      v('kubernetes.io/service-account-token', {}, { 'kubernetes.io/service-account.name': 'default' }),
      [],
    );
  });

  test('updates: type is immutable; an immutable Secret keeps its data', () => {
    const old = secret({ type: 'Opaque', data: { a: b64('1') }, immutable: true });
    assert.deepEqual(validateSecretUpdate(old, old), []);
    assert.deepEqual(
      fields(
        validateSecretUpdate(
          { ...old, type: 'kubernetes.io/basic-auth', data: { a: b64('2'), username: '' } },
          old,
        ),
      ),
      [
        'type: Invalid value: "kubernetes.io/basic-auth": field is immutable',
        'data: Forbidden: field is immutable when `immutable` is set',
      ],
    );
  });
});
