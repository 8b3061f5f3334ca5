/**
 * The Kubernetes-compatible HTTP(S) API server over a Store: discovery, OpenAPI for kubectl, CRUD,
 * patch in four content types, watch streams, server-side Tables, bearer-token authentication,
 * RBAC authorization, ServiceAccount tokens and per-client request metrics.
 * Every failure becomes a `Status` body in one place (`send` → `toStatus`).
 *
 * A request goes: health endpoints (open) → request info → authentication (401) →
 * impersonation (403 unless allowed) → authorization (403) → routing; it is counted for
 * `/metrics` when its response starts. Without an authenticator (in-process tests) requests are
 * neither authenticated nor authorized.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KubeObject, MutableObject } from '../api/resources.js';
import { resources } from '../api/resources.js';
import { ApiError, BadRequestError, toStatus } from '../api/errors.js';
import { parseSelector } from '../api/labels.js';
import { parseFieldSelector, validateFieldSelectorForKind } from '../api/fields.js';
import type { ListOptions, Store, WatchEvent, WatchHandle } from '../store/types.js';
import { patchObject } from '../store/patch-object.js';
import { recordUpdate } from '../api/managed-fields.js';
import { rfc3339 } from '../util/clock.js';
import { boundedMemo } from '../util/memo.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { errorMessage } from '../util/log.js';
import { toTable } from './tables.js';
import { eventsV1View, fromEventsV1 } from './events-v1.js';
import type { EventV1 } from '../api/resources.js';
import type { TableOptions } from './tables.js';
import {
  SERVER_VERSION,
  aggregatedDiscovery,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from './discovery.js';
import { OPENAPI_V2_CONTENT_TYPE, openApiV3DocumentForPath, openApiV3Index } from './openapi.js';
// Field validation (issue 5): strict decoding of create/update/patch bodies, warnings as headers.
import { decodeObject, fieldValidationDirective, validatePatch, warningHeaders } from './field-validation.js';
import type { DecodedObject, FieldValidationOptionsKind } from './field-validation.js';
import type { ResourcePath } from './request.js';
import { bodyKind, parseAccept, parseApiPath, parseDocument, queryOptions, readBody } from './request.js';
import type { AcceptInfo, QueryOptions } from './request.js';
import type { Authenticator, User } from './authentication.js';
import { withAuthenticatedGroup } from './authentication.js';
import type { RequestInfo } from '../api/request-info.js';
import { isWatchParam, requestInfo } from '../api/request-info.js';
import type { Authorizer } from './rbac.js';
import { RbacAuthorizer, forbiddenError, isRbacResource } from './rbac.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';
import { impersonatedUser } from './impersonation.js';
import { escalationGuard } from './rbac-escalation.js';
import type { ReviewResource } from './access-review.js';
import {
  reviewResourceOf,
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
} from './access-review.js';
import type { RequestCount } from './metrics.js';
import { RequestMetrics } from './metrics.js';

export type { Authenticator, User } from './authentication.js';
export { StaticTokens } from './authentication.js';
export type { RequestCount } from './metrics.js';

/** What the server learns about a request on the way, for the metrics recorded at its end. */
interface RequestContext {
  info: RequestInfo | undefined;
  params: URLSearchParams | undefined;
  user: User | undefined;
}

export interface ApiServerOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** HTTPS material; omitted means plain HTTP (only with an explicit --insecure-http). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Default 127.0.0.1. */
  readonly address?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Omitted: no authentication and no authorization (tests of the in-process API only). */
  readonly authenticator?: Authenticator;
  /**
   * Decides every authenticated request. Default: RBAC over the store's Roles, ClusterRoles and
   * bindings ({@link RbacAuthorizer}); `system:masters` may do anything.
   */
  readonly authorizer?: Authorizer;
  /**
   * Issues tokens at `POST …/serviceaccounts/<name>/token`. Omitted: that subresource is 404.
   * To accept the tokens, include it in the authenticator too.
   */
  readonly serviceAccountTokens?: ServiceAccountTokens;
  /** Bytes a watch may have unsent before it is closed. Default 64 MiB. */
  readonly maxWatchBacklogBytes?: number;
}

const JSON_TYPE = 'application/json';
/** The answer to a pod binding or eviction. */
const CREATED_STATUS = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

export class ApiServer {
  private server: HttpServer | undefined;
  private eventsView: Store | undefined;
  private readonly watches = new Set<{ close(): void }>();
  private url = '';
  private readonly authorizer: Authorizer | undefined;
  /** The authorizer this server created (and so closes). */
  private readonly ownAuthorizer: RbacAuthorizer | undefined;
  private readonly metrics = new RequestMetrics();

  constructor(private readonly options: ApiServerOptions) {
    if (options.authorizer) {
      this.authorizer = options.authorizer;
    } else if (options.authenticator) {
      this.ownAuthorizer = new RbacAuthorizer({ store: options.store });
      this.authorizer = this.ownAuthorizer;
    }
  }

  /**
   * Requests so far by authenticated user, metric verb (GET, LIST, WATCH, POST, PUT, PATCH,
   * APPLY, DELETE), resource, subresource and HTTP code: what `/metrics` reports as
   * `everynode_apiserver_requests_by_user_total`.
   */
  requestCounts(): ReadonlyArray<RequestCount> {
    return this.metrics.counts();
  }

  /** Starts listening; resolves with the server URL. */
  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      const ctx: RequestContext = { info: undefined, params: undefined, user: undefined };
      void this.handle(req, res, ctx)
        .catch((err: unknown) => this.send(res, err))
        .finally(() => this.record(req, res, ctx));
    };
    this.server = this.options.tls
      ? createHttpsServer({ cert: this.options.tls.cert, key: this.options.tls.key }, handler)
      : createHttpServer(handler);
    this.server.on('tlsClientError', (err: Error) =>
      this.options.logger.debug({ err: err.message }, 'TLS client error'),
    );
    this.server.keepAliveTimeout = 65_000;
    const address = this.options.address ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.options.port ?? 0, address, () => resolve());
    });
    const port = (this.server.address() as AddressInfo).port;
    const host = address.includes(':') ? `[${address}]` : address;
    this.url = `${this.options.tls ? 'https' : 'http'}://${host}:${port}`;
    return this.url;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async stop(): Promise<void> {
    this.ownAuthorizer?.close();
    for (const w of [...this.watches]) w.close();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    this.server = undefined;
  }

  // ---------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    const method = req.method ?? 'GET';
    const info = requestInfo(method, path, url.searchParams);
    ctx.info = info;
    ctx.params = url.searchParams;
    const authenticated = await this.authenticate(req);
    const user = authenticated && impersonatedUser(authenticated, req.headers, this.authorizer);
    ctx.user = user;
    if (user && this.authorizer) {
      const decision = this.authorizer.authorize(user, info);
      if (!decision.allowed) throw forbiddenError(user, info, decision.reason);
    }
    const review = reviewResourceOf(info);
    if (review) return this.review(req, res, method, review, user);
    const accept = parseAccept(req.headers.accept);
    const q = queryOptions(url.searchParams);
    if (path === '/metrics' && (method === 'GET' || method === 'HEAD')) {
      const text = await this.metrics.text();
      res
        .writeHead(200, {
          'Content-Type': this.metrics.contentType,
          'Content-Length': Buffer.byteLength(text),
        })
        .end(text);
      return;
    }
    if (path === '/version') return this.json(res, 200, SERVER_VERSION);
    if (path === '/openapi/v2' || path === '/swagger-2.0.0.pb-v1') {
      res.writeHead(200, { 'Content-Type': OPENAPI_V2_CONTENT_TYPE, 'Content-Length': '0' }).end();
      return;
    }
    if (path === '/openapi/v3') return this.json(res, 200, openApiV3Index());
    if (path.startsWith('/openapi/v3/')) {
      const doc = openApiV3DocumentForPath(path);
      if (doc === undefined) throw notFound();
      res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(doc) }).end(doc);
      return;
    }
    const api = parseApiPath(path);
    switch (api.kind) {
      case 'root':
        if (accept.discovery) {
          const body = aggregatedDiscovery(api.which, accept.discovery);
          return this.json(
            res,
            200,
            body,
            `application/json;g=apidiscovery.k8s.io;v=${accept.discovery};as=APIGroupDiscoveryList`,
          );
        }
        return this.json(
          res,
          200,
          api.which === 'api' ? apiVersions(req.headers.host ?? '127.0.0.1') : apiGroupList(),
        );
      case 'groupVersion': {
        const list = apiResourceList(api.group, api.version);
        if (!list) throw notFound();
        return this.json(res, 200, list);
      }
      case 'other':
        throw notFound();
      case 'resource':
        return this.resource(req, res, method, api.path, accept, q, user);
    }
  }

  /** The request's user; undefined without an authenticator. A missing or bad token is a 401. */
  private async authenticate(req: IncomingMessage): Promise<User | undefined> {
    const auth = this.options.authenticator;
    if (!auth) return undefined;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const token = m?.[1]?.trim();
    const user = token ? await auth.authenticate(token) : undefined;
    if (user) return withAuthenticatedGroup(user);
    throw new ApiError({ reason: 'Unauthorized', code: 401, message: 'Unauthorized' });
  }

  private record(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void {
    if (!ctx.info || !ctx.params) return;
    this.metrics.record({
      user: ctx.user?.name,
      info: ctx.info,
      method: req.method ?? 'GET',
      params: ctx.params,
      contentType: req.headers['content-type'],
      code: res.statusCode,
    });
  }

  /** The create-only self-review APIs (`kubectl auth can-i`, `kubectl auth whoami`). */
  private async review(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    review: ReviewResource,
    user: User | undefined,
  ): Promise<void> {
    if (method !== 'POST') throw methodNotAllowed(method);
    const body = await this.readObject(req, 'write');
    if (!user) throw new BadRequestError('no user present on request');
    switch (review.kind) {
      case 'SelfSubjectReview':
        return this.json(res, 201, selfSubjectReview(user, body));
      case 'SelfSubjectAccessReview':
        if (!this.authorizer) throw notFound();
        return this.json(res, 201, selfSubjectAccessReview(this.authorizer, user, body));
      default: {
        const rulesFor = this.authorizer?.rulesFor?.bind(this.authorizer);
        if (!rulesFor) throw notFound();
        return this.json(res, 201, selfSubjectRulesReview(rulesFor, user, body));
      }
    }
  }

  /** A committed write of `type`: RBAC changes apply to the very next request. */
  private wrote(type: ResourcePath['type'], dryRun: boolean): void {
    if (!dryRun && isRbacResource(type)) this.authorizer?.invalidate?.();
  }

  private async resource(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    p: ResourcePath,
    accept: AcceptInfo,
    q: QueryOptions,
    user: User | undefined,
  ): Promise<void> {
    // Writes of RBAC objects may not grant more than the writer holds (escalation prevention).
    const store =
      user && isRbacResource(p.type)
        ? escalationGuard(this.storeFor(p), user, this.authorizer)
        : this.storeFor(p);
    const { type, name, subresource } = p;
    const namespace = p.namespace;
    const dryRun = q.get('dryRun') === 'All';
    if (
      subresource &&
      subresource !== 'status' &&
      !(type.resource === 'pods' && ['binding', 'eviction', 'log'].includes(subresource)) &&
      !(type.resource === 'serviceaccounts' && subresource === 'token')
    ) {
      throw notFound();
    }
    if (!name) {
      switch (method) {
        case 'GET':
          if (isWatchParam(q.params)) return this.watch(res, p, accept, q);
          return this.list(res, p, accept, q);
        case 'POST': {
          const { object: obj, warnings } = await this.readValidatedObject(req, p, q, 'CreateOptions');
          const m = (obj.metadata ??= {}) as MutableObject['metadata'] & object;
          if (type.namespaced) {
            if (m.namespace && m.namespace !== namespace) {
              throw new BadRequestError(
                'the namespace of the provided object does not match the namespace sent on the request',
              );
            }
            m.namespace = namespace;
          }
          this.checkKind(obj, p);
          this.trackUpdate(req, q, p, undefined, obj);
          const created = store.create(type, obj, dryRun ? { dryRun: true } : {});
          this.wrote(type, dryRun);
          await this.durable();
          setWarnings(res, warnings);
          return this.object(res, 201, created, p, accept, q);
        }
        case 'DELETE': {
          const opts = await this.deleteOptions(req, q);
          const list = store.list(type, this.listOptions(p, q));
          for (const item of list.items) {
            try {
              store.delete(type, item.metadata?.namespace ?? '', item.metadata?.name ?? '', opts);
            } catch (err) {
              if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
            }
          }
          this.wrote(type, opts.dryRun === true);
          await this.durable();
          return this.json(res, 200, {
            kind: type.listKind,
            apiVersion: type.apiVersion,
            metadata: { resourceVersion: String(store.revision()) },
            items: list.items,
          });
        }
        default:
          throw methodNotAllowed(method);
      }
    }
    if (type.resource === 'pods' && subresource === 'binding' && method === 'POST') {
      const binding = (await this.readObject(req, 'write')) as {
        target?: { name?: string };
        metadata?: { uid?: string };
      };
      const target = binding.target?.name;
      if (!target) throw new BadRequestError('binding target is required');
      store.update(
        resources.pods,
        {
          metadata: { name, namespace, ...(binding.metadata?.uid ? { uid: binding.metadata.uid } : {}) },
          spec: { nodeName: target, containers: [] },
        },
        { subresource: 'binding' },
      );
      await this.durable();
      return this.json(res, 201, CREATED_STATUS);
    }
    if (type.resource === 'pods' && subresource === 'eviction' && method === 'POST') {
      const eviction = (await this.readObject(req, 'write')) as {
        deleteOptions?: { gracePeriodSeconds?: number };
      };
      store.delete(resources.pods, namespace, name, {
        ...(eviction.deleteOptions?.gracePeriodSeconds !== undefined
          ? { gracePeriodSeconds: eviction.deleteOptions.gracePeriodSeconds }
          : {}),
      });
      await this.durable();
      return this.json(res, 201, CREATED_STATUS);
    }
    if (type.resource === 'serviceaccounts' && subresource === 'token' && method === 'POST') {
      const tokens = this.options.serviceAccountTokens;
      if (!tokens) throw notFound();
      const body = await this.readObject(req, 'write');
      return this.json(res, 201, await tokens.issue(namespace, name, body));
    }
    if (type.resource === 'pods' && subresource === 'log' && method === 'GET') {
      const pod = store.get(resources.pods, namespace, name);
      if (!pod) throw notFoundObject(p);
      const lines = (pod.spec?.containers ?? []).map(
        (c) =>
          `${new Date(this.options.clock.now()).toISOString()} everynode simulated container ${c.name} (${c.image ?? ''}) on ${pod.spec?.nodeName ?? '<unbound>'}: running`,
      );
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`${lines.join('\n')}\n`);
      return;
    }
    const statusSub = subresource === 'status' ? { subresource: 'status' as const } : {};
    switch (method) {
      case 'GET': {
        const obj = store.get(type, namespace, name);
        if (!obj) throw notFoundObject(p);
        return this.object(res, 200, obj, p, accept, q);
      }
      case 'PUT': {
        const { object: obj, warnings } = await this.readValidatedObject(req, p, q, 'UpdateOptions');
        this.checkKind(obj, p);
        const m = (obj.metadata ??= {}) as MutableObject['metadata'] & object;
        if (m.name && m.name !== name)
          throw new BadRequestError(
            `the name of the object (${m.name}) does not match the name on the URL (${name})`,
          );
        m.name = name;
        if (type.namespaced) m.namespace = namespace;
        this.trackUpdate(req, q, p, store.get(type, namespace, name), obj);
        const updated = store.update(type, obj, { ...(dryRun ? { dryRun: true } : {}), ...statusSub });
        this.wrote(type, dryRun);
        await this.durable();
        setWarnings(res, warnings);
        return this.object(res, 200, updated, p, accept, q);
      }
      case 'PATCH': {
        const kind = bodyKind(req.headers['content-type'], 'patch');
        const body = await readBody(req);
        const patch = parseDocument(
          body,
          kind === 'apply' && !body.toString('utf8').trimStart().startsWith('{'),
        );
        if (kind === 'apply' && !q.get('fieldManager')) {
          throw new BadRequestError(
            'PATCH, application/apply-patch+yaml requests require a non-empty fieldManager',
          );
        }
        const patchType = kind as Exclude<typeof kind, 'yaml'>;
        // Field validation (issue 5): patch through a store that checks and prunes what is written.
        const validation = validatePatch(store, {
          type,
          namespace,
          name,
          patchType,
          text: body.toString('utf8'),
          patch,
          directive: fieldValidationDirective(q.get('fieldValidation'), 'PatchOptions'),
        });
        const r = patchObject(validation.store, type, namespace, name, patchType, patch, {
          ...(dryRun ? { dryRun: true } : {}),
          ...statusSub,
          fieldManager: fieldManagerOf(req, q),
          force: q.bool('force'),
          now: this.options.clock.now(),
        });
        this.wrote(type, dryRun);
        await this.durable();
        setWarnings(res, validation.warnings());
        return this.object(res, r.created ? 201 : 200, r.object, p, accept, q);
      }
      case 'DELETE': {
        const opts = await this.deleteOptions(req, q);
        const r = store.delete(type, namespace, name, opts);
        this.wrote(type, opts.dryRun === true);
        await this.durable();
        return this.object(res, r.deleted ? 200 : 202, r.object, p, accept, q);
      }
      default:
        throw methodNotAllowed(method);
    }
  }

  /**
   * Records the request's field manager as an `Update` owner of the fields a create or update
   * changes (`old` undefined: a create), on `obj.metadata.managedFields`.
   */
  private trackUpdate(
    req: IncomingMessage,
    q: QueryOptions,
    p: ResourcePath,
    old: KubeObject | undefined,
    obj: MutableObject,
  ): void {
    const m = (obj.metadata ??= {}) as MutableObject['metadata'] & object;
    // A write that names managedFields sets them (upstream); otherwise the live ones carry over.
    const base = m.managedFields ?? old?.metadata?.managedFields;
    m.managedFields = recordUpdate(p.type.kind, old, obj, fieldManagerOf(req, q), base, {
      apiVersion: p.type.apiVersion,
      time: rfc3339(this.options.clock.now()),
      ...(p.subresource === 'status' ? { subresource: 'status' } : {}),
    });
  }

  /** The store as the request's resource sees it: events.k8s.io/v1 is a view of core Events. */
  private storeFor(p: ResourcePath): Store {
    if (p.type !== (resources.eventsV1 as ResourcePath['type'])) return this.options.store;
    this.eventsView ??= eventsV1View(this.options.store);
    return this.eventsView;
  }

  /** Objects in the shape the Table printers know (core/v1 for events.k8s.io/v1 Events). */
  private printable(p: ResourcePath, objects: readonly KubeObject[]): readonly KubeObject[] {
    return p.type === (resources.eventsV1 as ResourcePath['type'])
      ? objects.map((o) => fromEventsV1(o as EventV1))
      : objects;
  }

  /** Writes are acknowledged only once durable (a no-op for the memory store). */
  private durable(): Promise<void> {
    return this.options.store.flush();
  }

  private checkKind(obj: KubeObject, p: ResourcePath): void {
    if (obj.kind && obj.kind !== p.type.kind) {
      throw new BadRequestError(
        `the kind of the object (${obj.kind}) does not match the resource ${p.type.resource}`,
      );
    }
    if (obj.apiVersion && obj.apiVersion !== p.type.apiVersion) {
      throw new BadRequestError(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${p.type.apiVersion})`,
      );
    }
  }

  private async readObject(req: IncomingMessage, verb: 'write'): Promise<MutableObject> {
    const kind = bodyKind(req.headers['content-type'], verb);
    const doc = parseDocument(await readBody(req), kind === 'yaml');
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
      throw new BadRequestError('the request body must be an object');
    return doc;
  }

  /**
   * Field validation (issue 5): reads a create/update body and decodes it under the request's
   * `fieldValidation` directive (unknown fields pruned; Strict failures are 400s).
   */
  private async readValidatedObject(
    req: IncomingMessage,
    p: ResourcePath,
    q: QueryOptions,
    options: FieldValidationOptionsKind,
  ): Promise<DecodedObject> {
    const kind = bodyKind(req.headers['content-type'], 'write');
    const directive = fieldValidationDirective(q.get('fieldValidation'), options);
    return decodeObject(p.type, await readBody(req), kind === 'yaml', directive);
  }

  private async deleteOptions(
    req: IncomingMessage,
    q: QueryOptions,
  ): Promise<Parameters<Store['delete']>[3] & object> {
    const body = await readBody(req);
    const opts = (body.length > 0 ? parseDocument(body, false) : {}) as {
      gracePeriodSeconds?: number;
      propagationPolicy?: string;
      orphanDependents?: boolean;
      preconditions?: { uid?: string; resourceVersion?: string };
      dryRun?: string[];
    };
    const policy =
      q.get('propagationPolicy') ?? opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : undefined);
    if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
      throw new BadRequestError(
        `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
      );
    }
    const grace = q.int('gracePeriodSeconds') ?? opts.gracePeriodSeconds;
    return {
      ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
      ...(policy ? { propagationPolicy: policy as 'Background' | 'Foreground' | 'Orphan' } : {}),
      ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
      ...(q.get('dryRun') === 'All' || opts.dryRun?.includes('All') ? { dryRun: true } : {}),
    };
  }

  private listOptions(p: ResourcePath, q: QueryOptions): ListOptions {
    const label = q.get('labelSelector');
    const field = q.get('fieldSelector');
    return {
      ...(p.namespace ? { namespace: p.namespace } : {}),
      ...(label ? { labelSelector: parseSelector(label) } : {}),
      ...(field
        ? { fieldSelector: validateFieldSelectorForKind(p.type.kind, parseFieldSelector(field)) }
        : {}),
    };
  }

  /**
   * List resourceVersion semantics on a store that always serves its latest state: unset or "0"
   * (any) and NotOlderThan are satisfied by the latest state; a version newer than the store's is
   * "Too large" (504, retry); Exact is served only for the current version, older is Expired (410).
   */
  private checkListResourceVersion(q: QueryOptions, current: number): void {
    const rv = q.get('resourceVersion');
    const match = q.get('resourceVersionMatch');
    if (match !== undefined && match !== '') {
      if (match !== 'NotOlderThan' && match !== 'Exact') {
        throw new BadRequestError(
          `resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
        );
      }
      if (rv === undefined || rv === '') {
        throw new BadRequestError(
          'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
        );
      }
    }
    if (rv === undefined || rv === '' || rv === '0') return;
    const n = Number(rv);
    if (!Number.isInteger(n) || n < 0) throw new BadRequestError(`invalid resource version: ${rv}`);
    if (n > current) {
      throw new ApiError({
        reason: 'Timeout',
        code: 504,
        message: `Too large resource version: ${n}, current: ${current}`,
        retryAfterSeconds: 1,
      });
    }
    if (match === 'Exact' && n !== current)
      throw new ApiError({
        reason: 'Expired',
        code: 410,
        message: `too old resource version: ${n} (${current})`,
      });
  }

  private list(res: ServerResponse, p: ResourcePath, accept: AcceptInfo, q: QueryOptions): void {
    const store = this.storeFor(p);
    this.checkListResourceVersion(q, store.revision());
    const result = store.list(p.type, this.listOptions(p, q));
    let items = result.items;
    const limit = q.int('limit') ?? 0;
    const cont = q.get('continue');
    let next: string | undefined;
    if (cont) {
      let after: string;
      try {
        after = (JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { after: string }).after;
      } catch {
        throw new BadRequestError('invalid continue token');
      }
      items = items.filter((o) => keyOf(o) > after);
    }
    if (limit > 0 && items.length > limit) {
      items = items.slice(0, limit);
      next = Buffer.from(JSON.stringify({ after: keyOf(items[items.length - 1] ?? {}) })).toString(
        'base64url',
      );
    }
    const metadata = { resourceVersion: String(result.revision), ...(next ? { continue: next } : {}) };
    if (accept.table) {
      const table = toTable(p.type.kind, this.printable(p, items), this.tableOptions(q));
      return this.json(res, 200, { ...table, metadata }, tableContentType());
    }
    const list = { kind: p.type.listKind, apiVersion: p.type.apiVersion, metadata, items };
    return this.json(res, 200, list);
  }

  private tableOptions(q: QueryOptions): TableOptions {
    const inc = q.get('includeObject');
    return {
      now: this.options.clock.now(),
      ...(inc === 'None' || inc === 'Metadata' || inc === 'Object' ? { includeObject: inc } : {}),
    };
  }

  private object(
    res: ServerResponse,
    code: number,
    obj: KubeObject,
    p: ResourcePath,
    accept: AcceptInfo,
    q: QueryOptions,
  ): void {
    if (accept.table) {
      const table = toTable(p.type.kind, this.printable(p, [obj]), this.tableOptions(q));
      return this.json(
        res,
        code,
        { ...table, metadata: { resourceVersion: obj.metadata?.resourceVersion ?? '' } },
        tableContentType(),
      );
    }
    return this.text(res, code, objectJson(obj));
  }

  private watch(res: ServerResponse, p: ResourcePath, accept: AcceptInfo, q: QueryOptions): void {
    const { clock } = this.options;
    const store = this.storeFor(p);
    const rvParam = q.get('resourceVersion');
    const rv = rvParam === undefined || rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
    if (rv !== undefined && !Number.isInteger(rv))
      throw new BadRequestError(`invalid resource version: ${rvParam ?? ''}`);
    const maxBacklog = this.options.maxWatchBacklogBytes ?? 64 * 1024 * 1024;
    let handle: WatchHandle | undefined;
    let closed = false;
    const tableOpts = this.tableOptions(q);
    const close = (): void => {
      if (closed) return;
      closed = true;
      handle?.stop();
      timer?.cancel();
      this.watches.delete(entry);
      if (!res.writableEnded) res.end();
    };
    const entry = { close };
    // The store hands over a watcher's events in batches: the lines of one batch go out as one
    // chunk (one write, one TLS record run) instead of a chunk per event.
    let lines = '';
    const flush = (): void => {
      const text = lines;
      lines = '';
      if (closed || text === '') return;
      res.write(text);
      if (res.writableLength > maxBacklog) close();
    };
    const write = (ev: WatchEvent): void => {
      if (closed) return;
      let object: unknown = ev.object;
      if (accept.table && ev.type !== 'BOOKMARK' && ev.type !== 'ERROR')
        object = toTable(p.type.kind, this.printable(p, [ev.object]), tableOpts);
      const json = object === ev.object ? objectJson(ev.object) : JSON.stringify(object);
      if (lines === '') queueMicrotask(flush);
      lines += `{"type":${JSON.stringify(ev.type)},"object":${json}}\n`;
      if (lines.length > WATCH_CHUNK_CHARS) flush();
    };
    try {
      handle = store.watch(
        p.type,
        {
          ...this.listOptions(p, q),
          ...(rv !== undefined ? { resourceVersion: rv } : {}),
          ...(q.bool('allowWatchBookmarks') ? { allowBookmarks: true } : {}),
        },
        { onEvent: write, onClose: () => close() },
      );
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'Expired') {
        res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Transfer-Encoding': 'chunked' });
        res.end(`${JSON.stringify({ type: 'ERROR', object: toStatus(err) })}\n`);
        return;
      }
      throw err;
    }
    res.writeHead(200, {
      'Content-Type': accept.table ? tableContentType() : JSON_TYPE,
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache',
    });
    res.flushHeaders();
    this.watches.add(entry);
    res.on('close', close);
    const timeout = q.int('timeoutSeconds');
    const timer = timeout !== undefined && timeout > 0 ? clock.setTimeout(close, timeout * 1000) : undefined;
  }

  private json(res: ServerResponse, code: number, body: unknown, contentType = JSON_TYPE): void {
    this.text(res, code, JSON.stringify(body), contentType);
  }

  private text(res: ServerResponse, code: number, text: string, contentType = JSON_TYPE): void {
    res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** The one place errors become responses. */
  private send(res: ServerResponse, err: unknown): void {
    if (!(err instanceof ApiError)) this.options.logger.error({ err: errorMessage(err) }, 'internal error');
    if (res.headersSent) {
      res.end();
      return;
    }
    const status = toStatus(err);
    this.json(res, status.code ?? 500, status);
  }
}

/** A watch batch is written once it holds this much text (a replay of a big list is many chunks). */
const WATCH_CHUNK_CHARS = 1 << 20;

/**
 * JSON text of the objects serialised last: a written object goes out in the response and in
 * the event of every watch over HTTP, usually within a few milliseconds. Only frozen (stored)
 * objects are remembered, a bounded number of them, so a cached text can never be stale.
 */
const storedJson = boundedMemo(1024, (obj: object) => JSON.stringify(obj));

function objectJson(obj: object): string {
  return Object.isFrozen(obj) ? storedJson(obj) : JSON.stringify(obj);
}

/** The `fieldManager` query parameter, else the user agent's product name (upstream's default). */
function fieldManagerOf(req: IncomingMessage, q: QueryOptions): string {
  const explicit = q.get('fieldManager');
  if (explicit) return explicit;
  const ua = req.headers['user-agent'];
  const product = typeof ua === 'string' ? ua.split('/')[0]?.trim() : undefined;
  return product ? product.slice(0, 128) : 'unknown';
}

function keyOf(o: KubeObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** Field validation (issue 5): one `Warning: 299 - "…"` header per warning text. */
function setWarnings(res: ServerResponse, warnings: readonly string[]): void {
  if (warnings.length > 0) res.setHeader('Warning', warningHeaders(warnings));
}

function tableContentType(): string {
  return 'application/json;as=Table;v=v1;g=meta.k8s.io';
}

function notFound(): ApiError {
  return new ApiError({
    reason: 'NotFound',
    code: 404,
    message: 'the server could not find the requested resource',
  });
}

function notFoundObject(p: ResourcePath): ApiError {
  return new ApiError({
    reason: 'NotFound',
    code: 404,
    message: `${p.type.group ? `${p.type.resource}.${p.type.group}` : p.type.resource} "${p.name}" not found`,
    group: p.type.group,
    kind: p.type.resource,
    name: p.name,
  });
}

function methodNotAllowed(method: string): ApiError {
  return new ApiError({
    reason: 'MethodNotAllowed',
    code: 405,
    message: `the server does not allow this method on the requested resource (${method})`,
  });
}
