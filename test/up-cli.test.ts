/**
 * The `everynode up` command as a user runs it: a child process that prints where its kubeconfig
 * is, creates the manifests given with --apply, serves kubectl, and exits 0 on SIGTERM/SIGINT.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlBinary } from './support/kubectl.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'everynode.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('everynode up (CLI)', () => {
  test('--help lists the options with examples', async () => {
    const r = await run(['up', '--help']);
    assert.equal(r.code, 0);
    for (const opt of [
      '--nodes',
      '--control-plane',
      '--port',
      '--address',
      '--data-dir',
      '--kubelet-profile',
      '--controllers',
      '--insecure-http',
      '--apply',
    ]) {
      assert.ok(r.stdout.includes(opt), opt);
    }
    assert.match(r.stdout, /Examples:/);
  });

  test('a bad --controllers value is refused with a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'everynode-cli-'));
    try {
      const r = await run(['up', '--port', '0', '--data-dir', join(dir, 'd'), '--controllers', '*,-nope']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /unknown controller "nope"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(
      `serves kubectl, applies --apply manifests, and exits 0 on ${signal}`,
      { skip: kubectlBinary() ? false : 'no kubectl' },
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'everynode-cli-'));
        const child = spawn(
          process.execPath,
          [
            bin,
            'up',
            '--port',
            '0',
            '--nodes',
            '2',
            '--data-dir',
            join(dir, 'd'),
            '--apply',
            'examples/nginx-daemonset.yaml',
          ],
          {
            cwd: root,
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        try {
          let out = '';
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no prompt in: ${out}`)), 30_000);
            child.stdout.on('data', (d: Buffer) => {
              out += d.toString();
              if (out.includes('Press Ctrl-C to stop.')) {
                clearTimeout(timer);
                resolve();
              }
            });
          });
          assert.match(out, /daemonset\.apps\/nginx-daemonset created/);
          const kubeconfig = /kubeconfig written to (\S+)/.exec(out)?.[1] ?? '';
          const got = await new Promise<string>((resolve) => {
            execFile(
              kubectlBinary() ?? 'kubectl',
              ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'ds', '-o', 'name'],
              (_e, stdout) => resolve(stdout),
            );
          });
          assert.equal(got.trim(), 'daemonset.apps/nginx-daemonset');
          const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
          child.kill(signal);
          assert.equal(await exit, 0);
        } finally {
          if (child.exitCode === null) child.kill('SIGKILL');
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  }
});
