/**
 * The benchmark scenarios S1 and S3 at 500 nodes, for correctness only (no timing assertions):
 * every run must end with one Ready pod of the current template per node and an exact status
 * (the scenarios verify this and throw otherwise), the floor arm must do the same, and the
 * rolling updates must respect their budgets at every observed event.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runS1InProcess } from '../bench/scenarios/s1.js';
import { s3 } from '../bench/scenarios/s3.js';
import type { ScenarioContext } from '../bench/scenarios/context.js';

const NODES = 500;

function context(): ScenarioContext {
  return { nodes: NODES, equalBudget: false, timeoutMs: 120_000, progress: () => {} };
}

describe('benchmark scenarios at 500 nodes (correctness)', () => {
  // The clusters run on the real clock, whose timers do not keep the process alive.
  let keepAlive: NodeJS.Timeout | undefined;
  before(() => {
    keepAlive = setInterval(() => {}, 1000);
  });
  after(() => clearInterval(keepAlive));

  test('S1: one DaemonSet converges on every node, with about one write per pod; the floor converges too', async () => {
    const r = await runS1InProcess(context());
    assert.equal(r.nodes, NODES);
    assert.ok(r.floorSeconds !== null && r.floorSeconds > 0);
    assert.ok(
      r.writesPerPod !== null && r.writesPerPod >= 1 && r.writesPerPod < 1.5,
      `writes/pod ${r.writesPerPod}`,
    );
  });

  for (const v of [
    { surge: false, readySeconds: 0 as const },
    { surge: true, readySeconds: 0 as const },
  ]) {
    const what = v.surge ? 'S3b (maxSurge 10%)' : 'S3 (maxUnavailable 10%)';
    test(`${what}: the rollout completes within its budget, never two pods of the DaemonSet too many on a node`, async () => {
      const r = await s3(v)(context());
      const extra = r.extra ?? {};
      const budget = NODES / 10;
      if (v.surge) {
        assert.equal(extra.maxUnavailable, 0, 'maxUnavailable 0: every node keeps a Ready pod');
        assert.ok(Number(extra.maxPodsPerNode) <= 2);
      } else {
        assert.ok(Number(extra.maxUnavailable) <= budget, `unavailable ${extra.maxUnavailable} > ${budget}`);
        assert.ok(Number(extra.maxUnavailable) > 0, 'the rollout did take nodes down (the watch saw it)');
        assert.equal(extra.maxPodsPerNode, 1);
      }
      assert.ok(r.writesPerPod !== null && r.writesPerPod >= 1, `writes/pod ${r.writesPerPod}`);
    });
  }
});
