/**
 * PATCH as the apiserver performs it: read the object, apply the patch, write it back with the
 * read resourceVersion, and retry on a Conflict (unless the patch itself names a resourceVersion).
 * Shared by the in-process client and the HTTP API server.
 */
import type { KubeObject, MutableObject, ResourceType } from '../api/resources.js';
import { ApiError, NotFoundError, isConflict } from '../api/errors.js';
import { applyJsonPatch, applyMergePatch } from '../api/patch.js';
import { applyStrategicMergePatch } from '../api/smp.js';
import { applyConfiguration, conflictMessage, recordUpdate } from '../api/managed-fields.js';
import { rfc3339 } from '../util/clock.js';
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
  /**
   * The field manager of the write. Apply patches always track managedFields (manager `unknown`
   * when absent); other patches record an `Update` entry only when a manager is given.
   */
  readonly fieldManager?: string;
  /** Server-side apply `force`: take over conflicting fields instead of failing. */
  readonly force?: boolean;
  /** The write's time in ms (managedFields timestamps); default `Date.now()`. */
  readonly now?: number;
}

function applyConflictError(conflicts: ReturnType<typeof applyConfiguration>['conflicts']): ApiError {
  const list = conflicts ?? [];
  return new ApiError({
    reason: 'Conflict',
    code: 409,
    message: conflictMessage(list),
    causes: list.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with ${c.managerText}`,
      field: c.field,
    })),
  });
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
  const time = rfc3339(options.now ?? Date.now());
  const manager = options.fieldManager ?? 'unknown';
  const ssa = patchType === 'apply' && !options.subresource;
  for (let attempt = 0; ; attempt++) {
    const current = store.get(type, namespace, name);
    if (!current) {
      if (ssa) {
        const r = applyConfiguration(type.kind, undefined, patch, manager, [], options.force === true, {
          apiVersion: type.apiVersion,
          time,
        });
        if (r.conflicts) throw applyConflictError(r.conflicts);
        const obj = r.object as MutableObject;
        obj.metadata = { ...(obj.metadata ?? {}), managedFields: r.managedFields };
        obj.metadata = { ...(obj.metadata ?? {}), name, ...(type.namespaced ? { namespace } : {}) };
        const created = store.create(type, obj as T, options.dryRun ? { dryRun: true } : {});
        return { object: created, created: true };
      }
      throw new NotFoundError(type.resource, type.group, name);
    }
    let patched: MutableObject;
    if (ssa) {
      const r = applyConfiguration(
        type.kind,
        current,
        patch,
        manager,
        current.metadata?.managedFields,
        options.force === true,
        { apiVersion: type.apiVersion, time },
      );
      if (r.conflicts) throw applyConflictError(r.conflicts);
      patched = r.object;
      patched.metadata = { ...(patched.metadata ?? {}), managedFields: r.managedFields };
    } else {
      patched = applyPatch(type.kind, current, patchType, patch);
      if (options.fieldManager !== undefined && patched !== null && typeof patched === 'object') {
        const managedFields = recordUpdate(
          type.kind,
          current,
          patched,
          options.fieldManager,
          current.metadata?.managedFields,
          {
            apiVersion: type.apiVersion,
            time,
            ...(options.subresource ? { subresource: options.subresource } : {}),
          },
        );
        patched.metadata = { ...(patched.metadata ?? {}), managedFields };
      }
    }
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
