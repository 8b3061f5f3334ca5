/**
 * Patch application for the patch types the API accepts. JSON patch (RFC 6902) comes from
 * fast-json-patch; JSON merge patch (RFC 7386) is the ten lines below. Inputs are never mutated.
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { ApiError } from './errors.js';
import { clone } from '../util/objects.js';

/** RFC 7386: objects merge recursively, `null` deletes, anything else (arrays too) replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

function patchError(message: string): ApiError {
  return new ApiError({
    reason: 'Invalid',
    code: 422,
    message: `the server rejected our request due to an error in our request: ${message}`,
  });
}

/** RFC 6902 on a copy of `target`. A failing `test` or a bad path is a 422. */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch))
    throw new ApiError({
      reason: 'BadRequest',
      code: 400,
      message: 'json patch must be an array of operations',
    });
  const doc = clone(target);
  try {
    return jsonpatch.applyPatch(doc, patch as Operation[], true, true).newDocument;
  } catch (err) {
    throw patchError(err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err));
  }
}
