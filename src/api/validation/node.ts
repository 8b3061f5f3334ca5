/**
 * Node validation (pkg/apis/core/validation ValidateNode / ValidateNodeUpdate): name, taints and
 * the resource quantities of the status.
 */
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrors } from '../errors.js';
import { isValidLabelValue } from '../names.js';
import { parseQuantity } from '../quantity.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { validateTaintEffect } from './pod.js';
import {
  asString,
  child,
  dedupe,
  duplicateWithDetail,
  index,
  nameIsDNSSubdomain,
  validateLabelName,
} from './util.js';

/**
 * `validateNodeTaints`: key a label name, value a label value, effect one of NoSchedule,
 * PreferNoSchedule, NoExecute (Required when empty), and no two taints with the same key and
 * effect (`Duplicate value: {…}: taints must be unique by key and effect pair`). Upstream roots
 * these errors at `metadata.taints` (a long-standing quirk kept here), e.g.
 * `metadata.taints[0].effect: Unsupported value: "Bad": …`.
 */
export function validateNodeTaints(
  taints: readonly Taint[] | undefined,
  path = 'metadata.taints',
): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (taints ?? []).forEach((t, i) => {
    const idx = index(path, i);
    const k = asString(t.key);
    const v = asString(t.value);
    errs.push(...validateLabelName(k, child(idx, 'key')));
    const msgs = isValidLabelValue(v);
    if (msgs.length > 0) errs.push(fieldErrors.invalid(child(idx, 'value'), v, msgs.join(';')));
    errs.push(...validateTaintEffect(t.effect, false, child(idx, 'effect')));
    const id = `${asString(t.effect)}\u0000${k}`;
    if (seen.has(id)) {
      errs.push(duplicateWithDetail(idx, t, 'taints must be unique by key and effect pair'));
      return;
    }
    seen.add(id);
  });
  return errs;
}

/** `ValidateNodeResources`: capacity and allocatable quantities parse and are ≥ 0 (`status.capacity.cpu`). */
function validateNodeResources(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  for (const field of ['capacity', 'allocatable'] as const) {
    for (const [name, raw] of Object.entries(node.status?.[field] ?? {})) {
      const path = child('status', field, name);
      const s = asString(raw);
      try {
        const q = parseQuantity(s);
        if (q.sign() < 0)
          errs.push(fieldErrors.invalid(path, q.toString(), 'must be greater than or equal to 0'));
      } catch (e) {
        errs.push(fieldErrors.invalid(path, s, e instanceof Error ? e.message : String(e)));
      }
    }
  }
  return errs;
}

/** `ValidateNode`: cluster-scoped DNS-1123 subdomain name, taints, status quantities. */
export function validateNode(node: Node): FieldError[] {
  return [
    ...validateObjectMeta(node.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain }),
    ...validateNodeTaints(node.spec?.taints),
    ...validateNodeResources(node),
  ];
}

/**
 * `ValidateNodeUpdate`: metadata update rules, status quantities, no duplicate
 * `status.addresses[i]`, `spec.podCIDR(s)` and `spec.providerID` only settable from empty
 * (`node updates may not change podCIDR except from "" to valid`), and taints re-validated.
 * Also used for `/status` updates, as upstream.
 */
export function validateNodeUpdate(newNode: Node, oldNode: Node): FieldError[] {
  const errs: FieldError[] = [
    ...validateObjectMetaUpdate(newNode.metadata, oldNode.metadata),
    ...validateNodeResources(newNode),
  ];
  const addrs = new Set<string>();
  (newNode.status?.addresses ?? []).forEach((a, i) => {
    const id = `${asString(a.type)}\u0000${asString(a.address)}`;
    if (addrs.has(id)) errs.push(fieldErrors.duplicate(index('status.addresses', i), a));
    addrs.add(id);
  });
  const oldCIDRs = oldNode.spec?.podCIDRs ?? (oldNode.spec?.podCIDR ? [oldNode.spec.podCIDR] : []);
  const newCIDRs = newNode.spec?.podCIDRs ?? (newNode.spec?.podCIDR ? [newNode.spec.podCIDR] : []);
  if (oldCIDRs.length > 0 && oldCIDRs.join(',') !== newCIDRs.join(',')) {
    errs.push(
      fieldErrors.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'),
    );
  }
  const oldProvider = asString(oldNode.spec?.providerID);
  if (oldProvider !== '' && oldProvider !== asString(newNode.spec?.providerID)) {
    errs.push(
      fieldErrors.forbidden(
        'spec.providerID',
        'node updates may not change providerID except from "" to valid',
      ),
    );
  }
  errs.push(...validateNodeTaints(newNode.spec?.taints));
  return dedupe(errs);
}
