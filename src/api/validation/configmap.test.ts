import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldError } from '../errors.js';
import { fieldErrorString } from '../errors.js';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { MAX_CONFIG_SIZE, validateConfigMap, validateConfigMapUpdate } from './configmap.js';
import { defaultConfigMap } from '../defaults/index.js';

const cm = (extra: Partial<ConfigMap>): ConfigMap => ({
  metadata: { name: 'c', namespace: 'default' },
  ...extra,
});
const fields = (errs: readonly FieldError[]): string[] => errs.map(fieldErrorString);

describe('ConfigMap validation', () => {
  test('config keys: letters, digits, - _ . ; not ., .. or a .. prefix; at most 253 characters', () => {
    assert.deepEqual(validateConfigMap(cm({ data: { 'a.conf': '', KEY_1: '', '-x': '', '.env': '' } })), []);
    assert.deepEqual(fields(validateConfigMap(cm({ data: { '..': '', '..data': '' } }))), [
      `data[..]: Invalid value: "..": must not be '..'`,
      `data[..data]: Invalid value: "..data": must not start with '..'`,
    ]);
    const long = 'k'.repeat(254);
    assert.deepEqual(fields(validateConfigMap(cm({ binaryData: { [long]: '' } }))), [
      `binaryData[${long}]: Invalid value: "${long}": must be no more than 253 characters`,
    ]);
  });

  test('binaryData must be padded standard base64: otherwise a 400, as upstream decodes it', () => {
    assert.throws(
      () => defaultConfigMap(cm({ binaryData: { k: 'ab!d' } })),
      /ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 2$/,
    );
    assert.deepEqual(defaultConfigMap(cm({ data: { 'a b': '!' }, binaryData: { k: 'YQ==' } })).binaryData, {
      k: 'YQ==',
    });
  });

  test('a key in both data and binaryData; more than 1 MiB of values', () => {
    assert.deepEqual(fields(validateConfigMap(cm({ data: { a: 'x' }, binaryData: { a: 'eA==' } }))), [
      'data[a]: Invalid value: "a": duplicate of key present in binaryData',
    ]);
    const big = cm({ data: { a: 'x'.repeat(MAX_CONFIG_SIZE / 2), b: 'y'.repeat(MAX_CONFIG_SIZE / 2 + 1) } });
    assert.deepEqual(
      validateConfigMap(big).map((e) => e.type),
      ['FieldValueTooLong'],
    );
    assert.deepEqual(validateConfigMap(cm({ data: { a: 'x'.repeat(MAX_CONFIG_SIZE) } })), []);
  });

  test('immutable: data, binaryData and immutable itself are frozen; metadata may change', () => {
    const old = cm({
      data: { a: '1' },
      immutable: true,
      metadata: { name: 'c', namespace: 'default', resourceVersion: '1' },
    });
    const next = (extra: Partial<ConfigMap>): ConfigMap => ({
      ...old,
      ...extra,
      metadata: { ...old.metadata, labels: { x: 'y' } },
    });
    assert.deepEqual(validateConfigMapUpdate(next({}), old), []);
    assert.deepEqual(fields(validateConfigMapUpdate(next({ data: { a: '2' }, immutable: false }), old)), [
      'immutable: Forbidden: field is immutable when `immutable` is set',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
    // Not immutable: anything goes.
    assert.deepEqual(validateConfigMapUpdate(cm({ data: { a: '2' } }), cm({ data: { a: '1' } })), []);
  });
});
