/**
 * `everynode controller` as a child process, the way operator mode runs: its JSON log lines are
 * collected, its /metrics, /healthz and /readyz endpoint found from the log, and its exit awaited.
 * The sources run through tsx so that a test never exercises a stale build.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export class ControllerProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[] = [];
  /** Raw stderr text that was not a JSON log line (e.g. an error before the logger exists). */
  other = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private pending = '';

  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'controller', ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.pending += chunk;
      let i: number;
      while ((i = this.pending.indexOf('\n')) >= 0) {
        const line = this.pending.slice(0, i);
        this.pending = this.pending.slice(i + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.other += `${line}\n`;
        }
      }
    });
  }

  /** Log lines whose message matches. */
  find(msg: RegExp): LogLine[] {
    return this.logs.filter((l) => msg.test(l.msg));
  }

  /** The endpoint URL, once the process has logged it. */
  async endpoint(timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.logs.find((l) => typeof l.url === 'string' && /serving \/metrics/.test(l.msg));
      if (line) return line.url as string;
      if (this.child.exitCode !== null) throw new Error(`controller exited: ${this.other}`);
      if (Date.now() > deadline) throw new Error(`no endpoint logged; stderr: ${this.other}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async get(path: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${await this.endpoint()}${path}`);
    return { status: res.status, text: await res.text() };
  }

  /** The value of one sample of /metrics (labels must match exactly those given), or undefined. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
    return metricValue((await this.get('/metrics')).text, name, labels);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** Sums the samples of `name` whose labels include `labels` (Prometheus text format). */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const lm of (m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have[lm[1] ?? ''] = lm[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (sum ?? 0) + Number(m[4]);
  }
  return sum;
}

/** A kubeconfig for the same cluster as `adminKubeconfig`, authenticating with `token`. */
export function tokenKubeconfig(adminKubeconfig: string, token: string, path: string): string {
  const doc = parse(adminKubeconfig) as { users: Array<{ name: string; user: Record<string, unknown> }> };
  doc.users = doc.users.map((u) => ({ name: u.name, user: { token } }));
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  return path;
}

/**
 * The files a pod's service account mount holds (token, ca.crt, namespace) under `root`, so that
 * in-cluster configuration can be exercised outside a pod (EVERYNODE_SERVICEACCOUNT_ROOT).
 */
export function serviceAccountMount(root: string, token: string, caPem: string, namespace: string): string {
  const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token'), token);
  writeFileSync(join(dir, 'ca.crt'), caPem);
  writeFileSync(join(dir, 'namespace'), namespace);
  return root;
}
