/**
 * Beyond upstream: a DaemonSet tells, through events, when a node becomes excluded (no pod, any pod
 * removed) or blocked (no new pod; an existing one is kept) for a new reason. Events are
 * rate-limited per sync: a few named nodes, then one summary, so a 5,000-node cluster whose
 * nodeSelector matches 10 nodes produces a handful of events, not thousands.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '../../client/events.js';
import { explainPlacement } from './explain.js';
import type { Placement } from './placement.js';

export const NODE_EXCLUDED_REASON = 'NodeExcluded';
export const NODE_BLOCKED_REASON = 'NodeBlocked';
/** Named-node events per kind and sync before a summary takes over. */
export const MAX_NODE_EVENTS_PER_SYNC = 5;

export class NodeDecisionReporter {
  /** DaemonSet UID → node → the last reported reason. */
  private readonly last = new Map<string, Map<string, string>>();

  constructor(private readonly recorder: EventRecorder) {}

  /** DaemonSet UID → the placement vector of the last full pass and its ineligible node indices. */
  private readonly vectors = new Map<
    string,
    { readonly placements: readonly Placement[]; readonly ineligible: readonly number[] }
  >();

  forget(dsUid: string): void {
    this.last.delete(dsUid);
    this.vectors.delete(dsUid);
  }

  report(
    ds: DaemonSet,
    nodes: readonly Node[],
    placements: readonly Placement[],
    nodesWithPods: { has(node: string): boolean },
  ): void {
    const uid = ds.metadata?.uid ?? '';
    let seen = this.last.get(uid);
    if (!seen) this.last.set(uid, (seen = new Map<string, string>()));
    const fresh: Record<'excluded' | 'blocked', Array<{ node: string; message: string }>> = {
      excluded: [],
      blocked: [],
    };
    // Same node list and decisions as the last full pass: only the ineligible nodes can have news
    // (whether they hold a pod changes their message); the eligible ones were cleared then.
    const previous = this.vectors.get(uid);
    const full = previous?.placements !== placements;
    const indices = full ? placements.keys() : previous.ineligible;
    const ineligible: number[] = [];
    const present = full ? new Set<string>() : undefined;
    for (const i of indices) {
      const node = nodes[i];
      const p = placements[i];
      if (!node || !p) continue;
      const nodeName = node.metadata?.name ?? '';
      present?.add(nodeName);
      if (p.shouldRun) {
        seen.delete(nodeName);
        continue;
      }
      ineligible.push(i);
      const kind = p.shouldContinueRunning ? 'blocked' : 'excluded';
      const message = explainPlacement(p, node, nodesWithPods.has(nodeName));
      const key = `${kind}:${message}`;
      if (seen.get(nodeName) === key) continue;
      seen.set(nodeName, key);
      fresh[kind].push({ node: nodeName, message });
    }
    if (full) this.vectors.set(uid, { placements, ineligible });
    if (present) for (const n of [...seen.keys()]) if (!present.has(n)) seen.delete(n);
    this.emit(ds, NODE_EXCLUDED_REASON, 'excluded', fresh.excluded);
    this.emit(ds, NODE_BLOCKED_REASON, 'blocked', fresh.blocked);
  }

  private emit(
    ds: DaemonSet,
    reason: string,
    verb: string,
    items: ReadonlyArray<{ node: string; message: string }>,
  ): void {
    for (const item of items.slice(0, MAX_NODE_EVENTS_PER_SYNC)) {
      this.recorder.event(ds, 'Normal', reason, `Node ${item.node}: ${item.message}`);
    }
    const rest = items.length - MAX_NODE_EVENTS_PER_SYNC;
    if (rest > 0) {
      const sample = items.slice(MAX_NODE_EVENTS_PER_SYNC, MAX_NODE_EVENTS_PER_SYNC + 3).map((i) => i.node);
      this.recorder.event(
        ds,
        'Normal',
        reason,
        `${rest} more node(s) ${verb} (${sample.join(', ')}${rest > sample.length ? ', …' : ''})`,
      );
    }
  }
}
