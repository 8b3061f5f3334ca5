/**
 * ConfigMap validation (upstream's ValidateConfigMap and ValidateConfigMapUpdate): a DNS-subdomain
 * name, config keys in `data` and `binaryData` (never the same key in both), at most 1 MiB of
 * values in all, and an `immutable` ConfigMap whose data and immutability can no longer change.
 */
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrors } from '../errors.js';
import { isConfigMapKey } from '../names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { key, nameIsDNSSubdomain, semanticEqual } from './util.js';

/** core.MaxSecretSize: the most bytes of values a ConfigMap (or Secret) may hold. */
export const MAX_CONFIG_SIZE = 1024 * 1024;

const IMMUTABLE = 'field is immutable when `immutable` is set';

/** Upstream's IsConfigMapKey errors for one key of the map at `path` (`data`, `binaryData`). */
export function validateConfigKey(path: string, k: string): FieldError[] {
  return isConfigMapKey(k).map((msg) => fieldErrors.invalid(key(path, k), k, msg));
}

/**
 * An object once stored with `immutable: true` (a ConfigMap or Secret) keeps that flag and the
 * maps named in `fields` unchanged.
 */
export function validateImmutableData<T extends { immutable?: boolean }>(
  next: T,
  old: T,
  fields: readonly (keyof T & string)[],
): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (next.immutable !== true) errs.push(fieldErrors.forbidden('immutable', IMMUTABLE));
  for (const f of fields) if (!semanticEqual(next[f], old[f])) errs.push(fieldErrors.forbidden(f, IMMUTABLE));
  return errs;
}

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  const data = cm.data ?? {};
  const binary = cm.binaryData ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...validateConfigKey('data', k));
    if (Object.hasOwn(binary, k))
      errs.push(fieldErrors.invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(v ?? '', 'utf8');
  }
  for (const [k, v] of Object.entries(binary)) {
    errs.push(...validateConfigKey('binaryData', k));
    // Stored base64-encoded; upstream counts the decoded bytes.
    size += Buffer.from(v ?? '', 'base64').length;
  }
  if (size > MAX_CONFIG_SIZE) errs.push(fieldErrors.tooLong('', MAX_CONFIG_SIZE));
  return errs;
}

export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  return [
    ...validateObjectMetaUpdate(cm.metadata, old.metadata),
    ...validateImmutableData(cm, old, ['data', 'binaryData']),
    ...validateConfigMap(cm),
  ];
}
