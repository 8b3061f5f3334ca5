/**
 * ObjectMeta validation (k8s.io/apimachinery/pkg/api/validation/objectmeta.go): the checks every
 * object goes through on create and on update, with upstream's field paths and messages.
 */
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrors } from '../errors.js';
import { isQualifiedName } from '../names.js';
import type { NameValidator } from './util.js';
import {
  asString,
  child,
  goStringSlice,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  semanticEqual,
  validateAnnotations,
  validateLabels,
  validateNonnegative,
} from './util.js';

/** Message of every immutability error (`ValidateImmutableField`). */
export const FieldImmutableErrorMsg = 'field is immutable';

export interface ObjectMetaOptions {
  /** Namespaced kinds require `metadata.namespace`; cluster-scoped kinds forbid it. */
  readonly namespaced: boolean;
  /**
   * The kind's name rule, called with `prefix = true` for `generateName`. Defaults to
   * {@link nameIsDNSSubdomain}. A one-argument function is accepted too.
   */
  readonly nameFn?: NameValidator;
}

/** `ValidateImmutableField`: `Invalid value: <new>: field is immutable` unless semantically equal. */
export function validateImmutableField(newVal: unknown, oldVal: unknown, path: string): FieldError[] {
  return semanticEqual(newVal, oldVal)
    ? []
    : [fieldErrors.invalid(path, newVal ?? null, FieldImmutableErrorMsg)];
}

const FinalizerOrphanDependents = 'orphan';
const FinalizerDeleteDependents = 'foregroundDeletion';

/**
 * `ValidateFinalizers`: each finalizer is a qualified name (Invalid at `path`), and `orphan`
 * together with `foregroundDeletion` is rejected.
 */
export function validateFinalizers(
  finalizers: readonly string[] | null | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const list = finalizers ?? [];
  for (const f of list) {
    const name = asString(f);
    for (const m of isQualifiedName(name)) errs.push(fieldErrors.invalid(path, name, m));
  }
  if (list.includes(FinalizerOrphanDependents) && list.includes(FinalizerDeleteDependents)) {
    errs.push(
      fieldErrors.invalid(
        path,
        list,
        `finalizer ${FinalizerOrphanDependents} and ${FinalizerDeleteDependents} cannot be both set`,
      ),
    );
  }
  return errs;
}

/** The version part of an apiVersion, or '' when it does not parse (`schema.ParseGroupVersion`). */
function versionOf(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  if (apiVersion.indexOf('/', slash + 1) < 0) {
    return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
  }
  return { group: '', version: '' };
}

/**
 * `ValidateOwnerReferences`: apiVersion/kind/name/uid must be non-empty (Invalid at
 * `ownerReferences.<field>`, no index, as upstream), Events may not own objects, and at most one
 * reference may be the controller.
 */
export function validateOwnerReferences(
  refs: readonly OwnerReference[] | null | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const apiVersion = asString(ref.apiVersion);
    const kind = asString(ref.kind);
    const gv = versionOf(apiVersion);
    if (gv.version === '') {
      errs.push(fieldErrors.invalid(child(path, 'apiVersion'), apiVersion, 'version must not be empty'));
    }
    if (kind === '') errs.push(fieldErrors.invalid(child(path, 'kind'), kind, 'must not be empty'));
    if (asString(ref.name) === '')
      errs.push(fieldErrors.invalid(child(path, 'name'), '', 'must not be empty'));
    if (asString(ref.uid) === '') errs.push(fieldErrors.invalid(child(path, 'uid'), '', 'must not be empty'));
    if (gv.group === '' && gv.version === 'v1' && kind === 'Event') {
      errs.push(fieldErrors.invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const cur = `${kind}/${asString(ref.name)}`;
      if (firstController !== '') {
        errs.push(
          fieldErrors.invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`,
          ),
        );
      } else {
        firstController = cur;
      }
    }
  }
  return errs;
}

const standardFinalizers = new Set(['kubernetes', FinalizerOrphanDependents, FinalizerDeleteDependents]);

/**
 * The core-API finalizer rule (`validateKubeFinalizerName`): a finalizer without a `/` must be a
 * standard one (`kubernetes`, `orphan`, `foregroundDeletion`), else
 * `<path>[i]: Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified`.
 */
export function validateKubeFinalizerNames(
  finalizers: readonly string[] | null | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  (finalizers ?? []).forEach((f, i) => {
    const name = asString(f);
    if (!name.includes('/') && !standardFinalizers.has(name)) {
      errs.push(
        fieldErrors.invalid(
          `${path}[${i}]`,
          name,
          'name is neither a standard finalizer name nor is it fully qualified',
        ),
      );
    }
  });
  return errs;
}

/**
 * The checks shared by create and update (everything but name/namespace). Every write runs them,
 * mostly on metadata without some of these fields: an absent field (which passes) builds no path.
 */
function validateMetaCommon(meta: ObjectMeta, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (meta.generation != null) errs.push(...validateNonnegative(meta.generation, child(path, 'generation')));
  if (meta.labels != null) errs.push(...validateLabels(meta.labels, child(path, 'labels')));
  if (meta.annotations != null)
    errs.push(...validateAnnotations(meta.annotations, child(path, 'annotations')));
  if (meta.ownerReferences != null)
    errs.push(...validateOwnerReferences(meta.ownerReferences, child(path, 'ownerReferences')));
  if (meta.finalizers != null) errs.push(...validateFinalizers(meta.finalizers, child(path, 'finalizers')));
  return errs;
}

/**
 * `ValidateObjectMeta` for a create. Reports, in upstream order:
 * - `metadata.generateName: Invalid value: …` when the prefix breaks the name rule (a trailing
 *   `-` is allowed);
 * - `metadata.name: Required value: name or generateName is required` or
 *   `metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of …`;
 * - `metadata.namespace: Required value` (namespaced kinds; else DNS-1123 label check) or
 *   `metadata.namespace: Forbidden: not allowed on this type` (cluster-scoped kinds);
 * - `metadata.generation` ≥ 0, label keys/values (`metadata.labels: Invalid value: "bad key": …`),
 *   annotation keys and total size (`metadata.annotations: Too long: must have at most 262144 bytes`),
 *   owner references and finalizers (qualified names; unqualified ones must be standard).
 */
export function validateObjectMeta(
  meta: ObjectMeta | null | undefined,
  opts: ObjectMetaOptions,
  path = 'metadata',
): FieldError[] {
  const m = meta ?? {};
  const nameFn = opts.nameFn ?? nameIsDNSSubdomain;
  const errs: FieldError[] = [];
  const generateName = asString(m.generateName);
  if (generateName !== '') {
    for (const msg of nameFn(generateName, true)) {
      errs.push(fieldErrors.invalid(child(path, 'generateName'), generateName, msg));
    }
  }
  const name = asString(m.name);
  if (name === '') {
    errs.push(fieldErrors.required(child(path, 'name'), 'name or generateName is required'));
  } else {
    for (const msg of nameFn(name, false)) errs.push(fieldErrors.invalid(child(path, 'name'), name, msg));
  }
  const namespace = asString(m.namespace);
  if (opts.namespaced) {
    if (namespace === '') {
      errs.push(fieldErrors.required(child(path, 'namespace')));
    } else {
      for (const msg of nameIsDNSLabel(namespace, false)) {
        errs.push(fieldErrors.invalid(child(path, 'namespace'), namespace, msg));
      }
    }
  } else if (namespace !== '') {
    errs.push(fieldErrors.forbidden(child(path, 'namespace'), 'not allowed on this type'));
  }
  errs.push(...validateMetaCommon(m, path));
  if (m.finalizers != null) errs.push(...validateKubeFinalizerNames(m.finalizers, child(path, 'finalizers')));
  return errs;
}

/** Whether two objects have the same own keys with identical (===) values. */
function sameFields(a: object, b: object): boolean {
  let count = 0;
  for (const k in a) {
    if ((a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
    count++;
  }
  for (const k in b) if (--count < 0 || !(k in a)) return false;
  return count === 0;
}

/**
 * `ValidateObjectMetaUpdate`: no new finalizers while the object is being deleted; generation may
 * not decrease (`must not be decremented`); name, namespace, uid, creationTimestamp,
 * deletionTimestamp and deletionGracePeriodSeconds are immutable
 * (`metadata.name: Invalid value: "b": field is immutable`) — so updates can neither set nor
 * clear deletionTimestamp; labels, annotations, owner references and finalizers of the new
 * object are re-validated. `generateName` may change. The "resourceVersion must be specified"
 * rule is left to the store, which fills it for unconditional updates as upstream does.
 */
export function validateObjectMetaUpdate(
  newMeta: ObjectMeta | null | undefined,
  oldMeta: ObjectMeta | null | undefined,
  path = 'metadata',
): FieldError[] {
  const n = newMeta ?? {};
  const o = oldMeta ?? {};
  // The old metadata was valid when it was stored: the same fields again (a status write, which
  // carries the old metadata over) are valid too, with nothing immutable changed.
  if (sameFields(n, o)) return [];
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) {
    const old = new Set(o.finalizers ?? []);
    const extra = [...new Set((n.finalizers ?? []).filter((f) => !old.has(f)))].sort();
    if (extra.length > 0) {
      errs.push(
        fieldErrors.forbidden(
          child(path, 'finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`,
        ),
      );
    }
  }
  if ((n.generation ?? 0) < (o.generation ?? 0)) {
    errs.push(fieldErrors.invalid(child(path, 'generation'), n.generation ?? 0, 'must not be decremented'));
  }
  errs.push(...validateImmutableField(n.name ?? '', o.name ?? '', child(path, 'name')));
  errs.push(...validateImmutableField(n.namespace ?? '', o.namespace ?? '', child(path, 'namespace')));
  errs.push(...validateImmutableField(n.uid ?? '', o.uid ?? '', child(path, 'uid')));
  errs.push(
    ...validateImmutableField(
      n.creationTimestamp ?? null,
      o.creationTimestamp ?? null,
      child(path, 'creationTimestamp'),
    ),
  );
  errs.push(
    ...validateImmutableField(
      n.deletionTimestamp ?? null,
      o.deletionTimestamp ?? null,
      child(path, 'deletionTimestamp'),
    ),
  );
  errs.push(
    ...validateImmutableField(
      n.deletionGracePeriodSeconds ?? null,
      o.deletionGracePeriodSeconds ?? null,
      child(path, 'deletionGracePeriodSeconds'),
    ),
  );
  // As validateMetaCommon: an absent field passes and builds no path.
  if (n.labels != null) errs.push(...validateLabels(n.labels, child(path, 'labels')));
  if (n.annotations != null) errs.push(...validateAnnotations(n.annotations, child(path, 'annotations')));
  if (n.ownerReferences != null)
    errs.push(...validateOwnerReferences(n.ownerReferences, child(path, 'ownerReferences')));
  if (n.finalizers != null) {
    errs.push(
      ...validateFinalizers(n.finalizers, child(path, 'finalizers')),
      ...validateKubeFinalizerNames(n.finalizers, child(path, 'finalizers')),
    );
  }
  return errs;
}
