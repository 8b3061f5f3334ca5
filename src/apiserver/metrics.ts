/**
 * Request counting of one API server, served at `GET /metrics` in the Prometheus text format
 * from a registry of its own (two servers in one process never share counts):
 *
 * - `apiserver_request_total{verb,dry_run,group,version,resource,subresource,scope,component,code}`
 *   with upstream's labels and values (k8s.io/apiserver/pkg/endpoints/metrics): verbs GET, LIST,
 *   WATCH, POST, PUT, PATCH, APPLY (server-side apply), DELETE; scope `resource` (one named
 *   object, or a create), `namespace`, `cluster`, or empty for non-resource paths.
 * - `everynode_apiserver_requests_by_user_total{user,verb,resource,subresource,code}`: the same
 *   per authenticated user, so a test can count the writes of one client.
 *
 * Every request is counted once, when its response starts (a watch when it is established),
 * including 403s; 401s appear only in the first family (there is no user). Unknown resources
 * and subresources are counted with empty labels, so arbitrary paths cannot grow the series.
 */
import { Counter, Registry } from 'prom-client';
import { findResource } from '../api/resources.js';
import type { RequestInfo } from '../api/request-info.js';
import { isWatchParam } from '../api/request-info.js';

/** One request, as the server saw it. */
export interface RequestRecord {
  /** The authenticated user's name; undefined when authentication failed or is off. */
  readonly user: string | undefined;
  readonly info: RequestInfo;
  readonly method: string;
  readonly params: URLSearchParams;
  readonly contentType: string | undefined;
  readonly code: number;
}

/** What {@link RequestMetrics.counts} returns: requests by user, verb, resource and code. */
export interface RequestCount {
  readonly user: string;
  readonly verb: string;
  readonly resource: string;
  readonly subresource: string;
  readonly code: number;
  readonly count: number;
}

const KNOWN_SUBRESOURCES = new Set(['status', 'binding', 'eviction', 'log', 'token']);

interface Labels {
  readonly verb: string;
  readonly dry_run: string;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string;
  readonly scope: string;
  readonly component: string;
  readonly code: string;
}

interface Series {
  readonly inc: () => void;
}

interface UserSeries {
  readonly entry: { -readonly [K in keyof RequestCount]: RequestCount[K] };
  readonly inc: () => void;
}

/** Upstream's cleanDryRun: `""`, `All`, or `invalid`. */
function dryRunLabel(params: URLSearchParams): string {
  const values = params.getAll('dryRun');
  if (values.length === 0) return '';
  return values.every((v) => v === 'All') ? 'All' : 'invalid';
}

/** Upstream's CanonicalVerb + CleanVerb over the request's method, scope and query. */
function metricVerb(r: RequestRecord, scope: string): string {
  const method = r.method.toUpperCase();
  if ((method === 'GET' || method === 'HEAD') && isWatchParam(r.params)) return 'WATCH';
  if (r.info.isResourceRequest && r.info.verb === 'watch') return 'WATCH';
  if (method === 'GET' || method === 'HEAD') return scope !== 'resource' && scope !== '' ? 'LIST' : 'GET';
  if (method === 'PATCH' && r.contentType?.split(';')[0]?.trim() === 'application/apply-patch+yaml')
    return 'APPLY';
  return method;
}

/** Upstream's CleanScope, with list/watch selecting `metadata.name` still a collection request. */
function scopeOf(info: RequestInfo): string {
  if (!info.isResourceRequest) return '';
  if (info.verb === 'create' || (info.name !== '' && info.verb !== 'list' && info.verb !== 'watch'))
    return 'resource';
  return info.namespace !== '' ? 'namespace' : 'cluster';
}

export class RequestMetrics {
  /** The registry `/metrics` renders. */
  readonly registry = new Registry();
  private readonly requests: Counter<keyof Labels>;
  private readonly byUser: Counter<'user' | 'verb' | 'resource' | 'subresource' | 'code'>;
  private readonly series = new Map<string, Series>();
  private readonly userSeries = new Map<string, UserSeries>();

  constructor() {
    this.requests = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: [
        'verb',
        'dry_run',
        'group',
        'version',
        'resource',
        'subresource',
        'scope',
        'component',
        'code',
      ],
      registers: [this.registry],
    });
    this.byUser = new Counter({
      name: 'everynode_apiserver_requests_by_user_total',
      help: 'Counter of apiserver requests broken out for each authenticated user, verb, resource, subresource and HTTP response code.',
      labelNames: ['user', 'verb', 'resource', 'subresource', 'code'],
      registers: [this.registry],
    });
  }

  /** Counts one request. */
  record(r: RequestRecord): void {
    const info = r.info;
    const scope = scopeOf(info);
    const verb = metricVerb(r, scope);
    let group = '';
    let version = '';
    let resource = '';
    let subresource = '';
    if (info.isResourceRequest) {
      const type = findResource(info.apiGroup, info.resource);
      if (type !== undefined && type.version === info.apiVersion) {
        group = info.apiGroup;
        version = info.apiVersion;
        resource = info.resource;
        subresource = KNOWN_SUBRESOURCES.has(info.subresource) ? info.subresource : '';
      }
    }
    const code = String(r.code);
    const dryRun = dryRunLabel(r.params);
    const key = `${verb}|${dryRun}|${group}|${version}|${resource}|${subresource}|${scope}|${code}`;
    let s = this.series.get(key);
    if (s === undefined) {
      const child = this.requests.labels({
        verb,
        dry_run: dryRun,
        group,
        version,
        resource,
        subresource,
        scope,
        component: 'apiserver',
        code,
      });
      s = { inc: () => child.inc() };
      this.series.set(key, s);
    }
    s.inc();
    if (r.user === undefined) return;
    const userKey = `${r.user}|${verb}|${resource}|${subresource}|${code}`;
    let u = this.userSeries.get(userKey);
    if (u === undefined) {
      const child = this.byUser.labels({ user: r.user, verb, resource, subresource, code });
      const entry = { user: r.user, verb, resource, subresource, code: r.code, count: 0 };
      u = {
        entry,
        inc: () => {
          entry.count++;
          child.inc();
        },
      };
      this.userSeries.set(userKey, u);
    }
    u.inc();
  }

  /** Requests so far by user, verb (upstream's metric verbs), resource, subresource and code. */
  counts(): ReadonlyArray<RequestCount> {
    return [...this.userSeries.values()].map((u) => ({ ...u.entry }));
  }

  /** The Prometheus text exposition of every series. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
