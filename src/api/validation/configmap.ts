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

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  const data = cm.data ?? {};
  const binary = cm.binaryData ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const msg of isConfigMapKey(k)) errs.push(fieldErrors.invalid(key('data', k), k, msg));
    if (Object.hasOwn(binary, k))
      errs.push(fieldErrors.invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(v ?? '', 'utf8');
  }
  for (const [k, v] of Object.entries(binary)) {
    for (const msg of isConfigMapKey(k)) errs.push(fieldErrors.invalid(key('binaryData', k), k, msg));
    // Stored base64-encoded; upstream counts the decoded bytes.
    size += Buffer.from(v ?? '', 'base64').length;
  }
  if (size > MAX_CONFIG_SIZE) errs.push(fieldErrors.tooLong('', MAX_CONFIG_SIZE));
  return errs;
}

export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  const errs = validateObjectMetaUpdate(cm.metadata, old.metadata);
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(fieldErrors.forbidden('immutable', IMMUTABLE));
    if (!semanticEqual(cm.data, old.data)) errs.push(fieldErrors.forbidden('data', IMMUTABLE));
    if (!semanticEqual(cm.binaryData, old.binaryData))
      errs.push(fieldErrors.forbidden('binaryData', IMMUTABLE));
  }
  errs.push(...validateConfigMap(cm));
  return errs;
}
