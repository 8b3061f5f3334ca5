/**
 * Preemption, pure: for a pod that fits nowhere, find the node where evicting strictly
 * lower-priority pods makes room, evicting as few and as unimportant pods as possible
 * (remove all lower-priority pods, then reprieve them highest priority first while the pod still fits).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from './filters.js';
import { buildNodeInfo, runFilters } from './filters.js';

export interface PreemptionChoice {
  readonly nodeName: string;
  readonly victims: readonly Pod[];
}

export const podPriority = (p: Pod): number => p.spec?.priority ?? 0;

function victimsOn(pod: Pod, info: NodeInfo): Pod[] | undefined {
  const prio = podPriority(pod);
  const lower = info.pods.filter((p) => podPriority(p) < prio && !p.metadata?.deletionTimestamp);
  if (lower.length === 0) return undefined;
  const lowerSet = new Set(lower);
  let kept = info.pods.filter((p) => !lowerSet.has(p));
  if (runFilters(pod, buildNodeInfo(info.node, kept))) return undefined;
  // Reprieve the most important candidates first.
  const ordered = [...lower].sort(
    (a, b) => podPriority(b) - podPriority(a) || name(a).localeCompare(name(b)),
  );
  const victims: Pod[] = [];
  for (const candidate of ordered) {
    const trial = [...kept, candidate];
    if (runFilters(pod, buildNodeInfo(info.node, trial))) victims.push(candidate);
    else kept = trial;
  }
  return victims.length > 0 ? victims : undefined;
}

function name(p: Pod): string {
  return `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
}

/**
 * Picks the node and victims, or undefined when no node can be freed. `candidates` are the nodes
 * whose failure preemption can resolve (resources or host ports).
 */
export function selectPreemption(pod: Pod, candidates: readonly NodeInfo[]): PreemptionChoice | undefined {
  if (pod.spec?.preemptionPolicy === 'Never') return undefined;
  let best: { nodeName: string; victims: Pod[]; maxPrio: number; sumPrio: number } | undefined;
  for (const info of candidates) {
    const victims = victimsOn(pod, info);
    if (!victims) continue;
    const maxPrio = Math.max(...victims.map(podPriority));
    const sumPrio = victims.reduce((s, p) => s + podPriority(p), 0);
    const nodeName = info.node.metadata?.name ?? '';
    const better =
      !best ||
      maxPrio < best.maxPrio ||
      (maxPrio === best.maxPrio && sumPrio < best.sumPrio) ||
      (maxPrio === best.maxPrio && sumPrio === best.sumPrio && victims.length < best.victims.length) ||
      (maxPrio === best.maxPrio &&
        sumPrio === best.sumPrio &&
        victims.length === best.victims.length &&
        nodeName < best.nodeName);
    if (better) best = { nodeName, victims, maxPrio, sumPrio };
  }
  return best ? { nodeName: best.nodeName, victims: best.victims } : undefined;
}
