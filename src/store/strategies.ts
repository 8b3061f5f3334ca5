/**
 * The strategies of the kinds everynode serves: defaulting and validation from src/api, plus the
 * server-side behaviour of upstream's registries and default admission plugins (pod priority,
 * DefaultTolerationSeconds, pod binding, DaemonSet template generation).
 */
import type { Container, Pod, PodCondition, Toleration } from 'kubernetes-types/core/v1.js';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { KubeObject, MutableObject } from '../api/resources.js';
import { resources } from '../api/resources.js';
import { ConflictError, ForbiddenError } from '../api/errors.js';
import { defaulters } from '../api/defaults/index.js';
import { validators } from '../api/validation/index.js';
import { rfc3339 } from '../util/clock.js';
import type { Mutable } from '../util/objects.js';
import { clone, deepEqual, shallowCopy } from '../util/objects.js';
import type { Strategy, StrategyContext } from './strategy.js';

/** Annotation through which apps/v1 exposes a DaemonSet's internal template generation. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';
/** Seconds pods tolerate not-ready/unreachable nodes by default (DefaultTolerationSeconds admission). */
export const DEFAULT_NOT_READY_TOLERATION_SECONDS = 300;
export const DEFAULT_UNREACHABLE_TOLERATION_SECONDS = 300;

function base(kind: string): Strategy {
  const validate = validators[kind];
  const defaulter = defaulters[kind];
  return {
    default: (obj) => (defaulter ? defaulter(obj) : clone(obj)),
    validateCreate: (obj) => validate?.create(obj) ?? [],
    validateUpdate: (obj, old) => validate?.update(obj, old) ?? [],
    ...(validate?.status ? { validateStatusUpdate: (obj, old) => validate.status?.(obj, old) ?? [] } : {}),
  };
}

// ------------------------------------------------------------------------------------------------
// Pods

function admitPriority(pod: Mutable<Pod>, ctx: StrategyContext): void {
  const spec = (pod.spec ??= { containers: [] });
  const name = pod.metadata?.name ?? pod.metadata?.generateName ?? '';
  let value = 0;
  let preemptionPolicy: string | undefined;
  if (spec.priorityClassName) {
    const pc = ctx.reader.get(resources.priorityclasses, '', spec.priorityClassName);
    if (!pc) {
      throw new ForbiddenError(
        `pods "${name}" is forbidden: no PriorityClass with name ${spec.priorityClassName} was found`,
        { kind: 'pods', name },
      );
    }
    value = pc.value;
    preemptionPolicy = pc.preemptionPolicy;
  } else {
    const def = ctx.reader.list(resources.priorityclasses).items.find((pc) => pc.globalDefault);
    if (def) {
      spec.priorityClassName = def.metadata?.name ?? '';
      value = def.value;
      preemptionPolicy = def.preemptionPolicy;
    }
  }
  if (spec.priority !== undefined && spec.priority !== value) {
    throw new ForbiddenError(
      `pods "${name}" is forbidden: the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`,
      { kind: 'pods', name },
    );
  }
  spec.priority = value;
  if (preemptionPolicy !== undefined) spec.preemptionPolicy = preemptionPolicy;
}

/** Whether a NoExecute taint with `key` is tolerated (DefaultTolerationSeconds' check). */
function toleratesNoExecute(tolerations: readonly Toleration[], key: string): boolean {
  for (const t of tolerations) {
    if (
      (t.key === key || (t.key === undefined && t.operator === 'Exists')) &&
      (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute')
    )
      return true;
  }
  return false;
}

function admitDefaultTolerations(pod: Mutable<Pod>): void {
  const spec = (pod.spec ??= { containers: [] });
  const tolerations: Mutable<Toleration>[] = spec.tolerations ?? [];
  const add: Mutable<Toleration>[] = [];
  if (!toleratesNoExecute(tolerations, 'node.kubernetes.io/not-ready')) {
    add.push({
      key: 'node.kubernetes.io/not-ready',
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: DEFAULT_NOT_READY_TOLERATION_SECONDS,
    });
  }
  if (!toleratesNoExecute(tolerations, 'node.kubernetes.io/unreachable')) {
    add.push({
      key: 'node.kubernetes.io/unreachable',
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: DEFAULT_UNREACHABLE_TOLERATION_SECONDS,
    });
  }
  if (add.length > 0) spec.tolerations = [...tolerations, ...add];
}

function bindPod(input: KubeObject, old: KubeObject, ctx: StrategyContext): MutableObject {
  // Copy on write: only metadata, spec and status change; their untouched parts stay shared.
  const frozen = old as Pod;
  // Built with shallowCopy, not spread: spec gains nodeName and status (usually) conditions.
  const pod = shallowCopy(frozen);
  pod.metadata = shallowCopy(frozen.metadata ?? {});
  pod.spec = shallowCopy(frozen.spec ?? { containers: [] });
  pod.status = shallowCopy(frozen.status ?? {});
  const target = (input as Pod).spec?.nodeName ?? '';
  const name = old.metadata?.name ?? '';
  const wantUid = input.metadata?.uid;
  if (wantUid && wantUid !== old.metadata?.uid) {
    throw new ConflictError(
      'pods',
      '',
      name,
      `Precondition failed: UID in precondition: ${wantUid}, UID in object meta: ${old.metadata?.uid ?? ''}`,
    );
  }
  if (pod.metadata?.deletionTimestamp) {
    throw new ConflictError('pods', '', name, `pod ${name} is being deleted, cannot be assigned to a host`);
  }
  if (pod.spec?.nodeName) {
    throw new ConflictError(
      'pods',
      '',
      name,
      `pod ${name} is already assigned to node "${pod.spec.nodeName}"`,
    );
  }
  if (!target) {
    throw new ForbiddenError(`pods "${name}" is forbidden: binding target node name is required`, {
      kind: 'pods',
      name,
    });
  }
  const spec = (pod.spec ??= { containers: [] });
  spec.nodeName = target;
  const status = (pod.status ??= {});
  const conditions: Mutable<PodCondition>[] = (status.conditions ??= []).filter(
    (c) => c.type !== 'PodScheduled',
  );
  conditions.push({
    type: 'PodScheduled',
    status: 'True',
    lastProbeTime: null as unknown as string,
    lastTransitionTime: rfc3339(ctx.now),
  });
  status.conditions = conditions;
  return pod;
}

const podStrategy: Strategy = {
  ...base('Pod'),
  admit(obj, ctx) {
    const pod = obj as Mutable<Pod>;
    admitPriority(pod, ctx);
    admitDefaultTolerations(pod);
    return obj;
  },
  prepareForCreate(obj) {
    const pod = obj as Mutable<Pod>;
    pod.status = { phase: 'Pending', qosClass: qosClass(pod) };
    return obj;
  },
  gracePeriodSeconds(obj, requested) {
    const pod = obj as Pod;
    if (!pod.spec?.nodeName) return 0;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 0;
    const g = requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, g);
  },
  applySubresource(sub, input, old, ctx) {
    if (sub !== 'binding') throw new ForbiddenError(`pods subresource ${sub} is not supported`);
    return bindPod(input, old, ctx);
  },
};

type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/**
 * QoS classes by frozen container list, for pods without init containers: pods from one template
 * share their list (see `defaultPod`). A frozen list cannot change under its entry.
 */
const qosByContainers = new WeakMap<readonly Container[], QOSClass>();

/** The QoS class the apiserver records on create: Guaranteed, Burstable or BestEffort. */
export function qosClass(pod: Pod): QOSClass {
  const list = pod.spec?.containers;
  if (list === undefined || pod.spec?.initContainers !== undefined || !Object.isFrozen(list)) {
    return computeQOSClass(pod);
  }
  let qos = qosByContainers.get(list);
  if (qos === undefined) qosByContainers.set(list, (qos = computeQOSClass(pod)));
  return qos;
}

function computeQOSClass(pod: Pod): QOSClass {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (l === undefined || q === undefined || String(q) !== String(l)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

// ------------------------------------------------------------------------------------------------
// DaemonSets

function templateGeneration(ds: KubeObject): number | undefined {
  const v = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

const daemonSetStrategy: Strategy = {
  ...base('DaemonSet'),
  prepareForCreate(obj) {
    const ds = obj as Mutable<DaemonSet>;
    ds.status = {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
    };
    const m = (ds.metadata ??= {});
    if ((templateGeneration(ds) ?? 0) < 1) {
      m.annotations = { ...(m.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: '1' };
    }
    return obj;
  },
  prepareForUpdate(obj, old) {
    const ds = obj as Mutable<DaemonSet>;
    const m = (ds.metadata ??= {});
    let g = templateGeneration(old) ?? 1;
    if (!deepEqual(ds.spec?.template, (old as DaemonSet).spec?.template)) g += 1;
    m.annotations = { ...(m.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(g) };
    return obj;
  },
};

// ------------------------------------------------------------------------------------------------
// Namespaces

const namespaceStrategy: Strategy = {
  ...base('Namespace'),
  prepareForCreate(obj) {
    const ns = obj as { spec?: { finalizers?: string[] }; status?: { phase?: string } };
    ns.status = { phase: 'Active' };
    return obj;
  },
};

/** Strategies for every served kind, keyed by kind. */
export const defaultStrategies: Readonly<Record<string, Strategy>> = {
  Pod: podStrategy,
  DaemonSet: daemonSetStrategy,
  Namespace: namespaceStrategy,
  Node: base('Node'),
  Event: base('Event'),
  ControllerRevision: base('ControllerRevision'),
  Lease: base('Lease'),
  PriorityClass: base('PriorityClass'),
  ServiceAccount: base('ServiceAccount'),
  ConfigMap: base('ConfigMap'),
  Secret: base('Secret'),
  Role: base('Role'),
  ClusterRole: base('ClusterRole'),
  RoleBinding: base('RoleBinding'),
  ClusterRoleBinding: base('ClusterRoleBinding'),
};
