/**
 * Stages: the simulated kubelet's behaviour as data (after kwok). A stage matches objects by
 * field conditions, waits (fixed delay, jitter, or a delay read from the object), then acts:
 * writes a status rendered from a template, records an event, or deletes the object.
 *
 * Templates are JSON. A string that is exactly `{{name}}` becomes the variable's value with its
 * type (boolean, number, object); other strings interpolate `{{name}}`. An array element of the
 * form `{"$forEachContainer": <template>}` expands once per container with `container.*` variables.
 */
import { boundedMemo } from '../util/memo.js';

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

/**
 * Dotted paths split once: the same few paths (`status.phase`, `container.name`…) are read for
 * every object, and splitting them each time was a measurable share of the kubelet's work.
 */
const pathParts = boundedMemo(10_000, (path: string): readonly string[] => path.split('.'));

/** Reads `parts` (from index `from` on) as a path into `obj`. */
function readParts(obj: unknown, parts: readonly string[], from = 0): unknown {
  let cur: unknown = obj;
  for (let i = from; i < parts.length; i++) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[parts[i] as string];
  }
  return cur;
}

/** Reads a dotted path from an object; `$name` reads a variable instead. */
export function readPath(obj: unknown, path: string, vars: Vars): unknown {
  if (path.startsWith('$')) return vars[path.slice(1)];
  return readParts(obj, pathParts(path));
}

function scalar(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
    ? String(v)
    : JSON.stringify(v);
}

/** A condition with its path resolved once: a variable name, or the parts of a field path. */
interface CompiledCondition {
  readonly variable: string | undefined;
  readonly parts: readonly string[];
  readonly op: FieldCondition['op'];
  readonly values: readonly string[];
}

function compileCondition(c: FieldCondition): CompiledCondition {
  const variable = c.path.startsWith('$') ? c.path.slice(1) : undefined;
  return {
    variable,
    parts: variable === undefined ? pathParts(c.path) : [],
    op: c.op,
    values: c.values ?? [],
  };
}

function compiledHolds(obj: unknown, c: CompiledCondition, vars: Vars): boolean {
  const v = c.variable !== undefined ? vars[c.variable] : readParts(obj, c.parts);
  const present = v !== undefined && v !== null && v !== '';
  switch (c.op) {
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'In':
      return present && c.values.includes(scalar(v));
    case 'NotIn':
      return !present || !c.values.includes(scalar(v));
  }
}

export function conditionHolds(obj: unknown, c: FieldCondition, vars: Vars): boolean {
  return compiledHolds(obj, compileCondition(c), vars);
}

/** The first stage of `stages` for `resource` whose conditions hold (as {@link CompiledStages} finds it). */
export function firstMatchingStage(
  stages: readonly Stage[],
  resource: StageResource,
  obj: unknown,
  vars: Vars,
): Stage | undefined {
  return new CompiledStages(stages).firstMatching(resource, obj, vars)?.stage;
}

const WHOLE = /^\{\{\s*([\w.]+)\s*\}\}$/;
const PART = /\{\{\s*([\w.]+)\s*\}\}/g;

/** A template compiled to a function of the variables and the containers. */
export type CompiledTemplate = (vars: Vars, containers: readonly Vars[]) => unknown;

/**
 * Marks a render outside any `$forEachContainer`. Inside one, a template sees the variables plus
 * `container` (as if rendered with `{ ...vars, container }`); the container is passed beside the
 * variables instead of copying them for every container.
 */
const OUTSIDE: unique symbol = Symbol('outside $forEachContainer');

/** A compiled template with its scope's container (or {@link OUTSIDE}). */
type Scoped = (vars: Vars, containers: readonly Vars[], container: unknown) => unknown;

type Lookup = (vars: Vars, container: unknown) => unknown;

/**
 * A variable reference: the whole name if the variables have it, else a dotted path into them.
 * In a container's scope `container` names the container; every other name reads the variables.
 */
function compileLookup(name: string): Lookup {
  const parts = pathParts(name);
  const first = parts[0] ?? '';
  if (parts.length === 1) {
    // A plain name reads the same either way: no `in` test.
    if (name === 'container') return (vars, container) => (container === OUTSIDE ? vars[name] : container);
    return (vars) => vars[name];
  }
  return (vars, container) => {
    if (name in vars) return vars[name];
    if (container === OUTSIDE) return readParts(vars, parts);
    return readParts(first === 'container' ? container : vars[first], parts, 1);
  };
}

function compileString(template: string): Scoped {
  const whole = WHOLE.exec(template);
  if (whole?.[1] !== undefined) {
    const lookup = compileLookup(whole[1]);
    return (vars, _containers, container) => lookup(vars, container);
  }
  // Literal pieces and variables alternate: literals[0] var[0] literals[1] … literals[n].
  const literals: string[] = [];
  const lookups: Lookup[] = [];
  let last = 0;
  for (const m of template.matchAll(PART)) {
    literals.push(template.slice(last, m.index));
    lookups.push(compileLookup(m[1] ?? ''));
    last = m.index + m[0].length;
  }
  if (lookups.length === 0) return () => template;
  literals.push(template.slice(last));
  return (vars, _containers, container) => {
    let out = literals[0] ?? '';
    for (let i = 0; i < lookups.length; i++) {
      const v = (lookups[i] as Lookup)(vars, container);
      out += v === undefined || v === null ? '' : scalar(v);
      out += literals[i + 1] ?? '';
    }
    return out;
  };
}

function compileArray(template: readonly unknown[]): Scoped {
  // Each element renders to one value, or (for `$forEachContainer`) to one per container.
  const each: boolean[] = [];
  const fns: Scoped[] = [];
  for (const item of template) {
    const forEach = item !== null && typeof item === 'object' && '$forEachContainer' in item;
    each.push(forEach);
    fns.push(compileScoped(forEach ? item.$forEachContainer : item));
  }
  return (vars, containers, container) => {
    const out: unknown[] = [];
    for (let i = 0; i < fns.length; i++) {
      const fn = fns[i] as Scoped;
      if (!each[i]) out.push(fn(vars, containers, container));
      else for (const c of containers) out.push(fn(vars, containers, c));
    }
    return out;
  };
}

function compileObject(template: object): Scoped {
  const keys = Object.keys(template);
  const fns = keys.map((k) => compileScoped((template as Record<string, unknown>)[k]));
  return (vars, containers, container) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const r = (fns[i] as Scoped)(vars, containers, container);
      if (r !== undefined) out[keys[i] as string] = r;
    }
    return out;
  };
}

function compileScoped(template: unknown): Scoped {
  if (typeof template === 'string') return compileString(template);
  if (Array.isArray(template)) return compileArray(template);
  if (template !== null && typeof template === 'object') return compileObject(template);
  return () => template;
}

/**
 * Compiles a template once (see {@link render} for the language). The compiled form reads the
 * template no more: later changes to the template object do not reach it.
 */
export function compileTemplate(template: unknown): CompiledTemplate {
  const fn = compileScoped(template);
  return (vars, containers) => fn(vars, containers, OUTSIDE);
}

/** Renders a template with variables; containers feed `$forEachContainer`. */
export function render(template: unknown, vars: Vars, containers: readonly Vars[] = []): unknown {
  return compileTemplate(template)(vars, containers);
}

/**
 * A stage table compiled once for a kubelet: condition paths split, templates turned into
 * functions, so matching and rendering (what {@link firstMatchingStage} and {@link render} do for
 * a single call) do not re-parse the table for every object.
 */
export class CompiledStages {
  private readonly byResource = new Map<StageResource, CompiledStage[]>();

  constructor(stages: readonly Stage[]) {
    for (const stage of stages) {
      let list = this.byResource.get(stage.resource);
      if (!list) this.byResource.set(stage.resource, (list = []));
      list.push({
        stage,
        match: stage.match.map(compileCondition),
        status: stage.next.status !== undefined ? compileTemplate(stage.next.status) : undefined,
        message: stage.next.event ? compileTemplate(stage.next.event.message) : undefined,
      });
    }
  }

  /** The variables the conditions of `resource`'s stages read (what matching needs of the vars). */
  matchVariables(resource: StageResource): Set<string> {
    const names = new Set<string>();
    for (const s of this.byResource.get(resource) ?? [])
      for (const c of s.match) if (c.variable !== undefined) names.add(c.variable);
    return names;
  }

  /** The first stage for `resource` whose conditions hold. */
  firstMatching(resource: StageResource, obj: unknown, vars: Vars): CompiledStage | undefined {
    for (const s of this.byResource.get(resource) ?? []) {
      let all = true;
      for (const c of s.match) {
        if (!compiledHolds(obj, c, vars)) {
          all = false;
          break;
        }
      }
      if (all) return s;
    }
    return undefined;
  }
}

export interface CompiledStage {
  readonly stage: Stage;
  readonly match: readonly CompiledCondition[];
  /** `render(stage.next.status, …)`, when the stage writes a status. */
  readonly status: CompiledTemplate | undefined;
  /** `render(stage.next.event.message, …)`, when the stage records an event. */
  readonly message: CompiledTemplate | undefined;
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
  // Copied with Object.assign, not spread: the rendered status usually adds keys (V8's slow path).
  const base: Record<string, unknown> =
    current !== null && typeof current === 'object' && !Array.isArray(current)
      ? Object.assign({}, current as Record<string, unknown>)
      : {};
  const entries = patch as Record<string, unknown>;
  for (const k in entries) {
    const v = entries[k];
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
