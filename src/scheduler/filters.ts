/**
 * The scheduler's filters, pure: does a pod fit a node, and if not, why — in the words of
 * kube-scheduler's plugins (NodeName, NodeUnschedulable, NodeAffinity, TaintToleration,
 * NodeResourcesFit, NodePorts), so FailedScheduling messages read like upstream's.
 */
import type { Container, Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../api/quantity.js';
import { boundedMemo } from '../util/memo.js';
import {
  findMatchingUntoleratedTaint,
  requiredNodeAffinityMatches,
  taintForMessage,
  tolerationToleratesTaint,
} from '../api/scheduling.js';

/** Resource amounts in integer units: cpu in millicores, memory and others in base units. */
export type Resources = Map<string, bigint>;

export interface NodeInfo {
  readonly node: Node;
  /** Pods bound to the node that still hold resources (not terminal). */
  readonly pods: readonly Pod[];
  /** Sum of the requests of `pods`. */
  readonly requested: Resources;
  /** Host ports in use: `protocol/ip/port`. */
  readonly usedPorts: ReadonlySet<string>;
}

export type FilterCode =
  'NodeName' | 'NodeUnschedulable' | 'NodeAffinity' | 'TaintToleration' | 'NodeResourcesFit' | 'NodePorts';

export interface FilterFailure {
  readonly plugin: FilterCode;
  /** Reasons as they appear in `0/N nodes are available: …` (one node may give several). */
  readonly reasons: readonly string[];
  /** True when removing pods from the node could make the pod fit (preemption may help). */
  readonly resolvableByPreemption: boolean;
}

export const UNSCHEDULABLE_TAINT_KEY = 'node.kubernetes.io/unschedulable';

/** Amounts already converted, per unit (millicores for cpu, base units otherwise) and spelling. */
const milliUnits = boundedMemo(4096, (text: string) => parseQuantity(text).milliValue());
const baseUnits = boundedMemo(4096, (text: string) => parseQuantity(text).value());

/** A resource amount in the integer units the filters compare: millicores for cpu, base units otherwise. */
export const resourceUnits = (name: string, value: string | number): bigint => {
  // Every filter pass converts the same few spellings (a node's allocatable, a template's requests).
  const text = String(value);
  return name === 'cpu' ? milliUnits(text) : baseUnits(text);
};

function addInto(target: Resources, name: string, amount: bigint): void {
  target.set(name, (target.get(name) ?? 0n) + amount);
}

function containerRequests(c: Container): Resources {
  const out: Resources = new Map();
  for (const [name, v] of Object.entries(c.resources?.requests ?? {})) out.set(name, resourceUnits(name, v));
  // Limits without requests default the request (apiserver defaulting for containers).
  for (const [name, v] of Object.entries(c.resources?.limits ?? {}))
    if (!out.has(name)) out.set(name, resourceUnits(name, v));
  return out;
}

/** The pod's effective request: max(sum of containers, any init container) + overhead; always `pods: 1`. */
export function podRequests(pod: Pod): Resources {
  return new Map(cachedPodRequests(pod));
}

interface RequestsMemo {
  readonly initContainers: unknown;
  readonly overhead: unknown;
  readonly requests: ReadonlyMap<string, bigint>;
}

/**
 * Requests by the pod's (frozen) containers array, which every version of a pod shares (binding
 * and status writes copy the spec shallowly): a node's pods are summed on every scheduling
 * attempt, and re-parsing their requests each time was most of the filters' work.
 */
const requestsMemo = new WeakMap<object, RequestsMemo>();

/** {@link podRequests}, shared and read-only: for the filters, which never change it. */
function cachedPodRequests(pod: Pod): ReadonlyMap<string, bigint> {
  const spec = pod.spec;
  const containers = spec?.containers;
  if (containers === undefined || !frozenRequests(containers)) return computePodRequests(pod);
  const hit = requestsMemo.get(containers);
  if (hit && hit.initContainers === spec?.initContainers && hit.overhead === spec?.overhead)
    return hit.requests;
  const requests = computePodRequests(pod);
  requestsMemo.set(containers, { initContainers: spec?.initContainers, overhead: spec?.overhead, requests });
  return requests;
}

/** Whether the containers' requests and limits can no longer change (store objects are frozen). */
function frozenRequests(containers: readonly Container[]): boolean {
  if (!Object.isFrozen(containers)) return false;
  for (const c of containers) {
    const r = c.resources;
    if (
      !Object.isFrozen(c) ||
      (r && (!Object.isFrozen(r) || !Object.isFrozen(r.requests ?? r) || !Object.isFrozen(r.limits ?? r)))
    )
      return false;
  }
  return true;
}

function computePodRequests(pod: Pod): Resources {
  const sum: Resources = new Map();
  for (const c of pod.spec?.containers ?? []) for (const [k, v] of containerRequests(c)) addInto(sum, k, v);
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [k, v] of containerRequests(c)) if (v > (sum.get(k) ?? 0n)) sum.set(k, v);
  }
  for (const [name, v] of Object.entries(pod.spec?.overhead ?? {}))
    addInto(sum, name, resourceUnits(name, v));
  sum.set('pods', 1n);
  return sum;
}

export function hostPorts(pod: Pod): string[] {
  const out: string[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort) out.push(`${p.protocol ?? 'TCP'}/${p.hostIP ?? '0.0.0.0'}/${p.hostPort}`);
    }
  }
  return out;
}

/** True for pods that no longer hold node resources. */
export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export function buildNodeInfo(node: Node, pods: readonly Pod[]): NodeInfo {
  const requested: Resources = new Map();
  const usedPorts = new Set<string>();
  const live = pods.filter((p) => !isTerminal(p));
  for (const p of live) {
    for (const [k, v] of cachedPodRequests(p)) addInto(requested, k, v);
    for (const hp of hostPorts(p)) usedPorts.add(hp);
  }
  return { node, pods: live, requested, usedPorts };
}

function portsConflict(wanted: readonly string[], used: ReadonlySet<string>): boolean {
  for (const w of wanted) {
    const [proto, ip, port] = w.split('/');
    for (const u of used) {
      const [uproto, uip, uport] = u.split('/');
      if (proto === uproto && port === uport && (ip === uip || ip === '0.0.0.0' || uip === '0.0.0.0'))
        return true;
    }
  }
  return false;
}

/** Resource names whose request does not fit what the node has left. */
export function insufficientResources(
  pod: Pod,
  info: NodeInfo,
  requests: ReadonlyMap<string, bigint> = cachedPodRequests(pod),
): string[] {
  // A node that has not reported allocatable resources (not yet adopted by its kubelet) has none.
  const alloc = info.node.status?.allocatable ?? {};
  const out: string[] = [];
  for (const [name, want] of requests) {
    if (want === 0n) continue;
    const capStr = alloc[name];
    const cap = capStr === undefined ? 0n : resourceUnits(name, capStr);
    if ((info.requested.get(name) ?? 0n) + want > cap) out.push(name);
  }
  if (out.length < 2) return out;
  return out.sort((a, b) => (a === 'pods' ? 1 : b === 'pods' ? -1 : a.localeCompare(b)));
}

function untoleratedTaint(pod: Pod, node: Node): Taint | undefined {
  return findMatchingUntoleratedTaint(
    node.spec?.taints ?? [],
    pod.spec?.tolerations ?? [],
    (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute',
  );
}

/**
 * Runs every filter in upstream's order and returns the first failure, or undefined if the pod
 * fits. `skipResources` lets preemption ask "would it fit if resources were free".
 */
export function runFilters(pod: Pod, info: NodeInfo): FilterFailure | undefined {
  const node = info.node;
  const nodeName = node.metadata?.name ?? '';
  if (pod.spec?.nodeName && pod.spec.nodeName !== nodeName) {
    return {
      plugin: 'NodeName',
      reasons: ["node(s) didn't match the requested node name"],
      resolvableByPreemption: false,
    };
  }
  if (node.spec?.unschedulable) {
    const tolerated = (pod.spec?.tolerations ?? []).some((t) =>
      tolerationToleratesTaint(t, { key: UNSCHEDULABLE_TAINT_KEY, effect: 'NoSchedule' }),
    );
    if (!tolerated)
      return {
        plugin: 'NodeUnschedulable',
        reasons: ['node(s) were unschedulable'],
        resolvableByPreemption: false,
      };
  }
  if (!requiredNodeAffinityMatches(pod, node)) {
    return {
      plugin: 'NodeAffinity',
      reasons: ["node(s) didn't match Pod's node affinity/selector"],
      resolvableByPreemption: false,
    };
  }
  const taint = untoleratedTaint(pod, node);
  if (taint) {
    return {
      plugin: 'TaintToleration',
      reasons: [`node(s) had untolerated taint ${taintForMessage(taint)}`],
      resolvableByPreemption: false,
    };
  }
  const short = insufficientResources(pod, info);
  if (short.length > 0) {
    return {
      plugin: 'NodeResourcesFit',
      reasons: short.map((r) => (r === 'pods' ? 'Too many pods' : `Insufficient ${r}`)),
      resolvableByPreemption: true,
    };
  }
  if (portsConflict(hostPorts(pod), info.usedPorts)) {
    return {
      plugin: 'NodePorts',
      reasons: ["node(s) didn't have free ports for the requested pod ports"],
      resolvableByPreemption: true,
    };
  }
  return undefined;
}

/** `0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: infra}, 3 Insufficient cpu.` */
export function fitErrorMessage(totalNodes: number, failures: readonly FilterFailure[]): string {
  const counts = new Map<string, number>();
  for (const f of failures) for (const r of f.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${totalNodes} nodes are available${parts.length > 0 ? `: ${parts.join(', ')}` : ''}.`;
}
