/**
 * The "null controller" of the floor arm: the writes a scenario needs and nothing else — no
 * informers, no expectations, no placement, no budget arithmetic beyond a fixed window. It
 * creates the same pod objects the DaemonSet controller would (same template function), so the
 * scheduler and kubelets downstream do identical work. Its time is the machine's limit for the
 * scenario over the same transport; efficiency = floor time / controller time.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../../src/api/resources.js';
import type { Client, ClientWatch } from '../../src/client/types.js';
import { snapshotRevision } from '../../src/controllers/daemonset/history.js';
import { daemonPodTemplate, newDaemonPod } from '../../src/controllers/daemonset/util.js';
import { computeHash } from '../../src/controllers/daemonset/hash.js';
import { isPodReady } from './harness.js';

const CONCURRENCY = 64;

/** Runs `work` over `items` with at most `limit` in flight. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Pod readiness by name from a watch, with waiters for one pod or for a count. */
class ReadyWatch {
  readonly readyNames = new Set<string>();
  private readonly waiters = new Map<string, () => void>();
  private countWaiter: { n: number; resolve: () => void } | undefined;
  private handle: ClientWatch | undefined;

  static async start(client: Client, namespace: string, selector: string): Promise<ReadyWatch> {
    const w = new ReadyWatch();
    w.handle = await client.watch<Pod>(
      resources.pods,
      { namespace, labelSelector: selector },
      {
        onEvent: (ev) => {
          const name = ev.object.metadata?.name ?? '';
          if (ev.type !== 'DELETED' && isPodReady(ev.object)) {
            w.readyNames.add(name);
            w.waiters.get(name)?.();
            w.waiters.delete(name);
          } else w.readyNames.delete(name);
          if (w.countWaiter && w.readyNames.size >= w.countWaiter.n) {
            w.countWaiter.resolve();
            w.countWaiter = undefined;
          }
        },
        onClose: () => {},
      },
    );
    return w;
  }

  untilReady(name: string): Promise<void> {
    if (this.readyNames.has(name)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(name, resolve));
  }

  untilCount(n: number): Promise<void> {
    if (this.readyNames.size >= n) return Promise.resolve();
    return new Promise((resolve) => (this.countWaiter = { n, resolve }));
  }

  stop(): void {
    this.handle?.stop();
  }
}

/** The template and revision the controller would write for `ds`. */
function podTemplate(ds: DaemonSet): { hash: string; template: ReturnType<typeof daemonPodTemplate> } {
  const hash = computeHash(ds.spec?.template, ds.status?.collisionCount);
  return { hash, template: daemonPodTemplate(ds, hash) };
}

async function writeStatus(client: Client, ds: DaemonSet, n: number): Promise<void> {
  const live = await client.get(resources.daemonsets, ds.metadata?.namespace ?? '', ds.metadata?.name ?? '');
  await client.updateStatus(resources.daemonsets, {
    ...live,
    status: {
      ...(live.status ?? {}),
      observedGeneration: live.metadata?.generation ?? 1,
      desiredNumberScheduled: n,
      currentNumberScheduled: n,
      numberReady: n,
      numberAvailable: n,
      updatedNumberScheduled: n,
      numberMisscheduled: 0,
      numberUnavailable: 0,
    },
  });
}

/** S1's writes: one ControllerRevision, one pod per node, and the final status. */
export async function nullCreate(client: Client, namespace: string, name: string): Promise<void> {
  const ds = await client.get(resources.daemonsets, namespace, name);
  const nodes = (await client.list(resources.nodes)).items.map((n) => n.metadata?.name ?? '');
  const { template } = podTemplate(ds);
  const selector = Object.entries(ds.spec?.selector.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const watch = await ReadyWatch.start(client, namespace, selector);
  try {
    await client.create(resources.controllerrevisions, snapshotRevision(ds, 1, undefined));
    await pool(nodes, CONCURRENCY, async (node) => {
      await client.create(resources.pods, newDaemonPod(ds, template, node));
    });
    await watch.untilCount(nodes.length);
    await writeStatus(client, ds, nodes.length);
  } finally {
    watch.stop();
  }
}

/**
 * S3's writes after a template change: a new ControllerRevision, then for every node the old pod
 * replaced by a new one with at most `window` nodes in flight — with `surge`, the new pod is
 * created and Ready before the old one is deleted; without, the old pod goes first.
 */
export async function nullRollout(
  client: Client,
  namespace: string,
  name: string,
  window: number,
  surge: boolean,
): Promise<void> {
  const ds = await client.get(resources.daemonsets, namespace, name);
  const { hash, template } = podTemplate(ds);
  const selector = Object.entries(ds.spec?.selector.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = (await client.list(resources.pods, { namespace, labelSelector: selector })).items;
  const old = pods.filter((p) => p.metadata?.labels?.['controller-revision-hash'] !== hash);
  const watch = await ReadyWatch.start(client, namespace, selector);
  try {
    await client.create(resources.controllerrevisions, snapshotRevision(ds, 2, undefined));
    await pool(old, window, async (pod) => {
      const node =
        pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]
          ?.matchFields?.[0]?.values?.[0] ??
        pod.spec?.nodeName ??
        '';
      const remove = (): Promise<unknown> =>
        client.delete(resources.pods, namespace, pod.metadata?.name ?? '', { gracePeriodSeconds: 0 });
      if (!surge) await remove();
      const created = await client.create(resources.pods, newDaemonPod(ds, template, node));
      await watch.untilReady(created.metadata?.name ?? '');
      if (surge) await remove();
    });
    await writeStatus(client, ds, pods.length);
  } finally {
    watch.stop();
  }
}
