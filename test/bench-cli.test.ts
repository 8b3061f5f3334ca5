/**
 * `npm run bench` as a user runs it: --help lists the options with examples, an unknown scenario
 * is refused, and `--json` prints one JSON line per run with the fields the issue names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'bench/run.ts', ...args],
      { cwd: root, timeout: 180_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

test('bench --help lists the options with examples', async () => {
  const r = await bench(['--help']);
  assert.equal(r.code, 0);
  for (const opt of ['--scenario', '--json', '--runs', '--nodes', '--equal-budget'])
    assert.ok(r.stdout.includes(opt), opt);
  assert.match(r.stdout, /Examples:/);
});

test('bench refuses an unknown scenario', async () => {
  const r = await bench(['--scenario', 'S9']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown scenario S9/);
});

test('bench --scenario S1 --json prints one JSON line per run and mode with the named fields', async () => {
  const r = await bench(['--scenario', 'S1', '--json', '--runs', '1', '--nodes', '50']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((l) => l.mode),
    ['in-process', 'http'],
  );
  for (const l of lines) {
    for (const k of [
      'scenario',
      'mode',
      'nodes',
      'daemonsets',
      'seconds',
      'floorSeconds',
      'efficiency',
      'writesPerPod',
      'peakRssMB',
      'heapPerNodeBytes',
      'heapPerPodBytes',
    ]) {
      assert.ok(k in l, `${k} in ${JSON.stringify(l)}`);
    }
    assert.equal(l.scenario, 'S1');
    assert.equal(l.nodes, 50);
    assert.ok(typeof l.seconds === 'number' && l.seconds > 0);
    assert.ok(typeof l.floorSeconds === 'number' && l.floorSeconds > 0);
  }
  assert.match(r.stderr, /S1 in-process run 1\/1/, 'a progress line while it runs');
});
