/**
 * Driving the real kubectl binaries against a test cluster: a fresh data dir and `--cache-dir` per
 * cluster, the kubeconfig `everynode up` wrote, and the versioned binaries the google-cloud-cli
 * package ships beside `kubectl` (kubectl.1.27 … kubectl.1.33).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import type { RunningCluster, UpOptions } from '../../src/cli/up.js';
import { startUp } from '../../src/cli/up.js';

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Path of a kubectl binary: `kubectl`, or a version like `1.27` when it is installed. */
export function kubectlBinary(version?: string): string | undefined {
  let base: string;
  try {
    base = realpathSync('/usr/bin/kubectl');
  } catch {
    return undefined;
  }
  if (!version) return base;
  const p = join(dirname(base), `kubectl.${version}`);
  return existsSync(p) ? p : undefined;
}

export interface KubectlCluster {
  readonly running: RunningCluster;
  readonly dir: string;
  kubectl(
    args: readonly string[],
    options?: { input?: string; version?: string; timeoutMs?: number },
  ): Promise<KubectlResult>;
  close(): Promise<void>;
}

/** Runs kubectl against `c`, asserts it succeeded (showing its stderr otherwise) and returns stdout. */
export async function kubectlOk(c: KubectlCluster, args: readonly string[], input?: string): Promise<string> {
  const r = await c.kubectl(args, input !== undefined ? { input } : {});
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Starts `everynode up` in-process on a free port with its own data dir. */
export async function startKubectlCluster(overrides: Partial<UpOptions> = {}): Promise<KubectlCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'everynode-kubectl-'));
  const running = await startUp({
    nodes: 3,
    controlPlane: false,
    port: 0,
    address: '127.0.0.1',
    dataDir: join(dir, 'data'),
    kubeletProfile: 'fast',
    controllers: '*',
    insecureHttp: false,
    logger: pino({ level: 'silent' }),
    out: () => {},
    ...overrides,
  });
  const cacheDir = join(dir, 'kube-cache');
  return {
    running,
    dir,
    kubectl: (args, options = {}) =>
      new Promise((resolve) => {
        const bin = kubectlBinary(options.version);
        if (!bin) {
          resolve({ code: 127, stdout: '', stderr: `kubectl ${options.version ?? ''} not installed` });
          return;
        }
        const child = execFile(
          bin,
          ['--kubeconfig', running.kubeconfig, '--cache-dir', cacheDir, '--request-timeout=20s', ...args],
          {
            timeout: options.timeoutMs ?? 60_000,
            env: { ...process.env, HOME: dir, KUBECONFIG: running.kubeconfig },
          },
          (err, stdout, stderr) => {
            const code = err
              ? typeof (err as { code?: unknown }).code === 'number'
                ? (err as { code: number }).code
                : 1
              : 0;
            resolve({ code, stdout, stderr });
          },
        );
        if (options.input !== undefined) child.stdin?.end(options.input);
        else child.stdin?.end();
      }),
    close: async () => {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
