/**
 * The simulated kubelet (kwok-style): one component acts as the kubelet of every Node. It adopts
 * each Node (conditions, addresses, capacity, node info), renews its Lease in `kube-node-lease`,
 * and moves bound pods through the stages of its profile. Nothing here is specific to a node
 * count: state is per object, timers are on the injected clock.
 */
import { hash as digest } from 'node:crypto';
import type { Container, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { resources, objectKey } from '../api/resources.js';
import { isAlreadyExists, isConflict, isNotFound } from '../api/errors.js';
import type { Client } from '../client/types.js';
import type { Informer } from '../client/informer.js';
import { byNodeName } from '../client/informer.js';
import type { EventRecorder } from '../client/events.js';
import type { Controller, Manager } from '../controller/manager.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { parseTime, rfc3339, rfc3339Micro } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { errorMessage } from '../util/log.js';
import type { Mutable } from '../util/objects.js';
import { shallowCopy } from '../util/objects.js';
import { boundedMemo } from '../util/memo.js';
import {
  ALLOCATABLE_ANNOTATION,
  CAPACITY_ANNOTATION,
  DEFAULT_NODE_CAPACITY,
  FAIL_ANNOTATION,
  HEARTBEAT_ANNOTATION,
  TERMINATION_SECONDS_ANNOTATION,
  parseResourceAnnotation,
} from './annotations.js';
import type { KubeletProfile } from './profiles.js';
import type { CompiledStage, DelaySpec, Vars } from './stage.js';
import { CompiledStages, mergeStatus } from './stage.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;
/** Lease renew interval: a quarter of the duration, as the kubelet does. */
export const LEASE_RENEW_INTERVAL_MS = 10_000;
/** How often the Ready condition's lastHeartbeatTime is refreshed without a change (kubelet default 5 min). */
export const NODE_STATUS_REPORT_INTERVAL_MS = 5 * 60_000;

export interface KubeletOptions {
  readonly manager: Manager;
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Records events as `kubelet` (the host is set per node). */
  readonly recorderFor: (nodeName: string) => EventRecorder;
  readonly profile: KubeletProfile;
  /** Random source for jitter and IDs (tests pass a seeded one). */
  readonly random?: () => number;
}

interface Pending {
  readonly stage: string;
  readonly rv: string;
  readonly timer: TimerHandle;
}

const POD_NODE_INDEX = 'nodeName';

/**
 * Full SHA-256 digests for simulated IDs, by input: the same inputs recur (images, node UIDs), so
 * they are cached; an ID of any length is a prefix of the one digest.
 */
const fullDigest = boundedMemo(50_000, (s: string) => sha256(s));

function hash(s: string, len = 12): string {
  return fullDigest(s).slice(0, len);
}

/** The simulated image digest reference of an image (a pure function of its name: cached). */
const imageID = boundedMemo(
  10_000,
  (image: string) => `docker.io/library/${image.split(':')[0] ?? ''}@sha256:${hash(image, 64)}`,
);

function sha256(s: string): string {
  return digest('sha256', s, 'hex');
}

/** The parts of a node's template variables that depend only on the node object (not the time). */
const nodeVarsMemo = new WeakMap<Node, Vars>();

interface ContainerFacts {
  readonly hasProbe: boolean;
  readonly unreadyMessage: string;
}

/**
 * Container facts by frozen container list: pods from one template share their list (see
 * `defaultPod`), and a pod's versions share it too. A frozen list cannot change under its entry.
 */
const containerFactsMemo = new WeakMap<readonly Container[], ContainerFacts>();

/** What the pod variables need from the containers, in one pass (every pod event asks). */
function containerFacts(containers: readonly Container[]): ContainerFacts {
  const hit = containerFactsMemo.get(containers);
  if (hit !== undefined) return hit;
  const facts = computeContainerFacts(containers);
  if (Object.isFrozen(containers)) containerFactsMemo.set(containers, facts);
  return facts;
}

function computeContainerFacts(containers: readonly Container[]): ContainerFacts {
  let hasProbe = false;
  let names = '';
  for (let i = 0; i < containers.length; i++) {
    const c = containers[i] as Container;
    if (c.readinessProbe !== undefined) hasProbe = true;
    // As Array.prototype.join: a missing name is empty.
    names += `${i > 0 ? ' ' : ''}${(c.name as string | null | undefined) ?? ''}`;
  }
  return { hasProbe, unreadyMessage: `containers with unready status: [${names}]` };
}

/** The variables of {@link SimulatedKubelet.podMatchVars}: what pod stage conditions may read. */
// A type alias, not an interface: it is then assignable to Vars (an index signature).
type PodMatchVars = {
  readonly failure: string;
  readonly nodeAlive: unknown;
  readonly readyCondition: string;
  readonly waitingReason: string;
};

const POD_MATCH_VARIABLES: ReadonlySet<string> = new Set<keyof PodMatchVars>([
  'failure',
  'nodeAlive',
  'readyCondition',
  'waitingReason',
]);

/** A stage due at once runs on the next turn of the loop; cancelling it before then skips it. */
class ImmediateHandle implements TimerHandle {
  cancelled = false;
  cancel(): void {
    this.cancelled = true;
  }
}

/** When the first container of a pod status started running, if it runs. */
function runningSince(s: unknown): string | undefined {
  return (s as Pod['status'])?.containerStatuses?.[0]?.state?.running?.startedAt;
}

function readyStatus(
  conditions: ReadonlyArray<{ type?: string; status?: string }> | undefined,
): string | undefined {
  for (const c of conditions ?? []) if (c.type === 'Ready') return c.status;
  return undefined;
}

export class SimulatedKubelet implements Controller {
  readonly name = 'kubelet';
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  /** Stages due, per resource, by the informer's key of the object (`namespace/name` or name). */
  private readonly pending: Readonly<Record<'Pod' | 'Node', Map<string, Pending>>> = {
    Pod: new Map(),
    Node: new Map(),
  };
  private readonly heartbeats = new Map<string, TimerHandle>();
  private readonly lastStatusReport = new Map<string, number>();
  private readonly nodeIndex = new Map<string, number>();
  private readonly podIPs = new Map<string, number>();
  private nextNodeIndex = 0;
  private running = false;
  private readonly random: () => number;
  private readonly stages: CompiledStages;
  private readonly recorders = new Map<string, EventRecorder>();
  /**
   * When each pod's first container last started, to the millisecond (pod UID → ms): `startedAt`
   * is written to the second, and a readiness probe's initialDelaySeconds counts from the start
   * itself, as the real kubelet's prober does.
   */
  private readonly started = new Map<string, number>();
  private inflight = new Set<Promise<void>>();

  constructor(private readonly options: KubeletOptions) {
    this.random = options.random ?? Math.random;
    this.stages = new CompiledStages(options.profile.stages);
    // Matching a pod reads only these variables (see podMatchVars); a profile reading others would
    // match against undefined.
    for (const name of this.stages.matchVariables('Pod'))
      if (!POD_MATCH_VARIABLES.has(name))
        throw new Error(
          `kubelet profile ${options.profile.name}: pod stages match on $${name}, not a match variable`,
        );
    this.pods = options.manager.informers.informer(resources.pods, { [POD_NODE_INDEX]: byNodeName });
    this.nodes = options.manager.informers.informer(resources.nodes);
    this.pods.addHandlers({
      onAdd: (p) => this.evaluatePod(p),
      onUpdate: (_o, p) => this.evaluatePod(p),
      onDelete: (p) => {
        this.cancel('Pod', objectKey(p));
        this.started.delete(p.metadata?.uid ?? '');
      },
    });
    this.nodes.addHandlers({
      onAdd: (n) => this.onNode(n),
      onUpdate: (o, n) => {
        this.onNode(n);
        const changed =
          o.metadata?.annotations?.[HEARTBEAT_ANNOTATION] !==
            n.metadata?.annotations?.[HEARTBEAT_ANNOTATION] ||
          o.metadata?.annotations?.[FAIL_ANNOTATION] !== n.metadata?.annotations?.[FAIL_ANNOTATION] ||
          (o.status?.addresses === undefined) !== (n.status?.addresses === undefined);
        if (changed)
          for (const p of this.pods.byIndex(POD_NODE_INDEX, n.metadata?.name ?? '')) this.evaluatePod(p);
      },
      onDelete: (n) => {
        const name = n.metadata?.name ?? '';
        this.cancel('Node', name);
        this.heartbeats.get(name)?.cancel();
        this.heartbeats.delete(name);
        this.recorders.delete(name);
      },
    });
  }

  start(): void {
    this.running = true;
    for (const n of this.nodes.list()) this.onNode(n);
    for (const p of this.pods.list()) this.evaluatePod(p);
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const pending of [this.pending.Pod, this.pending.Node]) {
      for (const p of pending.values()) p.timer.cancel();
      pending.clear();
    }
    for (const t of this.heartbeats.values()) t.cancel();
    this.heartbeats.clear();
    await Promise.allSettled([...this.inflight]);
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes and heartbeats

  private alive(node: Node | undefined): boolean {
    return node !== undefined && node.metadata?.annotations?.[HEARTBEAT_ANNOTATION] !== 'stopped';
  }

  private onNode(node: Node): void {
    if (!this.running) return;
    const name = node.metadata?.name ?? '';
    if (!this.nodeIndex.has(name)) this.nodeIndex.set(name, this.nextNodeIndex++);
    this.evaluate('Node', name, node, this.nodeVars(node));
    if (this.alive(node)) {
      if (!this.heartbeats.has(name)) this.heartbeat(name, true);
    } else {
      this.heartbeats.get(name)?.cancel();
      this.heartbeats.delete(name);
    }
  }

  private heartbeat(nodeName: string, first: boolean): void {
    const run = (): void => {
      const node = this.nodes.get('', nodeName);
      if (!this.running || !this.alive(node) || !node) {
        this.heartbeats.delete(nodeName);
        return;
      }
      this.track(this.renewLease(node));
      this.track(this.reportStatus(node));
      this.heartbeats.set(nodeName, this.options.clock.setTimeout(run, LEASE_RENEW_INTERVAL_MS));
    };
    if (first) {
      this.heartbeats.set(nodeName, { cancel: () => {} });
      setImmediate(run);
    } else run();
  }

  private async renewLease(node: Node): Promise<void> {
    const name = node.metadata?.name ?? '';
    const lease: Lease = {
      metadata: {
        name,
        namespace: NODE_LEASE_NAMESPACE,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata?.uid ?? '' }],
      },
      spec: {
        holderIdentity: name,
        leaseDurationSeconds: LEASE_DURATION_SECONDS,
        renewTime: rfc3339Micro(this.options.clock.now()),
      },
    };
    try {
      await this.options.client.update(resources.leases, lease);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await this.options.client.create(resources.leases, lease);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
  }

  /** Refreshes lastHeartbeatTime of the node's conditions every report interval. */
  private async reportStatus(node: Node): Promise<void> {
    const name = node.metadata?.name ?? '';
    const now = this.options.clock.now();
    const last = this.lastStatusReport.get(name);
    if (last === undefined) {
      this.lastStatusReport.set(name, now);
      return;
    }
    if (now - last < NODE_STATUS_REPORT_INTERVAL_MS || readyStatus(node.status?.conditions) !== 'True')
      return;
    this.lastStatusReport.set(name, now);
    const conditions = (node.status?.conditions ?? []).map((c) => ({
      ...c,
      lastHeartbeatTime: rfc3339(now),
    }));
    await this.options.client.patchStatus(resources.nodes, '', name, 'merge', { status: { conditions } });
  }

  /** 10.0.0.1–10.0.0.254, then the next /24: distinct for 65,024 nodes. */
  private nodeIP(name: string): string {
    const i = this.nodeIndex.get(name) ?? 0;
    const block = Math.floor(i / 254);
    return `10.${(block >> 8) & 255}.${block & 255}.${(i % 254) + 1}`;
  }

  private nodeVars(node: Node): Vars {
    const vars = shallowCopy(this.staticNodeVars(node));
    vars['now'] = rfc3339(this.options.clock.now());
    return vars;
  }

  /** The node's variables but `now`. */
  private staticNodeVars(node: Node): Vars {
    const hit = nodeVarsMemo.get(node);
    if (hit) return hit;
    const vars = this.computeNodeVars(node);
    // A cached node is frozen: the same object always gives the same variables.
    if (Object.isFrozen(node)) nodeVarsMemo.set(node, vars);
    return vars;
  }

  private computeNodeVars(node: Node): Vars {
    const name = node.metadata?.name ?? '';
    const ann = node.metadata?.annotations ?? {};
    const existing = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    const capacity =
      node.status?.capacity && Object.keys(node.status.capacity).length > 0
        ? node.status.capacity
        : (parseResourceAnnotation(ann[CAPACITY_ANNOTATION]) ?? DEFAULT_NODE_CAPACITY);
    const allocatable =
      node.status?.allocatable && Object.keys(node.status.allocatable).length > 0
        ? node.status.allocatable
        : (parseResourceAnnotation(ann[ALLOCATABLE_ANNOTATION]) ?? capacity);
    return {
      nodeName: name,
      nodeIP: existing ?? this.nodeIP(name),
      machineID: hash(node.metadata?.uid ?? name, 32),
      capacity,
      allocatable,
      readyCondition: readyStatus(node.status?.conditions),
      nodeAlive: String(this.alive(node)),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Pods

  private evaluatePod(pod: Pod): void {
    if (!this.running) return;
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const node = this.nodes.get('', nodeName);
    if (!node) return;
    this.evaluate('Pod', objectKey(pod), pod, this.podMatchVars(pod, node));
  }

  /**
   * The variables pod stages match on ({@link POD_MATCH_VARIABLES}): every pod event is matched,
   * only a stage that fires renders, so matching does not build the full {@link podVars}.
   */
  private podMatchVars(pod: Pod, node: Node): PodMatchVars {
    return {
      // The failure to simulate: the pod's own annotation, else its node's.
      failure:
        pod.metadata?.annotations?.[FAIL_ANNOTATION] ?? node.metadata?.annotations?.[FAIL_ANNOTATION] ?? '',
      nodeAlive: this.staticNodeVars(node)['nodeAlive'],
      readyCondition: readyStatus(pod.status?.conditions) ?? '',
      waitingReason: pod.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? '',
    };
  }

  private podIP(pod: Pod, node: Node): string {
    if (pod.status?.podIP) return pod.status.podIP;
    const name = node.metadata?.name ?? '';
    const i = this.nodeIndex.get(name) ?? 0;
    const n = (this.podIPs.get(name) ?? 1) + 1;
    this.podIPs.set(name, n > 254 ? 2 : n);
    return `10.${244 + ((i >> 8) & 3)}.${i & 255}.${n > 254 ? 2 : n}`;
  }

  /**
   * The pod's template variables (its match variables and the rest); `podIP` is the one to report
   * (default: the pod's own, if any).
   */
  private podVars(pod: Pod, node: Node, podIP = pod.status?.podIP ?? ''): Vars {
    const match = this.podMatchVars(pod, node);
    const containers = pod.spec?.containers ?? [];
    const { hasProbe, unreadyMessage } = containerFacts(containers);
    const readyAtStart = !hasProbe && match.failure !== 'never-ready';
    const now = rfc3339(this.options.clock.now());
    // Listed key by key: spreading `match` and adding keys costs ~1 µs per key on V8 (Node 20), see
    // shallowCopy.
    return {
      failure: match.failure,
      nodeAlive: match.nodeAlive,
      readyCondition: match.readyCondition,
      waitingReason: match.waitingReason,
      now,
      nodeName: node.metadata?.name ?? '',
      nodeIP: this.staticNodeVars(node)['nodeIP'],
      podName: pod.metadata?.name ?? '',
      podIP,
      startTime: pod.status?.startTime ?? now,
      readyAtStart: readyAtStart ? 'True' : 'False',
      readyAtStartBool: readyAtStart,
      readyAtStartReason: readyAtStart ? undefined : 'ContainersNotReady',
      readyAtStartMessage: readyAtStart ? undefined : unreadyMessage,
      unreadyMessage,
      firstImage: containers[0]?.image ?? '',
      firstContainer: containers[0]?.name ?? '',
    } satisfies Vars & PodMatchVars;
  }

  private containerVars(pod: Pod, c: Container): Vars {
    const st = pod.status?.containerStatuses?.find((s) => s.name === c.name);
    const restartCount = st?.restartCount ?? 0;
    const backingOff = st?.state?.waiting?.reason === 'CrashLoopBackOff';
    return {
      name: c.name,
      image: c.image ?? '',
      imageID: imageID(c.image ?? ''),
      // Not through the digest cache: the input is new for every pod and restart.
      containerID: `containerd://${sha256(`${pod.metadata?.uid ?? ''}/${c.name}/${restartCount}`)}`,
      restartCount,
      // A crash restarts the container: the first one at once, later ones after the back-off, so
      // the first CrashLoopBackOff already shows restartCount 1 and "back-off 10s" (as upstream).
      nextRestartCount: restartCount + 1,
      backoff: `${Math.min(300, 10 * 2 ** restartCount)}s`,
      // Once ready: a container waiting in CrashLoopBackOff has been restarted and now runs.
      runningRestartCount: backingOff ? restartCount + 1 : restartCount,
      runningState: st?.state?.running
        ? st.state
        : {
            running: {
              startedAt: st?.state
                ? rfc3339(this.options.clock.now())
                : (pod.status?.startTime ?? rfc3339(this.options.clock.now())),
            },
          },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Stage engine

  private cancel(resource: 'Pod' | 'Node', key: string): void {
    const pending = this.pending[resource];
    pending.get(key)?.timer.cancel();
    pending.delete(key);
  }

  /** Arms the first matching stage for the object at `key` (its informer key), or disarms. */
  private evaluate(resource: 'Pod' | 'Node', key: string, obj: Pod | Node, vars: Vars): void {
    const compiled = this.stages.firstMatching(resource, obj, vars);
    const stage = compiled?.stage;
    const rv = obj.metadata?.resourceVersion ?? '';
    const pending = this.pending[resource];
    const current = pending.get(key);
    if (current && current.stage === stage?.name && current.rv === rv) return;
    this.cancel(resource, key);
    if (!compiled || !stage) return;
    const delay = this.delayFor(stage.delay, obj);
    if (delay <= 0) {
      const timer = new ImmediateHandle();
      pending.set(key, { stage: stage.name, rv, timer });
      setImmediate(() => {
        if (!timer.cancelled) this.fire(resource, key, compiled);
      });
    } else {
      const timer = this.options.clock.setTimeout(() => this.fire(resource, key, compiled), delay);
      pending.set(key, { stage: stage.name, rv, timer });
    }
  }

  private fire(resource: 'Pod' | 'Node', key: string, compiled: CompiledStage): void {
    this.pending[resource].delete(key);
    if (!this.running) return;
    this.track(this.apply(resource, key, compiled));
  }

  private delayFor(spec: DelaySpec | undefined, obj: Pod | Node): number {
    if (!spec) return 0;
    const now = this.options.clock.now();
    switch (spec.kind) {
      case 'fixed':
        return spec.ms + (spec.jitterMs ? Math.floor(this.random() * spec.jitterMs) : 0);
      case 'readinessProbe': {
        const pod = obj as Pod;
        let wait = 0;
        for (const c of pod.spec?.containers ?? []) {
          const p = c.readinessProbe;
          if (!p) continue;
          const jitter = spec.jitter ? Math.floor(this.random() * (p.periodSeconds ?? 10) * 1000) : 0;
          wait = Math.max(wait, (p.initialDelaySeconds ?? 0) * 1000 + jitter);
        }
        const startedAt = parseTime(pod.status?.containerStatuses?.[0]?.state?.running?.startedAt);
        const precise = this.started.get(pod.metadata?.uid ?? '');
        // The precise start, if it is the start `startedAt` records (not one before a restart).
        const started =
          (precise !== undefined &&
          startedAt !== undefined &&
          precise >= startedAt &&
          precise < startedAt + 2000
            ? precise
            : startedAt) ??
          parseTime(pod.status?.startTime) ??
          now;
        return started + wait - now;
      }
      case 'termination': {
        const pod = obj as Pod;
        const grace = (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
        const deadline = parseTime(pod.metadata?.deletionTimestamp) ?? now;
        const began = deadline - grace;
        const annotated = Number(pod.metadata?.annotations?.[TERMINATION_SECONDS_ANNOTATION]);
        const want =
          Number.isFinite(annotated) && annotated >= 0
            ? annotated * 1000
            : spec.defaultMs + (spec.jitterMs ? Math.floor(this.random() * spec.jitterMs) : 0);
        return began + Math.min(grace, want) - now;
      }
      case 'crashBackoff': {
        // Running (or not started): crashes after a second. Waiting with restartCount n: the
        // back-off its message announces, 10 s · 2^(n-1), capped at 5 minutes.
        const st = (obj as Pod).status?.containerStatuses?.[0];
        if (st?.state?.waiting?.reason !== 'CrashLoopBackOff') return 1_000;
        return Math.min(300_000, 10_000 * 2 ** Math.max(0, (st.restartCount ?? 1) - 1));
      }
    }
  }

  /** The node's event recorder, kept per node (asked for on every event recorded). */
  private recorder(nodeName: string): EventRecorder {
    let r = this.recorders.get(nodeName);
    if (!r) this.recorders.set(nodeName, (r = this.options.recorderFor(nodeName)));
    return r;
  }

  private track(p: Promise<void>): void {
    const wrapped = p.catch((err: unknown) => {
      if (!isConflict(err) && !isNotFound(err))
        this.options.logger.warn({ err: errorMessage(err) }, 'kubelet write failed');
    });
    this.inflight.add(wrapped);
    void wrapped.finally(() => this.inflight.delete(wrapped));
  }

  /** Applies a due stage to the object's current state (read again by its informer key). */
  private async apply(resource: 'Pod' | 'Node', key: string, compiled: CompiledStage): Promise<void> {
    const { client } = this.options;
    const { stage } = compiled;
    if (resource === 'Node') {
      const node = this.nodes.getByKey(key);
      if (!node) return;
      const vars = this.nodeVars(node);
      if (compiled.status) {
        const status = mergeStatus(node.status, compiled.status(vars, []));
        await client.updateStatus(resources.nodes, {
          ...node,
          status: status as Mutable<Node>['status'],
        } as Node);
      }
      if (stage.next.event && compiled.message) {
        const e = stage.next.event;
        this.recorder(node.metadata?.name ?? '').event(
          node,
          e.type,
          e.reason,
          String(compiled.message(vars, [])),
        );
      }
      return;
    }
    const pod = this.pods.getByKey(key);
    if (!pod?.spec?.nodeName) return;
    const node = this.nodes.get('', pod.spec.nodeName);
    if (!node) return;
    if (stage.next.delete) {
      await client.delete(resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata?.uid ?? '' },
      });
      return;
    }
    const vars = this.podVars(pod, node, this.podIP(pod, node));
    const containers = (pod.spec.containers ?? []).map((c) => this.containerVars(pod, c));
    if (compiled.status) {
      const at = this.options.clock.now();
      const status = mergeStatus(pod.status, compiled.status(vars, containers));
      const since = runningSince(status);
      if (since !== undefined && since !== runningSince(pod.status))
        this.started.set(pod.metadata?.uid ?? '', at);
      await client.updateStatus(resources.pods, { ...pod, status: status as Pod['status'] } as Pod);
    }
    if (stage.next.event && compiled.message) {
      const e = stage.next.event;
      this.recorder(pod.spec.nodeName).event(pod, e.type, e.reason, String(compiled.message(vars, [])));
    }
  }
}
