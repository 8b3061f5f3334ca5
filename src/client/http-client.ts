/**
 * The Client contract over HTTP(S), for operator mode: requests go to a Kubernetes API server with
 * the credentials of a kubeconfig (loaded by @kubernetes/client-node), answers and `Status` errors
 * come back as the same typed results and ApiErrors the in-process client gives. Watches stream
 * newline-delimited JSON; a 410 ends the watch with an Expired error so informers re-list.
 *
 * Throttling and retries, as client-go's rest client does them (with a broader retry policy):
 *
 * - Every attempt (lists, watch opens and retries included) first takes a token from a
 *   {@link ClientRateLimiter}: `qps` (default 50) and `burst` (default 100), `qps <= 0` disables it.
 * - A failed attempt is retried at most `maxRetries` times (default 5) when {@link isRetryable}
 *   says so: a 429 always (the server turned the request away unprocessed); a 5xx or a connection
 *   failure (ECONNREFUSED, ECONNRESET / "socket hang up", EPIPE, ETIMEDOUT, EHOSTUNREACH,
 *   ENETUNREACH, EAI_AGAIN) for every method but POST. A POST (create, binding, eviction) may have
 *   been carried out when its answer was lost, so it is never sent twice on a guess: it is retried
 *   on a 5xx only when the server asked for it with Retry-After, and on a connection failure only
 *   when no connection was made (ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EAI_AGAIN). PUT, PATCH
 *   and DELETE are retried although a lost answer may hide a success: a repeated conditional PUT
 *   then answers Conflict and a repeated DELETE NotFound, which controllers handle anyway.
 * - The wait before a retry is the server's Retry-After (the header in seconds, else the Status'
 *   `details.retryAfterSeconds`; capped at 60 s), otherwise exponential backoff with "equal
 *   jitter": for retry n (from 0) d = min(5 s, 200 ms × 2^n) and the wait is d/2 + random × d/2,
 *   i.e. 100–200 ms, 200–400 ms, 400–800 ms, …, never more than 5 s; the default five retries
 *   add up to 3.1–6.2 s. Waits use the injected clock.
 * - When the retries run out, or the failure is not retryable, the last failure propagates as it
 *   is: the ApiError of its Status (TooManyRequests, InternalError, ServiceUnavailable, …; a body
 *   that is not a Status gets the reason of its HTTP code) or the connection error.
 *
 * Connections are kept alive and reused: the kubeconfig is applied to every request (tokens may
 * rotate), but requests share keep-alive agents per TLS identity instead of client-node's agent
 * per request (unless the kubeconfig names a proxy): requests a pool of at most 32 connections,
 * watches their own, all from one TLS secure context; idle connections close after 15 s.
 * Bodies are collected as buffers and decoded once, and watch streams are split into lines without
 * re-scanning what was buffered, so a 5,000-node list or a large watch event costs linear time.
 */
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { createSecureContext } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Status } from 'kubernetes-types/meta/v1.js';
import type { KubeObject, ResourceType } from '../api/resources.js';
import { resources } from '../api/resources.js';
import type { StatusReason } from '../api/errors.js';
import { ApiError, fromStatus } from '../api/errors.js';
import type { Clock } from '../util/clock.js';
import { deepFreeze } from '../util/objects.js';
import { readAll } from '../util/streams.js';
import { ClientRateLimiter } from './client-rate-limiter.js';
import type {
  Client,
  ClientDeleteOptions,
  ClientList,
  ClientListOptions,
  ClientWatch,
  ClientWatchHandlers,
  ClientWatchOptions,
  ClientWriteOptions,
  PatchType,
} from './types.js';

const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** One answer (or, with code 0, a connection failure) observed by {@link HttpClientOptions.onResponse}. */
export interface HttpResponseInfo {
  readonly method: string;
  /** The request path with its query string, e.g. `/api/v1/pods?watch=true`. */
  readonly path: string;
  /** The HTTP status code; 0 when the attempt failed without an answer (connection error). */
  readonly code: number;
  /** Milliseconds (of the client's clock) from sending to the whole body (watches: to the headers). */
  readonly ms: number;
}

export interface HttpClientOptions {
  readonly kubeConfig: KubeConfig;
  /** Sent as the field manager of writes. Default `everynode`. */
  readonly fieldManager?: string;
  /** Default `everynode`. */
  readonly userAgent?: string;
  /** Client-side rate limit in requests per second (client-go's QPS). Default 50; `<= 0` disables it. */
  readonly qps?: number;
  /** Requests that may go at once after a quiet period (client-go's Burst). Default 100. */
  readonly burst?: number;
  /** Retries of one request after its first attempt (see the file header). Default 5; 0 disables. */
  readonly maxRetries?: number;
  /**
   * Clock for throttling, retry waits and `HttpResponseInfo.ms`. Default the system clock, with
   * timers that keep the process alive while a request waits (RealClock's are unref'd).
   */
  readonly clock?: Clock;
  /** Randomness for the backoff jitter, in [0, 1). Default Math.random. */
  readonly random?: () => number;
  /**
   * Called for every attempt's answer, retried ones included (e.g. to turn 403s into a readiness
   * signal, or for request metrics). Called synchronously; must not throw.
   */
  readonly onResponse?: (info: HttpResponseInfo) => void;
  /**
   * Called for every attempt once the rate limiter lets it go, with how long it waited (0 when a
   * token was at hand), like client-go's rate-limiter latency metric. Synchronous; must not throw.
   */
  readonly onThrottle?: (info: HttpThrottleInfo) => void;
}

/** One attempt's wait for a rate-limiter token, observed by {@link HttpClientOptions.onThrottle}. */
export interface HttpThrottleInfo {
  readonly method: string;
  readonly path: string;
  readonly ms: number;
}

/** Cumulative counters, for metrics. */
export interface HttpClientStats {
  /** Attempts that waited for a rate-limiter token, and the sum of those waits (ms). */
  readonly throttledRequests: number;
  readonly throttledMs: number;
  /** Attempts that were retries. */
  readonly retries: number;
}

export const DEFAULT_QPS = 50;
export const DEFAULT_BURST = 100;
export const DEFAULT_MAX_RETRIES = 5;
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 5_000;
const RETRY_AFTER_CAP_MS = 60_000;
/**
 * Idle kept-alive connections are closed after this, or 1 s before the server's `Keep-Alive:
 * timeout` hint when shorter (Node's agent), so a request rarely meets a connection the server has
 * just closed. Busy connections (watches) are not affected.
 */
const IDLE_SOCKET_TIMEOUT_MS = 15_000;
/**
 * Connections for requests (watches have their own): enough to keep a multi-core API server busy,
 * few enough that a burst of hundreds of requests (a DaemonSet's slow start) waits for a free
 * connection instead of opening, and handshaking, one connection per request.
 */
export const MAX_REQUEST_CONNECTIONS = 32;

/** Connection failures worth a retry; the first four mean no connection was made, so nothing was sent. */
const NOT_SENT_ERRORS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
const CONNECTION_ERRORS: ReadonlySet<string> = new Set([
  ...NOT_SENT_ERRORS,
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);

/** What the retry policy sees of a failed attempt. */
export type AttemptFailure =
  | { readonly kind: 'status'; readonly code: number; readonly retryAfterSeconds?: number }
  | { readonly kind: 'connection'; readonly errorCode: string };

/**
 * Whether a failed attempt may be repeated (the policy of the file header): 429 always; 5xx and
 * connection failures for every method but POST; a POST on a 5xx only with Retry-After, on a
 * connection failure only if nothing was sent. Anything else (4xx) is final.
 */
export function isRetryable(method: string, failure: AttemptFailure): boolean {
  const idempotent = method.toUpperCase() !== 'POST';
  if (failure.kind === 'connection') {
    if (!CONNECTION_ERRORS.has(failure.errorCode)) return false;
    return idempotent || NOT_SENT_ERRORS.has(failure.errorCode);
  }
  if (failure.code === 429) return true;
  if (failure.code >= 500 && failure.code <= 599)
    return idempotent || failure.retryAfterSeconds !== undefined;
  return false;
}

/**
 * The wait before retry `retry` (0 for the first): Retry-After seconds when given (capped at 60 s),
 * else d/2 + random × d/2 with d = min(5 s, 200 ms × 2^retry).
 */
export function retryDelayMs(
  retry: number,
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterSeconds !== undefined)
    return Math.min(RETRY_AFTER_CAP_MS, Math.max(0, retryAfterSeconds) * 1000);
  const d = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** retry);
  return d / 2 + random() * (d / 2);
}

/** The code of a retryable connection failure (`socket hang up` is an ECONNRESET), else undefined. */
function connectionErrorCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && CONNECTION_ERRORS.has(code)) return code;
  return err.message === 'socket hang up' ? 'ECONNRESET' : undefined;
}

/** `Retry-After` in whole seconds (the only form the apiserver sends); undefined when absent or not a number. */
function retryAfterHeader(res: IncomingMessage): number | undefined {
  const v = res.headers['retry-after'];
  if (typeof v !== 'string' || !/^\s*\d+\s*$/.test(v)) return undefined;
  return Number(v);
}

const REASON_BY_CODE: Readonly<Record<number, StatusReason>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The ApiError of an error answer: its Status when it sent one, else the reason of the HTTP code. */
function errorFromResponse(code: number, text: string): ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if ((parsed as Status | undefined)?.kind === 'Status') return fromStatus(parsed as Status, code);
  return new ApiError({
    reason: REASON_BY_CODE[code] ?? 'InternalError',
    code,
    message: text.slice(0, 200) || `HTTP ${code}`,
  });
}

async function readBody(res: IncomingMessage): Promise<string> {
  return (await readAll(res)).toString('utf8');
}

/**
 * The system clock for a client given none. Unlike RealClock its timers are ref'd: a request
 * waiting for a token or a retry is work in progress, and a one-shot command must not exit under it.
 */
const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

const sleep = (clock: Clock, ms: number): Promise<void> =>
  new Promise((resolve) => {
    clock.setTimeout(resolve, ms);
  });

/** The TLS settings a connection is made with; requests with equal settings share an agent. */
const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;
type TlsSettings = Pick<HttpsRequestOptions, (typeof TLS_FIELDS)[number]>;

interface Agents {
  readonly requests: HttpsAgent | HttpAgent;
  readonly watches: HttpsAgent | HttpAgent;
}

function sameSetting(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}

interface RequestSpec {
  readonly method: string;
  readonly path: string;
  readonly payload: Buffer | undefined;
  readonly contentType: string;
  /** Leave a successful answer's body unread (a watch). */
  readonly stream: boolean;
}

/** The URL path of a collection or an object (optionally a subresource). */
export function resourcePath(
  type: ResourceType,
  namespace: string | undefined,
  name?: string,
  subresource?: string,
): string {
  const base = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const obj = name ? `/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}` : '';
  return `${base}${ns}/${type.resource}${obj}`;
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function selectorQuery(options: ClientListOptions): string {
  return query({ labelSelector: options.labelSelector, fieldSelector: options.fieldSelector });
}

/** The DeleteOptions body of a DELETE (single object or collection). */
function deleteOptionsBody(options: ClientDeleteOptions): object {
  return {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    ...(options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
    ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
    ...(options.preconditions ? { preconditions: options.preconditions } : {}),
    ...(options.dryRun ? { dryRun: ['All'] } : {}),
  };
}

export class HttpClient implements Client {
  private readonly server: URL;
  private readonly proxied: boolean;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly maxRetries: number;
  private readonly limiter: ClientRateLimiter;
  private retries = 0;
  private shared: { readonly tls: TlsSettings; readonly agents: Agents } | undefined;

  /** Throws on a kubeconfig without a current cluster and on invalid qps/burst/maxRetries. */
  constructor(private readonly options: HttpClientOptions) {
    const cluster = options.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.proxied = Boolean(cluster.proxyUrl);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    if (!Number.isInteger(this.maxRetries) || this.maxRetries < 0)
      throw new Error(`maxRetries must be an integer >= 0, got ${this.maxRetries}`);
    this.limiter = new ClientRateLimiter({
      clock: this.clock,
      qps: options.qps ?? DEFAULT_QPS,
      burst: options.burst ?? DEFAULT_BURST,
    });
  }

  stats(): HttpClientStats {
    return { ...this.limiter.stats(), retries: this.retries };
  }

  /** Closes the client's connections, open watches and requests in flight included: call it when done. */
  close(): void {
    this.shared?.agents.requests.destroy();
    this.shared?.agents.watches.destroy();
    this.shared = undefined;
  }

  /**
   * One request with throttling and retries (file header). Resolves with the answer of the first
   * successful attempt, its body read unless `stream`; rejects with the last failure.
   */
  private async exchange(spec: RequestSpec): Promise<{ res: IncomingMessage; text: string }> {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.retries++;
      const throttledMs = await this.limiter.wait();
      this.options.onThrottle?.({ method: spec.method, path: spec.path, ms: throttledMs });
      const started = this.clock.now();
      let failure: AttemptFailure;
      let error: unknown;
      try {
        const res = await this.open(spec);
        const code = res.statusCode ?? 0;
        if (spec.stream && code < 400) {
          this.observe(spec, code, started);
          return { res, text: '' };
        }
        const text = await readBody(res);
        this.observe(spec, code, started);
        if (code < 400) return { res, text };
        const apiError = errorFromResponse(code, text);
        error = apiError;
        const retryAfterSeconds = retryAfterHeader(res) ?? apiError.retryAfterSeconds;
        failure = { kind: 'status', code, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
      } catch (err) {
        const errorCode = connectionErrorCode(err);
        if (errorCode === undefined) throw err;
        this.observe(spec, 0, started);
        error = err;
        failure = { kind: 'connection', errorCode };
      }
      if (attempt >= this.maxRetries || !isRetryable(spec.method, failure)) throw error;
      const retryAfter = failure.kind === 'status' ? failure.retryAfterSeconds : undefined;
      await sleep(this.clock, retryDelayMs(attempt, retryAfter, this.random));
    }
  }

  private observe(spec: RequestSpec, code: number, started: number): void {
    this.options.onResponse?.({
      method: spec.method,
      path: spec.path,
      code,
      ms: this.clock.now() - started,
    });
  }

  private async open(spec: RequestSpec): Promise<IncomingMessage> {
    const { payload } = spec;
    const opts: HttpsRequestOptions = {
      method: spec.method,
      hostname: this.server.hostname.replace(/^\[|\]$/g, ''),
      port: this.server.port,
      path: spec.path,
      headers: {
        Accept: 'application/json',
        'User-Agent': this.options.userAgent ?? 'everynode',
        ...(payload ? { 'Content-Type': spec.contentType, 'Content-Length': String(payload.length) } : {}),
      },
    };
    await this.options.kubeConfig.applyToHTTPSOptions(opts);
    if (!this.proxied) {
      const agents = this.sharedAgents(opts);
      opts.agent = spec.stream ? agents.watches : agents.requests;
    }
    return new Promise((resolve, reject) => {
      const req =
        this.server.protocol === 'https:' ? httpsRequest(opts, resolve) : httpRequest(opts, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * The keep-alive agents for these TLS settings (new ones when the kubeconfig's credentials
   * changed): one for requests, at most {@link MAX_REQUEST_CONNECTIONS} connections, and one for
   * watches, which hold their connection for as long as they run and so must never wait for one.
   * Over TLS both share one secure context: building it (parsing the CA, the client certificate
   * and key) is most of the cost of opening a connection.
   */
  private sharedAgents(opts: HttpsRequestOptions): Agents {
    const tls: TlsSettings = {};
    for (const f of TLS_FIELDS) if (opts[f] !== undefined) Object.assign(tls, { [f]: opts[f] });
    const current = this.shared;
    if (current && TLS_FIELDS.every((f) => sameSetting(current.tls[f], tls[f]))) return current.agents;
    // The previous agents are dropped, not destroyed: their watches and requests in flight finish.
    const common = { keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS };
    let agents: Agents;
    if (this.server.protocol === 'https:') {
      const { ca, cert, key, pfx, passphrase } = tls;
      const secureContext = createSecureContext({ ca, cert, key, pfx, passphrase });
      const withTls = { ...tls, ...common, secureContext };
      agents = {
        requests: new HttpsAgent({ ...withTls, maxSockets: MAX_REQUEST_CONNECTIONS }),
        watches: new HttpsAgent(withTls),
      };
    } else {
      agents = {
        requests: new HttpAgent({ ...common, maxSockets: MAX_REQUEST_CONNECTIONS }),
        watches: new HttpAgent(common),
      };
    }
    this.shared = { tls, agents };
    return agents;
  }

  private async call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const { res, text } = await this.exchange({
      method,
      path,
      payload: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
      contentType: contentType ?? 'application/json',
      stream: false,
    });
    try {
      // Frozen like the store's objects (the Client contract): callers share them, and the
      // controllers' memos keyed on frozen objects work over HTTP as they do in-process.
      return deepFreeze((text ? JSON.parse(text) : {}) as T);
    } catch {
      const code = res.statusCode ?? 0;
      throw new ApiError({
        reason: 'InternalError',
        code: 500,
        message: `unparsable response (${code}): ${text.slice(0, 200)}`,
      });
    }
  }

  /** `?dryRun=All&fieldManager=…` for a write. */
  private writeQuery(options: ClientWriteOptions): string {
    return query({
      dryRun: options.dryRun ? 'All' : undefined,
      fieldManager: options.fieldManager ?? this.options.fieldManager ?? 'everynode',
    });
  }

  get<T extends KubeObject>(type: ResourceType<T>, namespace: string, name: string): Promise<T> {
    return this.call('GET', resourcePath(type, namespace, name));
  }

  async list<T extends KubeObject>(
    type: ResourceType<T>,
    options: ClientListOptions = {},
  ): Promise<ClientList<T>> {
    const r = await this.call<{ items?: T[] | null; metadata?: { resourceVersion?: string } }>(
      'GET',
      resourcePath(type, options.namespace) + selectorQuery(options),
    );
    const items = (r.items ?? []).map((o) =>
      Object.freeze({ ...o, apiVersion: type.apiVersion, kind: type.kind }),
    );
    return { items, resourceVersion: r.metadata?.resourceVersion ?? '' };
  }

  create<T extends KubeObject>(type: ResourceType<T>, obj: T, options: ClientWriteOptions = {}): Promise<T> {
    const ns = obj.metadata?.namespace;
    return this.call('POST', resourcePath(type, ns) + this.writeQuery(options), obj);
  }

  update<T extends KubeObject>(type: ResourceType<T>, obj: T, options: ClientWriteOptions = {}): Promise<T> {
    const m = obj.metadata ?? {};
    return this.call('PUT', resourcePath(type, m.namespace, m.name ?? '') + this.writeQuery(options), obj);
  }

  updateStatus<T extends KubeObject>(
    type: ResourceType<T>,
    obj: T,
    options: ClientWriteOptions = {},
  ): Promise<T> {
    const m = obj.metadata ?? {};
    return this.call(
      'PUT',
      resourcePath(type, m.namespace, m.name ?? '', 'status') + this.writeQuery(options),
      obj,
    );
  }

  patch<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: ClientWriteOptions = {},
  ): Promise<T> {
    return this.call(
      'PATCH',
      resourcePath(type, namespace, name) + this.writeQuery(options),
      patch,
      PATCH_CONTENT_TYPES[patchType],
    );
  }

  patchStatus<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: ClientWriteOptions = {},
  ): Promise<T> {
    return this.call(
      'PATCH',
      resourcePath(type, namespace, name, 'status') + this.writeQuery(options),
      patch,
      PATCH_CONTENT_TYPES[patchType],
    );
  }

  delete<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    options: ClientDeleteOptions = {},
  ): Promise<T> {
    return this.call('DELETE', resourcePath(type, namespace, name), deleteOptionsBody(options));
  }

  async deleteCollection<T extends KubeObject>(
    type: ResourceType<T>,
    listOptions: ClientListOptions,
    options: ClientDeleteOptions = {},
  ): Promise<void> {
    await this.call(
      'DELETE',
      resourcePath(type, listOptions.namespace) + selectorQuery(listOptions),
      deleteOptionsBody(options),
    );
  }

  async bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void> {
    await this.call('POST', resourcePath(resources.pods, namespace, podName, 'binding'), {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: podName, namespace, ...(podUid ? { uid: podUid } : {}) },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    });
  }

  async evict(namespace: string, podName: string, options: ClientDeleteOptions = {}): Promise<void> {
    await this.call('POST', resourcePath(resources.pods, namespace, podName, 'eviction'), {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: podName, namespace },
      ...(options.gracePeriodSeconds !== undefined
        ? { deleteOptions: { gracePeriodSeconds: options.gracePeriodSeconds } }
        : {}),
    });
  }

  async watch<T extends KubeObject>(
    type: ResourceType<T>,
    options: ClientWatchOptions,
    handlers: ClientWatchHandlers<T>,
  ): Promise<ClientWatch> {
    const path =
      resourcePath(type, options.namespace) +
      query({
        watch: 'true',
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        resourceVersion: options.resourceVersion,
        allowWatchBookmarks: options.allowBookmarks ? 'true' : undefined,
      });
    const { res } = await this.exchange({
      method: 'GET',
      path,
      payload: undefined,
      contentType: 'application/json',
      stream: true,
    });
    let stopped = false;
    let closedReported = false;
    /** The unterminated tail of the stream, as received pieces (joined once its newline arrives). */
    let partial: string[] = [];
    const finish = (err?: unknown): void => {
      if (stopped || closedReported) return;
      closedReported = true;
      handlers.onClose(err);
    };
    /** Handles one line; false ends the stream. */
    const onLine = (raw: string): boolean => {
      const line = raw.trim();
      if (!line) return true;
      let ev: { type?: string; object?: unknown };
      try {
        ev = JSON.parse(line) as { type?: string; object?: unknown };
      } catch {
        return true;
      }
      if (ev.type === 'ERROR') {
        const st = ev.object as Status;
        finish(fromStatus(st, st.code));
        res.destroy();
        return false;
      }
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED' || ev.type === 'BOOKMARK') {
        const object = Object.freeze({
          ...deepFreeze(ev.object as T),
          apiVersion: type.apiVersion,
          kind: type.kind,
        }) as T;
        handlers.onEvent({ type: ev.type, object });
      }
      return true;
    };
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      let start = 0;
      for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', start)) {
        if (stopped) return;
        partial.push(chunk.slice(start, i));
        const line = partial.length === 1 ? (partial[0] as string) : partial.join('');
        partial = [];
        start = i + 1;
        if (!onLine(line)) return;
      }
      if (start < chunk.length) partial.push(chunk.slice(start));
    });
    res.on('end', () => finish());
    res.on('error', (err) => finish(err));
    res.on('close', () => finish());
    return {
      stop: () => {
        stopped = true;
        res.destroy();
      },
    };
  }
}
