/**
 * Secret validation (upstream's ValidateSecret and ValidateSecretUpdate): a DNS-subdomain name,
 * config keys in `data`, at most 1 MiB of decoded values, the keys each built-in `type` needs,
 * a `type` that never changes, and an `immutable` Secret whose data can no longer change.
 */
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrors } from '../errors.js';
import { MAX_CONFIG_SIZE, validateConfigKey, validateImmutableData } from './configmap.js';
import { validateImmutableField, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { child, key, nameIsDNSSubdomain } from './util.js';

const REDACTED = '<secret contents redacted>';

/** The decoded bytes of a base64 `data` value. */
function decoded(value: string | undefined): Buffer {
  return Buffer.from(value ?? '', 'base64');
}

function validJsonObject(bytes: Buffer): string | undefined {
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? undefined
      : 'json: cannot unmarshal into a map';
  } catch (err) {
    return (err as Error).message;
  }
}

export function validateSecret(secret: Secret): FieldError[] {
  const errs = validateObjectMeta(secret.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  const data = secret.data ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...validateConfigKey('data', k));
    size += decoded(v).length;
  }
  if (size > MAX_CONFIG_SIZE) errs.push(fieldErrors.tooLong('data', MAX_CONFIG_SIZE));
  const has = (k: string): boolean => Object.hasOwn(data, k);
  const required = (k: string): FieldError => fieldErrors.required(key('data', k));
  switch (secret.type) {
    case 'kubernetes.io/service-account-token': {
      const ann = 'kubernetes.io/service-account.name';
      if (!secret.metadata?.annotations?.[ann])
        errs.push(fieldErrors.required(key(child('metadata', 'annotations'), ann)));
      break;
    }
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const k = secret.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(k)) {
        errs.push(required(k));
        break;
      }
      const bad = validJsonObject(decoded(data[k]));
      if (bad !== undefined) errs.push(fieldErrors.invalid(key('data', k), REDACTED, bad));
      break;
    }
    case 'kubernetes.io/basic-auth':
      // Either may be empty, but one of them must be there.
      if (!has('username') && !has('password')) errs.push(required('username'), required('password'));
      break;
    case 'kubernetes.io/ssh-auth':
      if (decoded(data['ssh-privatekey']).length === 0) errs.push(required('ssh-privatekey'));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(required('tls.crt'));
      if (!has('tls.key')) errs.push(required('tls.key'));
      break;
    default:
    // Opaque, and any type of the user's own: no required keys.
  }
  return errs;
}

export function validateSecretUpdate(secret: Secret, old: Secret): FieldError[] {
  return [
    ...validateObjectMetaUpdate(secret.metadata, old.metadata),
    ...validateImmutableField(secret.type, old.type, 'type'),
    // stringData was written into data before validation: data is all there is to compare.
    ...validateImmutableData(secret, old, ['data']),
    ...validateSecret(secret),
  ];
}
