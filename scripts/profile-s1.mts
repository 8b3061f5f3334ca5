// Profiles S1's convergence phase only (not cluster start-up): one DaemonSet on N nodes, either
// the null controller ("floor") or the DaemonSet controller ("ctrl"), with the V8 CPU profiler
// around the benchmark's own timed phase. Writes DIR/s1-<mode>.cpuprofile; summarise with
// scripts/profile-top.mjs.
// Usage: node --expose-gc --import tsx scripts/profile-s1.mts [NODES=5000] [floor|ctrl] [DIR=/tmp]
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import {
  BENCH_NAMESPACE,
  WriteCounter,
  startCluster,
  startController,
  waitNodesReady,
} from '../bench/lib/harness.js';
import { nullCreate } from '../bench/lib/null-controller.js';
import { S1_NAME, createAndWait } from '../bench/scenarios/s1.js';

const keepAlive = setInterval(() => {}, 1000); // the cluster's timers are unref'd
const nodes = Number(process.argv[2] ?? 5000);
const mode = process.argv[3] ?? 'floor';
const dir = process.argv[4] ?? '/tmp';
const ctx = { progress: () => {}, timeoutMs: 300_000, equalBudget: false };
const cluster = await startCluster({ nodes });
await waitNodesReady(cluster, nodes, ctx);
const ctrl = mode === 'ctrl' ? await startController(cluster) : undefined;
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
const seconds = await createAndWait(
  cluster,
  nodes,
  ctx,
  mode,
  ctrl ? undefined : () => nullCreate(new WriteCounter().wrap(cluster.client), BENCH_NAMESPACE, S1_NAME),
);
const { profile } = await session.post('Profiler.stop');
const file = `${dir}/s1-${mode}.cpuprofile`;
writeFileSync(file, JSON.stringify(profile));
console.log(`${mode}: ${seconds.toFixed(2)} s; profile in ${file}`);
await ctrl?.stop();
await cluster.stop();
clearInterval(keepAlive);
