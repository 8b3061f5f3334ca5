/**
 * PATCH as the apiserver performs it: read the object, apply the patch, write it back with the
 * read resourceVersion, and retry on a Conflict (unless the patch itself names a resourceVersion).
 * Shared by the in-process client and the HTTP API server.
 */
import type { KubeObject, MutableObject, ResourceType } from '../api/resources.js';
import { ApiError, NotFoundError, isConflict } from '../api/errors.js';
import { applyJsonPatch, applyMergePatch } from '../api/patch.js';
import { applyStrategicMergePatch } from '../api/smp.js';
import type { PatchType } from '../client/types.js';
import type { Store } from './types.js';

export const PATCH_CONFLICT_RETRIES = 5;

/** Applies a patch of any supported type to an object (no I/O). */
export function applyPatch(
  kind: string,
  current: KubeObject,
  patchType: PatchType,
  patch: unknown,
): MutableObject {
  switch (patchType) {
    case 'merge':
      return applyMergePatch(current, patch) as MutableObject;
    case 'json':
      return applyJsonPatch(current, patch) as MutableObject;
    case 'strategic':
    case 'apply':
      return applyStrategicMergePatch(kind, current, patch) as MutableObject;
  }
}

export interface PatchObjectOptions {
  readonly dryRun?: boolean;
  readonly subresource?: 'status';
}

export interface PatchObjectResult<T> {
  readonly object: T;
  /** True when an apply patch created the object. */
  readonly created: boolean;
}

/** Read, patch, write with conflict retries. `apply` creates the object when it does not exist. */
export function patchObject<T extends KubeObject>(
  store: Store,
  type: ResourceType<T>,
  namespace: string,
  name: string,
  patchType: PatchType,
  patch: unknown,
  options: PatchObjectOptions = {},
): PatchObjectResult<T> {
  const conditional =
    typeof (patch as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion ===
    'string';
  for (let attempt = 0; ; attempt++) {
    const current = store.get(type, namespace, name);
    if (!current) {
      if (patchType === 'apply' && !options.subresource) {
        const obj = { ...(patch as MutableObject) };
        obj.metadata = { ...(obj.metadata ?? {}), name, ...(type.namespaced ? { namespace } : {}) };
        const created = store.create(type, obj as T, options.dryRun ? { dryRun: true } : {});
        return { object: created, created: true };
      }
      throw new NotFoundError(type.resource, type.group, name);
    }
    const patched = applyPatch(type.kind, current, patchType, patch);
    if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) {
      throw new ApiError({ reason: 'BadRequest', code: 400, message: 'the patch did not produce an object' });
    }
    // Merge patches share untouched (frozen) subtrees with the stored object: copy what we set.
    const m = (patched.metadata = { ...(patched.metadata ?? {}) });
    if (!conditional) m.resourceVersion = current.metadata?.resourceVersion ?? '';
    if (m.name !== undefined && m.name !== name) {
      throw new ApiError({
        reason: 'BadRequest',
        code: 400,
        message: `the name of the object (${m.name}) does not match the name on the URL (${name})`,
      });
    }
    m.name = name;
    if (type.namespaced) m.namespace = namespace;
    try {
      const object = store.update(type, patched as T, {
        ...(options.dryRun ? { dryRun: true } : {}),
        ...(options.subresource ? { subresource: options.subresource } : {}),
      });
      return { object, created: false };
    } catch (err) {
      if (!conditional && isConflict(err) && attempt < PATCH_CONFLICT_RETRIES) continue;
      throw err;
    }
  }
}
