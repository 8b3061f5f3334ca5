/**
 * `everynode demo`: a short, narrated tour. It starts an embedded cluster (a tainted control-plane
 * node and workers), applies the seeds' DaemonSets from examples/, then lets nodes join, get
 * labelled, tainted and leave — printing the DaemonSet table and, for every node, why it does or
 * does not run a pod.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Event } from 'kubernetes-types/core/v1.js';
import { EmbeddedCluster } from '../cluster/embedded-cluster.js';
import { resources } from '../api/resources.js';
import type { ClientWatch } from '../client/types.js';
import { explainDaemonSet } from '../controllers/daemonset/explain.js';

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

function example(file: string): DaemonSet {
  return parse(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8')) as DaemonSet;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd((widths[i] ?? 0) + 3))
      .join('')
      .trimEnd(),
  );
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const { out } = options;
  const started = Date.now();
  const stamp = (): string => `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`;
  out(`${stamp()} starting an embedded cluster: 1 control-plane node (tainted) + ${options.nodes} workers`);
  const cluster = await EmbeddedCluster.start({
    controlPlane: true,
    nodes: options.nodes,
    podGCQuarantineMs: 2_000,
  });
  const { client, store } = cluster;
  let watch: ClientWatch | undefined;

  const daemonSets = (): DaemonSet[] => [...store.list(resources.daemonsets).items];
  const settled = (): boolean =>
    daemonSets().every((d) => {
      const s = d.status;
      return (
        s !== undefined &&
        s.observedGeneration === d.metadata?.generation &&
        s.desiredNumberScheduled === s.numberAvailable &&
        s.currentNumberScheduled === s.desiredNumberScheduled
      );
    }) && store.list(resources.pods).items.every((p) => !p.metadata?.deletionTimestamp);
  const show = async (): Promise<void> => {
    await until(settled);
    await sleep(50);
    out('');
    for (const line of table([
      ['NAMESPACE', 'NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'MISSCHEDULED'],
      ...daemonSets().map((d) => [
        d.metadata?.namespace ?? '',
        d.metadata?.name ?? '',
        String(d.status?.desiredNumberScheduled ?? 0),
        String(d.status?.currentNumberScheduled ?? 0),
        String(d.status?.numberReady ?? 0),
        String(d.status?.updatedNumberScheduled ?? 0),
        String(d.status?.numberAvailable ?? 0),
        String(d.status?.numberMisscheduled ?? 0),
      ]),
    ]))
      out(`    ${line}`);
  };
  const explain = (name: string, namespace = 'default'): void => {
    const ds = store.get(resources.daemonsets, namespace, name);
    if (!ds) return;
    out(`\n    why (not) on each node, for ${name}:`);
    const nodes = [...store.list(resources.nodes).items];
    const pods = [...store.list(resources.pods, { namespace }).items];
    for (const e of explainDaemonSet(ds, nodes, pods, { now: Date.now() }))
      out(`      ${e.node.padEnd(14)} ${e.state.padEnd(9)} ${e.message}`);
  };
  const step = (text: string): void => out(`\n${stamp()} ${text}`);

  try {
    watch = await client.watch<Event>(
      resources.events,
      {},
      {
        onEvent: (ev) => {
          const e = ev.object;
          if (
            ev.type !== 'ADDED' ||
            e.source?.component !== 'daemonset-controller' ||
            e.reason === 'SuccessfulCreate'
          )
            return;
          out(`${stamp()}    event ${e.reason} (${e.involvedObject.name ?? ''}): ${e.message ?? ''}`);
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

    step('1. kubectl apply -f examples/nginx-daemonset.yaml  (seed 002: no tolerations)');
    await client.create(resources.daemonsets, {
      ...example('nginx-daemonset.yaml'),
      metadata: { ...example('nginx-daemonset.yaml').metadata, namespace: 'default' },
    });
    await show();
    explain('nginx-daemonset');

    step('2. kubectl apply -f examples/fluentd-elasticsearch.yaml  (seed 001: tolerates the control plane)');
    await client.create(resources.daemonsets, example('fluentd-elasticsearch.yaml'));
    await show();

    step('3. a node joins: every DaemonSet that should run there places a pod');
    await cluster.addNode({ name: 'node-new' });
    await show();

    step('4. kubectl apply -f examples/fluentd-ssd.yaml; kubectl label node node-2 ssd=true  (seed 004)');
    await client.create(resources.daemonsets, {
      ...example('fluentd-ssd.yaml'),
      metadata: { ...example('fluentd-ssd.yaml').metadata, namespace: 'default' },
    });
    await client.patch(resources.nodes, '', 'node-2', 'merge', { metadata: { labels: { ssd: 'true' } } });
    await show();
    explain('fluentd');

    step('5. kubectl taint node node-1 dedicated=infra:NoSchedule  (the pod stays, counted misscheduled)');
    const n1 = store.get(resources.nodes, '', 'node-1');
    if (n1)
      await client.update(resources.nodes, {
        ...n1,
        spec: { ...n1.spec, taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] },
      });
    await until(
      () =>
        (store.get(resources.daemonsets, 'default', 'nginx-daemonset')?.status?.numberMisscheduled ?? 0) ===
        1,
    );
    await show();
    explain('nginx-daemonset');

    step('6. node-new leaves: its pods are garbage-collected after a short quarantine');
    await client.delete(resources.nodes, '', 'node-new');
    await until(() => store.list(resources.pods).items.every((p) => p.spec?.nodeName !== 'node-new'));
    await show();

    out(`\nTry next:  npm test   (every upstream scenario, by id)`);
  } finally {
    watch?.stop();
    await cluster.stop();
  }
}
