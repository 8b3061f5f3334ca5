/**
 * The scheduling predicates shared by the scheduler, the kubelet's admission and the DaemonSet
 * controller, as k8s.io/component-helpers/scheduling/corev1 (and its nodeaffinity package) and the
 * DaemonSet controller's util package define them: node selector and required node affinity
 * matching, taint/toleration matching, and the node-name affinity DaemonSet pods are pinned with.
 */
import type {
  Affinity,
  Node,
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Pod,
  Taint,
  Toleration,
} from 'kubernetes-types/core/v1.js';
import { fieldErrors, fieldErrorString } from './errors.js';
import { requirementErrors, requirementMatches, requirementToString } from './labels.js';
import type { Requirement, SelectorOperator } from './labels.js';

type Labels = Readonly<Record<string, string>>;

/** The only field node selector `matchFields` can name: the node's `metadata.name`. */
export const nodeNameField = 'metadata.name';

const nodeSelectorOperators: ReadonlyMap<string, SelectorOperator> = new Map<string, SelectorOperator>([
  ['In', 'In'],
  ['NotIn', 'NotIn'],
  ['Exists', 'Exists'],
  ['DoesNotExist', 'DoesNotExist'],
  ['Gt', 'Gt'],
  ['Lt', 'Lt'],
]);

interface FieldTerm {
  readonly key: string;
  readonly equal: boolean;
  readonly value: string;
}

type ParsedTerm =
  | { readonly kind: 'empty' }
  | { readonly kind: 'invalid'; readonly errors: readonly string[] }
  | {
      readonly kind: 'ok';
      readonly expressions: readonly Requirement[];
      readonly fields: readonly FieldTerm[];
    };

function toRequirement(
  req: NodeSelectorRequirement,
  path: string,
): { requirement: Requirement; errors?: never } | { errors: string[] } {
  const operator = nodeSelectorOperators.get(req.operator);
  if (operator === undefined)
    return {
      errors: [
        fieldErrorString(
          fieldErrors.notSupported(`${path}.operator`, req.operator, [...nodeSelectorOperators.keys()]),
        ),
      ],
    };
  const errors = requirementErrors(req.key, operator, req.values, path);
  if (errors.length > 0) return { errors };
  return { requirement: { key: req.key, operator, values: req.values ?? [] } };
}

function parseTerm(term: NodeSelectorTerm, path: string): ParsedTerm {
  const exprs = term.matchExpressions ?? [];
  const fieldReqs = term.matchFields ?? [];
  if (exprs.length === 0 && fieldReqs.length === 0) return { kind: 'empty' };
  const errors: string[] = [];
  const expressions: Requirement[] = [];
  exprs.forEach((req, j) => {
    const r = toRequirement(req, `${path}.matchExpressions[${j}]`);
    if (r.errors !== undefined) errors.push(...r.errors);
    else expressions.push(r.requirement);
  });
  const fields: FieldTerm[] = [];
  fieldReqs.forEach((req, j) => {
    const supported = req.operator === 'In' || req.operator === 'NotIn';
    if (supported && req.values?.length === 1) {
      fields.push({ key: req.key, equal: req.operator === 'In', value: req.values[0] ?? '' });
      return;
    }
    // The path only names errors: built when there is one (every scheduling attempt parses terms).
    const p = `${path}.matchFields[${j}]`;
    if (!supported) {
      errors.push(fieldErrorString(fieldErrors.notSupported(`${p}.operator`, req.operator, ['In', 'NotIn'])));
    } else {
      const shown =
        req.values === undefined
          ? '[]string(nil)'
          : `[]string{${req.values.map((v) => JSON.stringify(v)).join(', ')}}`;
      errors.push(`${p}.values: Invalid value: ${shown}: must have one element`);
    }
  });
  return errors.length > 0 ? { kind: 'invalid', errors } : { kind: 'ok', expressions, fields };
}

/** Why a parsed term fails on a node, or undefined when it matches. */
function termFailure(parsed: ParsedTerm, path: string, node: Node): string | undefined {
  switch (parsed.kind) {
    case 'empty':
      return `${path}: an empty term matches no nodes`;
    case 'invalid':
      return parsed.errors.join('; ');
    case 'ok': {
      const labels = node.metadata?.labels;
      const ei = parsed.expressions.findIndex((r) => !requirementMatches(r, labels));
      if (ei >= 0) {
        const r = parsed.expressions[ei];
        return `${path}.matchExpressions[${ei}] (${r ? requirementToString(r) : ''}) not satisfied`;
      }
      // Upstream skips matchFields for a node without a name (its field set is empty).
      const name = node.metadata?.name ?? '';
      if (name === '') return undefined;
      const fi = parsed.fields.findIndex(
        (f) => ((f.key === nodeNameField ? name : '') === f.value) !== f.equal,
      );
      if (fi >= 0) {
        const f = parsed.fields[fi];
        return `${path}.matchFields[${fi}] (${f ? `${f.key}${f.equal ? '=' : '!='}${f.value}` : ''}) not satisfied`;
      }
      return undefined;
    }
  }
}

/**
 * Whether one node selector requirement holds for a label set: `In`, `NotIn` (also true when the
 * key is absent), `Exists`, `DoesNotExist`, and `Gt`/`Lt` (exactly one value, both it and the
 * label parsed as base-10 int64; anything else does not match). An invalid requirement (unknown
 * operator, wrong value count, bad key or value syntax) never matches.
 */
export function nodeSelectorRequirementMatches(
  req: NodeSelectorRequirement,
  labels: Labels | undefined,
): boolean {
  const r = toRequirement(req, '');
  return r.errors === undefined && requirementMatches(r.requirement, labels);
}

/**
 * Whether a node selector term holds for `node`: all `matchExpressions` against the node's labels
 * and all `matchFields` against its name (`metadata.name` with `In`/`NotIn` and exactly one value;
 * other keys read as `''`). A term with neither expressions nor fields matches nothing, and a term
 * with any invalid requirement matches nothing.
 */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  return termFailure(parseTerm(term, ''), '', node) === undefined;
}

/** Whether any term of `selector` matches (terms are ORed; no terms matches nothing). */
export function nodeSelectorMatches(selector: NodeSelector, node: Node): boolean {
  return selector.nodeSelectorTerms.some((t) => nodeSelectorTermMatches(t, node));
}

/** The outcome of {@link explainNodeAffinity}. */
export type NodeAffinityResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Which half failed: `spec.nodeSelector` or `requiredDuringSchedulingIgnoredDuringExecution`. */
      readonly reason: 'nodeSelector' | 'affinity';
      /**
       * For `nodeSelector`, the first failing `key=value` in key order (`ssd=true`). For `affinity`,
       * why each term failed, `; `-separated, naming terms by index, e.g.
       * `nodeSelectorTerms[0].matchExpressions[1] (zone in (a,b)) not satisfied`.
       */
      readonly detail: string;
    };

/**
 * {@link requiredNodeAffinityMatches} with the reason for a mismatch. The nodeSelector is checked
 * first, as upstream's `RequiredNodeAffinity.Match` does.
 */
export function explainNodeAffinity(pod: Pod, node: Node): NodeAffinityResult {
  const selector = pod.spec?.nodeSelector ?? {};
  const labels = node.metadata?.labels ?? {};
  for (const key of Object.keys(selector).sort()) {
    const want = selector[key] ?? '';
    if (!Object.hasOwn(labels, key) || labels[key] !== want)
      return { ok: false, reason: 'nodeSelector', detail: `${key}=${want}` };
  }
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return { ok: true };
  const terms = required.nodeSelectorTerms;
  if (terms.length === 0) return { ok: false, reason: 'affinity', detail: 'no nodeSelectorTerms' };
  const failures: string[] = [];
  for (const [i, term] of terms.entries()) {
    const path = `nodeSelectorTerms[${i}]`;
    const failure = termFailure(parseTerm(term, path), path, node);
    if (failure === undefined) return { ok: true };
    failures.push(failure);
  }
  return { ok: false, reason: 'affinity', detail: failures.join('; ') };
}

/**
 * Whether `pod` may run on `node` by its required placement: every `spec.nodeSelector` entry equals
 * the node's label, and `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`
 * (when set) has a matching term; a required selector with no terms matches no node. Preferred
 * terms are ignored. Upstream: `nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)`.
 */
export function requiredNodeAffinityMatches(pod: Pod, node: Node): boolean {
  return explainNodeAffinity(pod, node).ok;
}

// ---------------------------------------------------------------------------------------------
// Taints and tolerations

/**
 * Whether a toleration tolerates a taint (upstream `Toleration.ToleratesTaint`): the effects must
 * be equal unless the toleration's is empty; the keys must be equal unless the toleration's is
 * empty (API validation allows an empty key only with `Exists`, which then tolerates everything);
 * `Exists` accepts any value, `Equal` or an empty operator needs equal values, and any other
 * operator tolerates nothing.
 */
export function tolerationToleratesTaint(t: Toleration, taint: Taint): boolean {
  if ((t.effect ?? '') !== '' && t.effect !== taint.effect) return false;
  if ((t.key ?? '') !== '' && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** Whether any of `tolerations` tolerates `taint`. */
export function tolerationsTolerateTaint(
  tolerations: readonly Toleration[] | undefined,
  taint: Taint,
): boolean {
  return (tolerations ?? []).some((t) => tolerationToleratesTaint(t, taint));
}

/**
 * The first taint accepted by `inclusionFilter` that none of `tolerations` tolerates, or undefined
 * when all such taints are tolerated (upstream `FindMatchingUntoleratedTaint`). Callers pass e.g.
 * `t => t.effect === 'NoSchedule' || t.effect === 'NoExecute'`.
 */
export function findMatchingUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  inclusionFilter: (t: Taint) => boolean,
): Taint | undefined {
  return (taints ?? []).find(
    (taint) => inclusionFilter(taint) && !tolerationsTolerateTaint(tolerations, taint),
  );
}

/** `key=value:Effect`, or `key:Effect` without a value (upstream `Taint.ToString`, kubectl's form). */
export function taintToString(t: Taint): string {
  const value = t.value ?? '';
  return value === '' ? `${t.key}:${t.effect}` : `${t.key}=${value}:${t.effect}`;
}

/** `{key: value}` as the scheduler prints it in `node(s) had untolerated taint {dedicated: infra}`. */
export function taintForMessage(t: Taint): string {
  return `{${t.key}: ${t.value ?? ''}}`;
}

// ---------------------------------------------------------------------------------------------
// DaemonSet pod pinning

/**
 * The node a DaemonSet pod is bound or pinned to (the DaemonSet controller's `GetTargetNodeName`):
 * `spec.nodeName` when set; otherwise the value of the first `metadata.name` `In` matchFields
 * requirement across the required node-affinity terms, which must have exactly one value;
 * otherwise undefined.
 */
export function getTargetNodeName(pod: Pod): string | undefined {
  const nodeName = pod.spec?.nodeName ?? '';
  if (nodeName !== '') return nodeName;
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  for (const term of terms ?? []) {
    for (const req of term.matchFields ?? []) {
      if (req.key === nodeNameField && req.operator === 'In')
        return req.values?.length === 1 ? req.values[0] : undefined;
    }
  }
  return undefined;
}

/**
 * A copy of `affinity` whose required node affinity is exactly one term,
 * `matchFields: [{key: 'metadata.name', operator: 'In', values: [nodeName]}]`, replacing any
 * existing required terms; preferred node-affinity terms, pod affinity and anti-affinity are kept
 * (upstream `ReplaceDaemonSetPodNodeNameNodeAffinity`). The input is not modified.
 */
export function replaceDaemonSetPodNodeNameNodeAffinity(
  affinity: Affinity | undefined,
  nodeName: string,
): Affinity {
  const terms: NodeSelectorTerm[] = [
    { matchFields: [{ key: nodeNameField, operator: 'In', values: [nodeName] }] },
  ];
  const copy: Affinity = affinity === undefined ? {} : structuredClone(affinity);
  copy.nodeAffinity = {
    ...copy.nodeAffinity,
    requiredDuringSchedulingIgnoredDuringExecution: {
      ...copy.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      nodeSelectorTerms: terms,
    },
  };
  return copy;
}
