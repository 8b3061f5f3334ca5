/**
 * The operator-mode controller's HTTP endpoints, as kube-controller-manager serves them:
 * `GET /metrics` (Prometheus text), `GET /healthz` and `/livez` (liveness), `GET /readyz`
 * (readiness). Health answers like kube's healthz handlers: `ok` when every check passes, else
 * status 500 and one line per check (`[+]name ok`, `[-]name failed: reason`) followed by
 * `<endpoint> check failed`; `?verbose` lists the checks on success too, `?exclude=name` skips a
 * check, and `/readyz/<name>` answers for one check.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { requestInfo } from '../api/request-info.js';
import { errorMessage } from '../util/log.js';
import type { ControllerMetrics } from './metrics.js';

/** The readiness check that 401 and 403 answers from the API server fail. */
export const API_ACCESS_CHECK = 'api-access';
/** The check `markShutDown` fails, on /readyz and on /healthz and /livez. */
export const SHUTDOWN_CHECK = 'shutdown';
/** Default of HealthOptions.forbiddenWindowMs. */
export const FORBIDDEN_WINDOW_MS = 60_000;

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** Why a failed check failed. */
  readonly reason?: string;
}

export interface HealthOptions {
  /** The clock of the forbidden window. */
  readonly clock: Clock;
  /**
   * How long a forbidden request keeps `api-access` failing when nothing clears it, in ms of
   * `clock`; the window also stretches to twice the latest gap between two forbidden answers to
   * the same request, so a retry backing off beyond the window keeps it failing. Default 60 s.
   */
  readonly forbiddenWindowMs?: number;
  /** Logs each request that becomes forbidden (warn) and each that is allowed again (info). */
  readonly logger?: Logger;
}

/** What an API request asks for, in RBAC's terms (upstream's RequestInfo). */
export interface RequestAttributes {
  /** get, list, watch, create, update, patch, delete, deletecollection; or the lower-case method. */
  readonly verb: string;
  /** API group ("" for core); undefined for a non-resource path such as /version. */
  readonly group?: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** The path without its query, for a non-resource request. */
  readonly path: string;
}

/**
 * The RBAC attributes of a request to the Kubernetes API, as upstream's RequestInfoFactory derives
 * them from method and path (`/api/v1/namespaces/ns/pods` POST is `create pods` in `ns`).
 */
export function requestAttributes(method: string, path: string): RequestAttributes {
  const q = path.indexOf('?');
  const bare = q < 0 ? path : path.slice(0, q);
  const info = requestInfo(method.toUpperCase(), bare, new URLSearchParams(q < 0 ? '' : path.slice(q + 1)));
  if (!info.isResourceRequest) return { verb: info.verb, path: bare };
  return {
    verb: info.verb,
    group: info.apiGroup,
    resource: info.resource,
    path: bare,
    ...(info.subresource !== '' ? { subresource: info.subresource } : {}),
    ...(info.namespace !== '' && info.resource !== 'namespaces' ? { namespace: info.namespace } : {}),
    ...(info.name !== '' ? { name: info.name } : {}),
  };
}

/** `create pods in namespace "default"`, in the words of the API server's Forbidden message. */
export function describeRequest(a: RequestAttributes): string {
  if (a.resource === undefined) return `${a.verb} ${a.path}`;
  const resource = a.subresource !== undefined ? `${a.resource}/${a.subresource}` : a.resource;
  const group = a.group ? ` in API group "${a.group}"` : '';
  const ns = a.namespace !== undefined ? ` in namespace "${a.namespace}"` : '';
  return `${a.verb} ${resource}${group}${ns}`;
}

/** What a success must match to clear a forbidden answer: verb, resource and namespace. */
function permissionKey(a: RequestAttributes): string {
  if (a.resource === undefined) return `${a.verb} ${a.path}`;
  return [a.verb, a.group ?? '', a.resource, a.subresource ?? '', a.namespace ?? ''].join('|');
}

interface Denial {
  readonly description: string;
  method: string;
  path: string;
  /** Time of the latest forbidden answer. */
  last: number;
  /** Gap between the two latest forbidden answers (0 after the first). */
  gap: number;
}

const UNAUTHORIZED_KEY = '<unauthorized>';

/**
 * The controller's health as /healthz, /livez and /readyz report it. The command sets named
 * checks (`setCheck('informers-synced', false, 'waiting for pods')`), feeds every API response to
 * `recordApiResponse`, and calls `markShutDown` when it stops.
 *
 * `api-access` fails when the API server refuses the controller:
 * - a 403 fails it for that request's verb, resource and namespace (its RBAC permission) until a
 *   later answer to the same permission that is neither 401 nor 403 shows access is back, or no
 *   new 403 for it came within the window (`forbiddenWindowMs`, stretched to twice the latest gap
 *   between two 403s for it, so the controller's backed-off retries keep it failing). Successes of
 *   other requests never clear it: a controller that may list pods but not create them is broken;
 * - a 401 fails it until any answer other than 401 or 403 (credentials work again), or the window.
 * The reason names the refused permissions with the latest method and path of each, newest first.
 */
export class Health {
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly logger: Logger | undefined;
  private readonly checks = new Map<string, { ok: boolean; reason: string | undefined }>();
  private readonly denials = new Map<string, Denial>();
  private shutDownReason: string | undefined;

  constructor(options: HealthOptions) {
    const windowMs = options.forbiddenWindowMs ?? FORBIDDEN_WINDOW_MS;
    if (!(windowMs > 0)) throw new Error(`forbiddenWindowMs must be positive, got ${windowMs}`);
    this.clock = options.clock;
    this.windowMs = windowMs;
    this.logger = options.logger;
  }

  /** Sets a named readiness check (created on first use; listed in the order first set). */
  setCheck(name: string, ok: boolean, reason?: string): void {
    if (name === API_ACCESS_CHECK || name === SHUTDOWN_CHECK) throw new Error(`check ${name} is built in`);
    this.checks.set(name, { ok, reason });
  }

  /** Feeds one API response (the HTTP client's onResponse): 401 and 403 fail `api-access`. */
  recordApiResponse(code: number, method: string, path: string): void {
    if (code <= 0 || code === 429 || code >= 500) return; // no answer from authorization
    const attrs = requestAttributes(method, path);
    const key = code === 401 ? UNAUTHORIZED_KEY : permissionKey(attrs);
    if (code === 401 || code === 403) {
      const now = this.clock.now();
      const denial = this.denials.get(key);
      const m = method.toUpperCase();
      if (denial && this.active(denial, now)) {
        denial.gap = now - denial.last;
        denial.last = now;
        denial.method = m;
        denial.path = attrs.path;
        return;
      }
      const description = code === 401 ? 'unauthorized (401)' : `forbidden (403): ${describeRequest(attrs)}`;
      this.denials.set(key, { description, method: m, path: attrs.path, last: now, gap: 0 });
      this.logger?.warn(
        { code, method: m, path: attrs.path },
        `API request ${description}: the controller lacks access; not ready`,
      );
      return;
    }
    for (const k of [key, UNAUTHORIZED_KEY]) {
      const denial = this.denials.get(k);
      if (!denial) continue;
      this.denials.delete(k);
      if (this.active(denial, this.clock.now()))
        this.logger?.info(
          { method: method.toUpperCase(), path: attrs.path },
          `API access back: ${denial.description}`,
        );
    }
  }

  /** The controller stopped: /healthz, /livez and /readyz fail from now on. */
  markShutDown(reason = 'controller stopped'): void {
    this.shutDownReason = reason;
  }

  /** Checks of /healthz and /livez: `ping` (the event loop answers) and `shutdown`. */
  liveness(): CheckResult[] {
    return [{ name: 'ping', ok: true }, this.shutdownCheck()];
  }

  /** Checks of /readyz: `ping`, the named checks, `api-access`, `shutdown`. */
  readiness(): CheckResult[] {
    const out: CheckResult[] = [{ name: 'ping', ok: true }];
    for (const [name, c] of this.checks)
      out.push({ name, ok: c.ok, ...(!c.ok && c.reason !== undefined ? { reason: c.reason } : {}) });
    out.push(this.apiAccessCheck(), this.shutdownCheck());
    return out;
  }

  private active(d: Denial, now: number): boolean {
    return now - d.last < this.windowMs + 2 * d.gap;
  }

  private apiAccessCheck(): CheckResult {
    const now = this.clock.now();
    const active: Denial[] = [];
    for (const [k, d] of this.denials) {
      if (this.active(d, now)) active.push(d);
      else this.denials.delete(k);
    }
    if (active.length === 0) return { name: API_ACCESS_CHECK, ok: true };
    active.sort((a, b) => b.last - a.last);
    const reason = active.map((d) => `${d.description} (${d.method} ${d.path})`).join('; ');
    return { name: API_ACCESS_CHECK, ok: false, reason };
  }

  private shutdownCheck(): CheckResult {
    return this.shutDownReason === undefined
      ? { name: SHUTDOWN_CHECK, ok: true }
      : { name: SHUTDOWN_CHECK, ok: false, reason: this.shutDownReason };
  }
}

export interface EndpointsOptions {
  /**
   * `host:port` to listen on; port 0 picks a free port, an empty host (`:8080`) means every
   * interface, `[::1]:8080` an IPv6 host. Default 127.0.0.1:8080.
   */
  readonly address?: string;
  readonly metrics: ControllerMetrics;
  readonly health: Health;
  readonly logger: Logger;
}

export interface Endpoints {
  /** `http://host:port` as bound (with the picked port). */
  readonly url: string;
  readonly port: number;
  /** Closes the listener and every open connection. */
  stop(): Promise<void>;
}

export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:8080';

/** Splits `host:port` (`[v6]:port`, `:port`); throws on anything else. */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 0 && port <= 65535))
    throw new Error(`invalid address "${address}": want host:port, e.g. 127.0.0.1:8080 (port 0 picks one)`);
  return { host: match[1] ?? match[2] ?? '', port };
}

/** Serves /metrics, /healthz, /livez and /readyz until `stop`. */
export async function startEndpoints(options: EndpointsOptions): Promise<Endpoints> {
  const { host, port } = parseAddress(options.address ?? DEFAULT_METRICS_ADDRESS);
  const { metrics, health, logger } = options;
  const server = createServer((req, res) => {
    handle(req, res, metrics, health).catch((err: unknown) => {
      logger.error({ url: req.url, err: errorMessage(err) }, 'metrics endpoint failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal server error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host === '' ? undefined : host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.error({ err: errorMessage(err) }, 'metrics server error'));
  const bound = server.address() as AddressInfo;
  const urlHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const url = `http://${urlHost}:${bound.port}`;
  logger.info({ url }, 'serving /metrics, /healthz, /livez, /readyz');
  return {
    url,
    port: bound.port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, code: number, contentType: string, body: string, head = false): void {
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  res.end(head ? undefined : body);
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: ControllerMetrics,
  health: Health,
): Promise<void> {
  const text = 'text/plain; charset=utf-8';
  const url = new URL(req.url ?? '/', 'http://localhost');
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, text, `method ${req.method ?? ''} not allowed\n`);
    return;
  }
  if (url.pathname === '/metrics') {
    send(res, 200, metrics.contentType, await metrics.metricsText(), head);
    return;
  }
  const [, endpoint = '', single, ...rest] = url.pathname.split('/');
  const checks =
    endpoint === 'readyz'
      ? health.readiness()
      : endpoint === 'healthz' || endpoint === 'livez'
        ? health.liveness()
        : undefined;
  if (!checks || rest.length > 0) {
    send(res, 404, text, '404 page not found\n');
    return;
  }
  if (single !== undefined && single !== '') {
    const check = checks.find((c) => c.name === single);
    if (!check) send(res, 404, text, '404 page not found\n');
    else if (check.ok) send(res, 200, text, 'ok', head);
    else send(res, 500, text, `internal server error: ${check.reason ?? 'check failed'}\n`, head);
    return;
  }
  const excluded = new Set(url.searchParams.getAll('exclude'));
  const { code, body } = healthReply(endpoint, checks, {
    verbose: url.searchParams.has('verbose'),
    exclude: excluded,
  });
  send(res, code, text, body, head);
}

/**
 * kube's healthz reply: `ok` (200) when every check passes; otherwise (500), and on success with
 * `verbose`, a line per check and `<endpoint> check passed|failed`.
 */
export function healthReply(
  endpoint: string,
  checks: readonly CheckResult[],
  options: { readonly verbose?: boolean; readonly exclude?: ReadonlySet<string> } = {},
): { code: number; body: string } {
  const lines: string[] = [];
  let failed = false;
  for (const c of checks) {
    if (options.exclude?.has(c.name)) {
      lines.push(`[+]${c.name} excluded: ok`);
      continue;
    }
    if (c.ok) lines.push(`[+]${c.name} ok`);
    else {
      failed = true;
      lines.push(c.reason !== undefined ? `[-]${c.name} failed: ${c.reason}` : `[-]${c.name} failed`);
    }
  }
  if (!failed && !options.verbose) return { code: 200, body: 'ok' };
  lines.push(`${endpoint} check ${failed ? 'failed' : 'passed'}`);
  return { code: failed ? 500 : 200, body: `${lines.join('\n')}\n` };
}
