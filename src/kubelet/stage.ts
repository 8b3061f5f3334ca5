/**
 * Stages: the simulated kubelet's behaviour as data (after kwok). A stage matches objects by
 * field conditions, waits (fixed delay, jitter, or a delay read from the object), then acts:
 * writes a status rendered from a template, records an event, or deletes the object.
 *
 * Templates are JSON. A string that is exactly `{{name}}` becomes the variable's value with its
 * type (boolean, number, object); other strings interpolate `{{name}}`. An array element of the
 * form `{"$forEachContainer": <template>}` expands once per container with `container.*` variables.
 */

export type StageResource = 'Pod' | 'Node';

/** One condition on a field, addressed by a dotted path (`status.phase`, `metadata.deletionTimestamp`). */
export interface FieldCondition {
  readonly path: string;
  readonly op: 'Exists' | 'DoesNotExist' | 'In' | 'NotIn';
  readonly values?: readonly string[];
}

export type DelaySpec =
  | { readonly kind: 'fixed'; readonly ms: number; readonly jitterMs?: number }
  /** Until the readiness probe first succeeds: initialDelaySeconds (+ up to one periodSeconds of jitter). */
  | { readonly kind: 'readinessProbe'; readonly jitter?: boolean }
  /** Until the container has shut down: min(grace, termination delay), see the kubelet docs. */
  | { readonly kind: 'termination'; readonly defaultMs: number; readonly jitterMs?: number }
  /** CrashLoopBackOff: 10 s doubling per restart, capped at 5 minutes. */
  | { readonly kind: 'crashBackoff' };

export interface StageEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface Stage {
  readonly name: string;
  readonly resource: StageResource;
  /** All conditions must hold (variables such as `failure` are addressable as `$failure`). */
  readonly match: readonly FieldCondition[];
  readonly delay?: DelaySpec;
  readonly next: {
    /** Status template merged into the current status (conditions merge by `type`). */
    readonly status?: unknown;
    readonly event?: StageEvent;
    /** Delete the object with grace period 0. */
    readonly delete?: boolean;
  };
}

export type Vars = Readonly<Record<string, unknown>>;

/** Reads a dotted path from an object; `$name` reads a variable instead. */
export function readPath(obj: unknown, path: string, vars: Vars): unknown {
  if (path.startsWith('$')) return vars[path.slice(1)];
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function scalar(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
    ? String(v)
    : JSON.stringify(v);
}

export function conditionHolds(obj: unknown, c: FieldCondition, vars: Vars): boolean {
  const v = readPath(obj, c.path, vars);
  const present = v !== undefined && v !== null && v !== '';
  switch (c.op) {
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'In':
      return present && (c.values ?? []).includes(scalar(v));
    case 'NotIn':
      return !present || !(c.values ?? []).includes(scalar(v));
  }
}

export function stageMatches(stage: Stage, obj: unknown, vars: Vars): boolean {
  return stage.match.every((c) => conditionHolds(obj, c, vars));
}

/** The first stage of `stages` for `resource` whose conditions hold. */
export function firstMatchingStage(
  stages: readonly Stage[],
  resource: StageResource,
  obj: unknown,
  vars: Vars,
): Stage | undefined {
  return stages.find((s) => s.resource === resource && stageMatches(s, obj, vars));
}

const WHOLE = /^\{\{\s*([\w.]+)\s*\}\}$/;
const PART = /\{\{\s*([\w.]+)\s*\}\}/g;

function lookup(vars: Vars, name: string): unknown {
  if (name in vars) return vars[name];
  return readPath(vars, name, {});
}

/** Renders a template with variables; containers feed `$forEachContainer`. */
export function render(template: unknown, vars: Vars, containers: readonly Vars[] = []): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole?.[1] !== undefined) return lookup(vars, whole[1]);
    return template.replace(PART, (_m, name: string) => {
      const v = lookup(vars, name);
      return v === undefined || v === null ? '' : scalar(v);
    });
  }
  if (Array.isArray(template)) {
    const out: unknown[] = [];
    for (const item of template) {
      if (item !== null && typeof item === 'object' && '$forEachContainer' in item) {
        const inner = (item as { $forEachContainer: unknown }).$forEachContainer;
        for (const c of containers) out.push(render(inner, { ...vars, container: c }, containers));
      } else {
        out.push(render(item, vars, containers));
      }
    }
    return out;
  }
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) {
      const r = render(v, vars, containers);
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  return template;
}

interface Condition {
  type?: string;
  [k: string]: unknown;
}

/**
 * Merges a rendered status into the current one: objects merge recursively, `conditions` merge
 * by `type` (a condition whose status is unchanged keeps its lastTransitionTime), other arrays
 * and scalars replace.
 */
export function mergeStatus(current: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> =
    current !== null && typeof current === 'object' && !Array.isArray(current)
      ? { ...(current as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (k === 'conditions' && Array.isArray(v)) {
      const existing = Array.isArray(base[k]) ? [...(base[k] as Condition[])] : [];
      for (const c of v as Condition[]) {
        const i = existing.findIndex((e) => e.type === c.type);
        if (i < 0) existing.push(c);
        else {
          const prev = existing[i] as Condition;
          existing[i] =
            prev['status'] === c['status']
              ? { ...c, lastTransitionTime: prev['lastTransitionTime'] ?? c['lastTransitionTime'] }
              : c;
        }
      }
      base[k] = existing;
    } else {
      base[k] = mergeStatus(base[k], v);
    }
  }
  return base;
}
