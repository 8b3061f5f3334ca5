/**
 * Validation of the supporting kinds: Namespace, ControllerRevision, Lease, PriorityClass and
 * (core/v1) Event, after their upstream validators.
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Event, Namespace } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrors } from '../errors.js';
import {
  validateFinalizers,
  validateImmutableField,
  validateKubeFinalizerNames,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './meta.js';
import { asString, dedupe, nameIsDNSLabel, nameIsDNSSubdomain, validateNonnegative } from './util.js';

// ---------------------------------------------------------------------------------------------
// Namespace

/**
 * `ValidateNamespace`: cluster-scoped, name a DNS-1123 label (`metadata.name: Invalid value:
 * "My.NS": a lowercase RFC 1123 label must consist of …`), and `spec.finalizers` entries qualified
 * names that, when unqualified, are standard (`kubernetes`).
 */
export function validateNamespace(ns: Namespace): FieldError[] {
  return [
    ...validateObjectMeta(ns.metadata, { namespaced: false, nameFn: nameIsDNSLabel }),
    ...validateNamespaceFinalizers(ns),
  ];
}

function validateNamespaceFinalizers(ns: Namespace): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ns.spec?.finalizers ?? []) {
    errs.push(...validateFinalizers([f], 'spec.finalizers'));
    // upstream reports this one at the list path, without an index
    for (const e of validateKubeFinalizerNames([f], 'spec.finalizers'))
      errs.push({ ...e, field: 'spec.finalizers' });
  }
  return errs;
}

/** `ValidateNamespaceUpdate`: metadata update rules (spec and status are kept by the strategy). */
export function validateNamespaceUpdate(newNs: Namespace, oldNs: Namespace): FieldError[] {
  return validateObjectMetaUpdate(newNs.metadata, oldNs.metadata);
}

/**
 * `ValidateNamespaceStatusUpdate`: the phase must be `Active` while `deletionTimestamp` is empty
 * (`status.Phase: Invalid value: "Terminating": may only be 'Active' if \`deletionTimestamp\` is
 * empty`) and `Terminating` once it is set. The `status.Phase` capitalisation is upstream's.
 */
export function validateNamespaceStatusUpdate(newNs: Namespace, oldNs: Namespace): FieldError[] {
  const errs = validateObjectMetaUpdate(newNs.metadata, oldNs.metadata);
  const phase = asString(newNs.status?.phase);
  if (!newNs.metadata?.deletionTimestamp) {
    if (phase !== 'Active') {
      errs.push(
        fieldErrors.invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"),
      );
    }
  } else if (phase !== 'Terminating') {
    errs.push(
      fieldErrors.invalid(
        'status.Phase',
        phase,
        "may only be 'Terminating' if `deletionTimestamp` is not empty",
      ),
    );
  }
  return errs;
}

/** `ValidateNamespaceFinalizeUpdate`: metadata update rules and valid `spec.finalizers`. */
export function validateNamespaceFinalizeUpdate(newNs: Namespace, oldNs: Namespace): FieldError[] {
  return [...validateObjectMetaUpdate(newNs.metadata, oldNs.metadata), ...validateNamespaceFinalizers(newNs)];
}

// ---------------------------------------------------------------------------------------------
// ControllerRevision

/**
 * `ValidateControllerRevision`: namespaced, DNS-1123 subdomain name, `data: Required value: data
 * is mandatory`, `revision` ≥ 0.
 */
export function validateControllerRevision(cr: ControllerRevision): FieldError[] {
  const errs = validateObjectMeta(cr.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  if (cr.data === undefined || cr.data === null) errs.push(fieldErrors.required('data', 'data is mandatory'));
  errs.push(...validateNonnegative(cr.revision, 'revision'));
  return errs;
}

/**
 * `ValidateControllerRevisionUpdate`: metadata update rules, create rules, and `data` immutable
 * (`data: Invalid value: …: field is immutable`). `revision` stays mutable: the DaemonSet
 * controller renumbers an existing revision when rolling back to it.
 */
export function validateControllerRevisionUpdate(
  newCr: ControllerRevision,
  oldCr: ControllerRevision,
): FieldError[] {
  return dedupe([
    ...validateObjectMetaUpdate(newCr.metadata, oldCr.metadata),
    ...validateControllerRevision(newCr),
    ...validateImmutableField(newCr.data ?? null, oldCr.data ?? null, 'data'),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Lease

function validateLeaseSpec(lease: Lease): FieldError[] {
  const errs: FieldError[] = [];
  const d = lease.spec?.leaseDurationSeconds;
  if (d != null && d <= 0)
    errs.push(fieldErrors.invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  const t = lease.spec?.leaseTransitions;
  if (t != null && t < 0)
    errs.push(fieldErrors.invalid('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
  return errs;
}

/**
 * `ValidateLease`: namespaced, DNS-1123 subdomain name; holderIdentity optional;
 * `spec.leaseDurationSeconds` > 0 and `spec.leaseTransitions` ≥ 0 when set.
 */
export function validateLease(lease: Lease): FieldError[] {
  return [
    ...validateObjectMeta(lease.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }),
    ...validateLeaseSpec(lease),
  ];
}

/** `ValidateLeaseUpdate`: metadata update rules and the spec rules of {@link validateLease}. */
export function validateLeaseUpdate(newLease: Lease, oldLease: Lease): FieldError[] {
  return [...validateObjectMetaUpdate(newLease.metadata, oldLease.metadata), ...validateLeaseSpec(newLease)];
}

// ---------------------------------------------------------------------------------------------
// PriorityClass

/** Largest value a user-defined PriorityClass may have. */
export const HighestUserDefinablePriority = 1000000000;
/** Prefix reserved for the built-in classes. */
export const SystemPriorityClassPrefix = 'system-';

/** The built-in classes the apiserver bootstraps. */
export const systemPriorityClasses: readonly { name: string; value: number; globalDefault: boolean }[] = [
  { name: 'system-node-critical', value: 2000001000, globalDefault: false },
  { name: 'system-cluster-critical', value: 2000000000, globalDefault: false },
];

function knownSystemClassError(pc: PriorityClass): string | undefined {
  const name = asString(pc.metadata?.name);
  const spc = systemPriorityClasses.find((c) => c.name === name);
  if (!spc) return `${name} is not a known system priority class`;
  if (spc.value !== pc.value) return `value of ${spc.name} PriorityClass must be ${spc.value}`;
  if (spc.globalDefault !== (pc.globalDefault ?? false)) {
    return `globalDefault of ${spc.name} PriorityClass must be ${String(spc.globalDefault)}`;
  }
  return undefined;
}

/**
 * `ValidatePriorityClass`: cluster-scoped, DNS-1123 subdomain name. Names starting with `system-`
 * must be an exact built-in class (`metadata.name: Forbidden: priority class names with 'system-'
 * prefix are reserved for system use only. error: …`); other classes may not exceed
 * `value: Forbidden: maximum allowed value of a user defined priority is 1000000000`.
 * `preemptionPolicy` is PreemptLowerPriority or Never.
 */
export function validatePriorityClass(pc: PriorityClass): FieldError[] {
  const errs = validateObjectMeta(pc.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain });
  const name = asString(pc.metadata?.name);
  if (name.startsWith(SystemPriorityClassPrefix)) {
    const err = knownSystemClassError(pc);
    if (err !== undefined) {
      errs.push(
        fieldErrors.forbidden(
          'metadata.name',
          `priority class names with '${SystemPriorityClassPrefix}' prefix are reserved for system use only. error: ${err}`,
        ),
      );
    }
  } else if (pc.value > HighestUserDefinablePriority) {
    errs.push(
      fieldErrors.forbidden(
        'value',
        `maximum allowed value of a user defined priority is ${HighestUserDefinablePriority}`,
      ),
    );
  }
  if (pc.preemptionPolicy != null) {
    const p = asString(pc.preemptionPolicy);
    if (p === '') errs.push(fieldErrors.required('preemptionPolicy'));
    else if (p !== 'PreemptLowerPriority' && p !== 'Never') {
      errs.push(fieldErrors.notSupported('preemptionPolicy', p, ['PreemptLowerPriority', 'Never']));
    }
  }
  return errs;
}

/**
 * `ValidatePriorityClassUpdate`: metadata update rules, `value: Forbidden: may not be changed in
 * an update.` and `preemptionPolicy` immutable.
 */
export function validatePriorityClassUpdate(newPc: PriorityClass, oldPc: PriorityClass): FieldError[] {
  const errs = validateObjectMetaUpdate(newPc.metadata, oldPc.metadata);
  if (newPc.value !== oldPc.value)
    errs.push(fieldErrors.forbidden('value', 'may not be changed in an update.'));
  errs.push(
    ...validateImmutableField(
      newPc.preemptionPolicy ?? null,
      oldPc.preemptionPolicy ?? null,
      'preemptionPolicy',
    ),
  );
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Event (core/v1)

/**
 * `ValidateEventCreate` for core/v1 events: namespaced metadata with a DNS-1123 subdomain name;
 * for legacy events (no `eventTime`) `involvedObject.namespace` must equal the event's namespace
 * (an empty one is accepted in `default`); for new-style events (with `eventTime`) an empty
 * involved namespace is accepted in `default` and `kube-system`, and `reportingComponent`,
 * `reportingInstance`, `action` and `reason` are required.
 */
function namespaceMismatch(involvedNs: string): FieldError {
  return fieldErrors.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace');
}

export function validateEvent(ev: Event): FieldError[] {
  const errs = validateObjectMeta(ev.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  const ns = asString(ev.metadata?.namespace);
  const involvedNs = asString(ev.involvedObject?.namespace);
  if (!ev.eventTime) {
    if (involvedNs === '') {
      if (ns !== '' && ns !== 'default') errs.push(namespaceMismatch(involvedNs));
    } else if (ns !== involvedNs) {
      errs.push(namespaceMismatch(involvedNs));
    }
  } else {
    if (involvedNs === '' && ns !== 'default' && ns !== 'kube-system')
      errs.push(namespaceMismatch(involvedNs));
    if (asString(ev.reportingComponent) === '') errs.push(fieldErrors.required('reportingComponent'));
    if (asString(ev.reportingInstance) === '') errs.push(fieldErrors.required('reportingInstance'));
    if (asString(ev.action) === '') errs.push(fieldErrors.required('action'));
    if (asString(ev.reason) === '') errs.push(fieldErrors.required('reason'));
  }
  return errs;
}

/** Event updates: metadata update rules plus the create rules (core/v1 enforces no field immutability). */
export function validateEventUpdate(newEv: Event, oldEv: Event): FieldError[] {
  return dedupe([...validateObjectMetaUpdate(newEv.metadata, oldEv.metadata), ...validateEvent(newEv)]);
}
