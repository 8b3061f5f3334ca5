/**
 * DaemonSet validation (pkg/apis/apps/validation + the apps/v1 registry strategy and conversion):
 * every rule of spec §1.5 and §1.6 with upstream's field paths and messages.
 */
import type {
  DaemonSet,
  DaemonSetSpec,
  DaemonSetUpdateStrategy,
  RollingUpdateDaemonSet,
} from 'kubernetes-types/apps/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrors } from '../errors.js';
import type { Selector } from '../labels.js';
import { labelSelectorAsSelector, validateLabelSelector } from '../labels.js';
import { validateImmutableField, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { validatePodTemplateSpec } from './pod.js';
import { child, dedupe, invalidRaw, key, parseInt64, semanticEqual, validateNonnegative } from './util.js';

/** Annotation carrying the internal `spec.templateGeneration` in apps/v1. */
export const DeprecatedTemplateGenerationAnnotation = 'deprecated.daemonset.template.generation';

/** Upstream's `IsValidPercent` message (note the double space, as upstream prints it). */
export const PercentErrorMsg =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

const percentRe = /^[0-9]+%$/;

type IntOrString = number | string;

/** How Go prints an `intstr.IntOrString` in a field error: its `String()`, unquoted. */
function rawIntOrString(v: IntOrString | null | undefined): string {
  return v === undefined || v === null ? '0' : String(v);
}

/** `ValidatePositiveIntOrPercent`: ints ≥ 0, strings `^[0-9]+%$`. A missing value is the zero int. */
export function validatePositiveIntOrPercent(v: IntOrString | null | undefined, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return percentRe.test(v) ? [] : [invalidRaw(path, v, PercentErrorMsg)];
  if (typeof v === 'number' && Number.isInteger(v)) return validateNonnegative(v, path);
  return [invalidRaw(path, rawIntOrString(v), "must be an integer or percentage (e.g '5%')")];
}

/** The percentage of a valid percent string, else undefined (`getPercentValue`). */
function percentValue(v: IntOrString | null | undefined): number | undefined {
  return typeof v === 'string' && percentRe.test(v) ? Number(v.slice(0, -1)) : undefined;
}

/** `getIntOrPercentValue`: percent value, int value, or a string parsed with `Atoi` (0 on failure). */
function intOrPercentValue(v: IntOrString | null | undefined): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseInt64(v) ?? 0;
  return 0;
}

/** `IsNotMoreThan100Percent`: `Invalid value: 101%: must not be greater than 100%`. */
export function isNotMoreThan100Percent(v: IntOrString | null | undefined, path: string): FieldError[] {
  const p = percentValue(v);
  return p === undefined || p <= 100
    ? []
    : [invalidRaw(path, rawIntOrString(v), 'must not be greater than 100%')];
}

/**
 * `ValidateRollingUpdateDaemonSet`: both fields int ≥ 0 or `N%` with N ≤ 100; exactly one of
 * them non-zero (zero-ness on the numeric value, so `0` and `"0%"` are both zero):
 * - both non-zero → `…rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero`;
 * - both zero → `…rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0`.
 */
export function validateRollingUpdateDaemonSet(ru: RollingUpdateDaemonSet, path: string): FieldError[] {
  const muPath = child(path, 'maxUnavailable');
  const msPath = child(path, 'maxSurge');
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, muPath),
    ...validatePositiveIntOrPercent(ru.maxSurge, msPath),
    ...isNotMoreThan100Percent(ru.maxUnavailable, muPath),
    ...isNotMoreThan100Percent(ru.maxSurge, msPath),
  ];
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) {
    errs.push(
      invalidRaw(msPath, rawIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'),
    );
  } else if (!hasUnavailable && !hasSurge) {
    errs.push(fieldErrors.required(muPath, 'cannot be 0 when maxSurge is 0'));
  }
  return errs;
}

/**
 * `ValidateDaemonSetUpdateStrategy`: OnDelete needs nothing; RollingUpdate needs a
 * `rollingUpdate` block (`spec.updateStrategy.rollingUpdate: Required value`) whose parameters
 * pass {@link validateRollingUpdateDaemonSet}; any other type is
 * `spec.updateStrategy: Unsupported value: "Foo": supported values: "OnDelete", "RollingUpdate"`.
 */
export function validateDaemonSetUpdateStrategy(
  strategy: DaemonSetUpdateStrategy | null | undefined,
  path: string,
): FieldError[] {
  const type = strategy?.type ?? '';
  switch (type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate':
      if (strategy?.rollingUpdate == null) return [fieldErrors.required(child(path, 'rollingUpdate'))];
      return validateRollingUpdateDaemonSet(strategy.rollingUpdate, child(path, 'rollingUpdate'));
    default:
      return [fieldErrors.notSupported(path, type, ['OnDelete', 'RollingUpdate'])];
  }
}

/** Options of {@link validateDaemonSetSpec}. */
export interface DaemonSetSpecValidationOptions {
  /** The internal templateGeneration (parsed from the annotation), checked ≥ 0 when present. */
  readonly templateGeneration?: number;
  /** Skip label-value syntax checks in selector expressions (set on update when the old object had such values). */
  readonly allowInvalidLabelValueInSelector?: boolean;
}

function selectorOf(ls: LabelSelector | null | undefined): Selector | undefined {
  try {
    return labelSelectorAsSelector(ls ?? null);
  } catch {
    return undefined;
  }
}

/**
 * `ValidateDaemonSetSpec`, in upstream order:
 * 1. `spec.selector` label-selector syntax;
 * 2. `spec.template.metadata.labels: Invalid value: {"app":"x"}: \`selector\` does not match template \`labels\``
 *    when the selector converts but does not match (a missing selector matches nothing, so it
 *    always ends up here);
 * 3. `spec.selector: Invalid value: {}: empty selector is invalid for daemonset`;
 * 4. the pod template (labels at `spec.template.labels`, spec at `spec.template.spec`);
 * 5. `spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`;
 * 6. `spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported`;
 * 7. `spec.minReadySeconds`, `spec.templateGeneration`, `spec.revisionHistoryLimit` ≥ 0
 *    (`must be greater than or equal to 0`), with the update strategy checked between the last two.
 */
export function validateDaemonSetSpec(
  spec: DaemonSetSpec | null | undefined,
  path = 'spec',
  opts: DaemonSetSpecValidationOptions = {},
): FieldError[] {
  const s = spec ?? ({} as Partial<DaemonSetSpec>);
  const selPath = child(path, 'selector');
  const errs: FieldError[] = [];
  if (s.selector != null) {
    errs.push(
      ...validateLabelSelector(s.selector, selPath, {
        allowInvalidLabelValueInSelector: opts.allowInvalidLabelValueInSelector === true,
      }),
    );
  }
  const selector = selectorOf(s.selector);
  const templateLabels = s.template?.metadata?.labels;
  if (selector && !selector.matches(templateLabels)) {
    errs.push(
      fieldErrors.invalid(
        child(path, 'template', 'metadata', 'labels'),
        templateLabels ?? null,
        '`selector` does not match template `labels`',
      ),
    );
  }
  if (
    s.selector != null &&
    Object.keys(s.selector.matchLabels ?? {}).length + (s.selector.matchExpressions ?? []).length === 0
  ) {
    errs.push(fieldErrors.invalid(selPath, s.selector, 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec(s.template, child(path, 'template')));
  const restartPolicy = s.template?.spec?.restartPolicy ?? '';
  if (restartPolicy !== 'Always') {
    errs.push(
      fieldErrors.notSupported(child(path, 'template', 'spec', 'restartPolicy'), restartPolicy, ['Always']),
    );
  }
  if (s.template?.spec?.activeDeadlineSeconds != null) {
    errs.push(
      fieldErrors.forbidden(
        child(path, 'template', 'spec', 'activeDeadlineSeconds'),
        'activeDeadlineSeconds in DaemonSet is not Supported',
      ),
    );
  }
  errs.push(...validateNonnegative(s.minReadySeconds, child(path, 'minReadySeconds')));
  errs.push(...validateNonnegative(opts.templateGeneration, child(path, 'templateGeneration')));
  errs.push(...validateDaemonSetUpdateStrategy(s.updateStrategy, child(path, 'updateStrategy')));
  if (s.revisionHistoryLimit != null) {
    errs.push(...validateNonnegative(s.revisionHistoryLimit, child(path, 'revisionHistoryLimit')));
  }
  return errs;
}

/**
 * The internal templateGeneration carried by the `deprecated.daemonset.template.generation`
 * annotation: `{}` when absent, `{ value }` when it parses as a base-10 int64, else the conversion
 * failure as a field error at `metadata.annotations[deprecated.daemonset.template.generation]`.
 */
export function templateGenerationOf(ds: DaemonSet): { value?: number; error?: FieldError } {
  const raw = ds.metadata?.annotations?.[DeprecatedTemplateGenerationAnnotation];
  if (raw === undefined) return {};
  const value = parseInt64(raw);
  if (value !== undefined) return { value };
  const path = key('metadata.annotations', DeprecatedTemplateGenerationAnnotation);
  return {
    error: fieldErrors.invalid(path, raw, `strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`),
  };
}

function specOptions(
  ds: DaemonSet,
  allowInvalidLabelValueInSelector = false,
): DaemonSetSpecValidationOptions {
  const tg = templateGenerationOf(ds).value;
  return { ...(tg !== undefined ? { templateGeneration: tg } : {}), allowInvalidLabelValueInSelector };
}

/**
 * `ValidateDaemonSet` for a create: metadata (namespaced, DNS-1123 subdomain name) and spec. A
 * template-generation annotation that is not an integer fails conversion upstream, before any
 * validation, so it is reported alone.
 */
export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  const tg = templateGenerationOf(ds);
  if (tg.error) return [tg.error];
  return [
    ...validateObjectMeta(ds.metadata, { namespaced: true }),
    ...validateDaemonSetSpec(ds.spec, 'spec', specOptions(ds)),
  ];
}

/**
 * `ValidateDaemonSetSpecUpdate` (templateGeneration bookkeeping), applied only when both objects
 * carry a parseable `deprecated.daemonset.template.generation` annotation: it must not decrease
 * (`must not be decremented`), must grow when the template changed (`must be incremented upon
 * template update`) and must not grow otherwise (`must not be incremented without template
 * update`). The registry strategy is expected to have bumped it (as upstream's PrepareForUpdate
 * does) before validation runs.
 */
export function validateDaemonSetSpecUpdate(newDs: DaemonSet, oldDs: DaemonSet, path = 'spec'): FieldError[] {
  const n = templateGenerationOf(newDs).value;
  const o = templateGenerationOf(oldDs).value;
  if (n === undefined || o === undefined) return [];
  const tgPath = child(path, 'templateGeneration');
  const errs: FieldError[] = [];
  if (n < o) errs.push(fieldErrors.invalid(tgPath, n, 'must not be decremented'));
  const templateUpdated = !semanticEqual(newDs.spec?.template, oldDs.spec?.template);
  if (n === o && templateUpdated) {
    errs.push(fieldErrors.invalid(tgPath, n, 'must be incremented upon template update'));
  } else if (n > o && !templateUpdated) {
    errs.push(fieldErrors.invalid(tgPath, n, 'must not be incremented without template update'));
  }
  return errs;
}

function hasInvalidLabelValueInSelector(ls: LabelSelector | null | undefined): boolean {
  if (ls == null) return false;
  const strict = validateLabelSelector(ls, 'x').length;
  const relaxed = validateLabelSelector(ls, 'x', { allowInvalidLabelValueInSelector: true }).length;
  return strict !== relaxed;
}

/**
 * A DaemonSet update (strategy `ValidateUpdate`): the new object validated as on create (label
 * values in selector expressions are tolerated if the old selector already had bad ones),
 * metadata update rules, templateGeneration bookkeeping ({@link validateDaemonSetSpecUpdate}) and
 * `spec.selector: Invalid value: {…}: field is immutable` when the selector changed (compared
 * with apimachinery semantic equality: a missing list or map equals an empty one).
 */
export function validateDaemonSetUpdate(newDs: DaemonSet, oldDs: DaemonSet): FieldError[] {
  const tg = templateGenerationOf(newDs);
  if (tg.error) return [tg.error];
  const allowBad = hasInvalidLabelValueInSelector(oldDs.spec?.selector);
  return dedupe([
    ...validateObjectMeta(newDs.metadata, { namespaced: true }),
    ...validateDaemonSetSpec(newDs.spec, 'spec', specOptions(newDs, allowBad)),
    ...validateObjectMetaUpdate(newDs.metadata, oldDs.metadata),
    ...validateDaemonSetSpecUpdate(newDs, oldDs),
    ...validateImmutableField(newDs.spec?.selector ?? null, oldDs.spec?.selector ?? null, 'spec.selector'),
  ]);
}

const statusCounters = [
  'currentNumberScheduled',
  'numberMisscheduled',
  'desiredNumberScheduled',
  'numberReady',
  'observedGeneration',
  'updatedNumberScheduled',
  'numberAvailable',
  'numberUnavailable',
  'collisionCount',
] as const;

/**
 * `ValidateDaemonSetStatusUpdate`: metadata update rules; every counter of `status` and
 * `observedGeneration` ≥ 0 (`status.numberReady: Invalid value: -1: must be greater than or equal
 * to 0`); `collisionCount` may not decrease or be cleared
 * (`status.collisionCount: Invalid value: 1: cannot be decremented`).
 */
export function validateDaemonSetStatusUpdate(newDs: DaemonSet, oldDs: DaemonSet): FieldError[] {
  const errs = validateObjectMetaUpdate(newDs.metadata, oldDs.metadata);
  const st = newDs.status;
  for (const f of statusCounters) errs.push(...validateNonnegative(st?.[f], child('status', f)));
  const n = st?.collisionCount;
  const o = oldDs.status?.collisionCount;
  if (o != null && (n == null || n < o)) {
    errs.push(fieldErrors.invalid('status.collisionCount', n ?? 0, 'cannot be decremented'));
  }
  return errs;
}
