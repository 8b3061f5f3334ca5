/**
 * Template hashing and revision payloads (spec §4.5). Upstream's exact hash (FNV-32a over Go's
 * deep dump) cannot be reproduced; ours is FNV-32a over canonical JSON, with the same collision
 * counter and the same output alphabet, so identical templates always get identical hashes.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted at every level (undefined members dropped). */
export function canonicalJSON(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJSON(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJSON(obj[k])}`).join(',')}}`;
}

function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: every byte mapped into an alphabet without vowels or look-alikes. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length] ?? 'b';
  return out;
}

/** controller.ComputeHash: FNV-32a of the template (+ collisionCount as 8 LE bytes), encoded. */
export function computeHash(
  template: PodTemplateSpec | undefined,
  collisionCount: number | undefined,
): string {
  const enc = new TextEncoder();
  let h = fnv32a(enc.encode(canonicalJSON(template ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const buf = new Uint8Array(8);
    new DataView(buf.buffer).setBigUint64(0, BigInt(collisionCount), true);
    h = fnv32a(buf, h);
  }
  return safeEncodeString(String(h));
}

/**
 * The ControllerRevision payload: `{"spec":{"template":{…,"$patch":"replace"}}}` with sorted keys,
 * the template's metadata carrying `creationTimestamp: null` as Go's encoder writes it.
 */
export function revisionData(template: PodTemplateSpec | undefined): Record<string, unknown> {
  const t = JSON.parse(JSON.stringify(template ?? {})) as Record<string, unknown>;
  t['metadata'] = {
    creationTimestamp: null,
    ...(t['metadata'] ?? {}),
  };
  t['$patch'] = 'replace';
  return JSON.parse(canonicalJSON({ spec: { template: t } })) as Record<string, unknown>;
}

/**
 * Canonical JSON per frozen (cached) object: every sync compares each revision with the template,
 * and neither changes between syncs unless a new object replaces it.
 */
const canonicalMemo = new WeakMap<object, string>();

function memoised(key: unknown, compute: () => string): string {
  if (key === null || typeof key !== 'object' || !Object.isFrozen(key)) return compute();
  let hit = canonicalMemo.get(key);
  if (hit === undefined) canonicalMemo.set(key, (hit = compute()));
  return hit;
}

/** Whether a revision's data equals what `template` would produce (byte-for-byte, as upstream's Match). */
export function revisionMatches(data: unknown, template: PodTemplateSpec | undefined): boolean {
  // The two memo entries are keyed by different objects (revision data, pod template).
  return (
    memoised(data, () => canonicalJSON(data)) ===
    memoised(template, () => canonicalJSON(revisionData(template)))
  );
}
