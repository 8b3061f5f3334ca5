/**
 * `everynode demo`: a short, narrated tour of the embedded cluster. It starts a cluster with a
 * tainted control-plane node and three workers, then shows scheduling, a pod that fits nowhere,
 * preemption, and a node going away — printing the cluster's own events as they happen.
 */
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { EmbeddedCluster } from '../cluster/embedded-cluster.js';
import { resources } from '../api/resources.js';
import type { ClientWatch } from '../client/types.js';

export interface DemoOptions {
  readonly nodes: number;
  /** Where narration goes. */
  readonly out: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(fn: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fn()) return true;
    await sleep(20);
  }
  return false;
}

function pod(name: string, spec: Partial<NonNullable<Pod['spec']>> = {}, cpu = '100m'): Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu } } }], ...spec },
  };
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const { out } = options;
  const started = Date.now();
  const stamp = (): string => `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`;
  out(`${stamp()} starting an embedded cluster: 1 control-plane node (tainted) + ${options.nodes} workers`);
  const cluster = await EmbeddedCluster.start({
    controlPlane: true,
    nodes: Array.from({ length: options.nodes }, (_, i) => ({
      name: `node-${i + 1}`,
      capacity: { cpu: '2', memory: '4Gi', pods: '110' },
    })),
    podGCQuarantineMs: 2_000,
  });
  let watch: ClientWatch | undefined;
  try {
    const { client, store } = cluster;
    watch = await client.watch<Event>(
      resources.events,
      {},
      {
        onEvent: (ev) => {
          if (ev.type !== 'ADDED') return;
          const e = ev.object;
          out(
            `${stamp()} event ${e.type?.padEnd(7)} ${e.reason?.padEnd(18)} ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message ?? ''}`,
          );
        },
        onClose: () => {},
      },
    );
    await until(() =>
      store
        .list(resources.nodes)
        .items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
    );
    out(`${stamp()} all ${store.list(resources.nodes).items.length} nodes are Ready`);

    out(`\n${stamp()} 1. a pod with nodeSelector kubernetes.io/hostname=node-2`);
    await client.create(resources.pods, pod('web', { nodeSelector: { 'kubernetes.io/hostname': 'node-2' } }));
    await until(() => store.get(resources.pods, 'default', 'web')?.status?.phase === 'Running');
    const web = store.get(resources.pods, 'default', 'web');
    out(`${stamp()}    web is ${web?.status?.phase} on ${web?.spec?.nodeName} with IP ${web?.status?.podIP}`);

    out(`\n${stamp()} 2. a pod asking for 3 cpu: no node has that much`);
    await client.create(resources.pods, pod('huge', {}, '3'));
    await until(() => store.list(resources.events).items.some((e) => e.reason === 'FailedScheduling'));
    await sleep(50);

    out(`\n${stamp()} 3. fill node-1 with a low-priority pod, then send a high-priority one there`);
    await client.create(resources.priorityclasses, { metadata: { name: 'batch' }, value: 100 });
    await client.create(resources.priorityclasses, { metadata: { name: 'agents' }, value: 100000 });
    await client.create(
      resources.pods,
      pod(
        'batch-job',
        { priorityClassName: 'batch', nodeSelector: { 'kubernetes.io/hostname': 'node-1' } },
        '1500m',
      ),
    );
    await until(() => store.get(resources.pods, 'default', 'batch-job')?.status?.phase === 'Running');
    await client.create(
      resources.pods,
      pod(
        'agent',
        { priorityClassName: 'agents', nodeSelector: { 'kubernetes.io/hostname': 'node-1' } },
        '1',
      ),
    );
    await until(() => store.get(resources.pods, 'default', 'agent')?.status?.phase === 'Running');
    out(
      `${stamp()}    agent is ${store.get(resources.pods, 'default', 'agent')?.status?.phase}; batch-job ${store.get(resources.pods, 'default', 'batch-job') ? 'still exists' : 'was preempted'}`,
    );

    out(`\n${stamp()} 4. node-2 leaves the cluster: its pods are garbage-collected after a quarantine`);
    await client.delete(resources.nodes, '', 'node-2');
    await until(() => !store.get(resources.pods, 'default', 'web'));
    out(`${stamp()}    web is gone with its node`);

    out(`\nThat was the foundation: scheduler, simulated kubelets, node lifecycle and garbage collection.`);
    out(`Try next:  npm test   (every scenario, by name)`);
  } finally {
    watch?.stop();
    await cluster.stop();
  }
}
