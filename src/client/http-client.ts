/**
 * The Client contract over HTTP(S), for operator mode: requests go to a Kubernetes API server with
 * the credentials of a kubeconfig (loaded by @kubernetes/client-node), answers and `Status` errors
 * come back as the same typed results and ApiErrors the in-process client gives. Watches stream
 * newline-delimited JSON; a 410 ends the watch with an Expired error so informers re-list.
 */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Status } from 'kubernetes-types/meta/v1.js';
import type { KubeObject, ResourceType } from '../api/resources.js';
import { resources } from '../api/resources.js';
import { ApiError, fromStatus } from '../api/errors.js';
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

export interface HttpClientOptions {
  readonly kubeConfig: KubeConfig;
  /** Sent as the field manager of writes. Default `everynode`. */
  readonly fieldManager?: string;
  readonly userAgent?: string;
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

  constructor(private readonly options: HttpClientOptions) {
    const cluster = options.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  private async send(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ res: IncomingMessage; text: string }> {
    const res = await this.open(method, path, body, contentType);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return { res, text: Buffer.concat(chunks).toString('utf8') };
  }

  private async open(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const opts: HttpsRequestOptions = {
      method,
      hostname: this.server.hostname.replace(/^\[|\]$/g, ''),
      port: this.server.port,
      path,
      headers: {
        Accept: 'application/json',
        'User-Agent': this.options.userAgent ?? 'everynode',
        ...(payload ? { 'Content-Type': contentType, 'Content-Length': String(payload.length) } : {}),
      },
    };
    await this.options.kubeConfig.applyToHTTPSOptions(opts);
    return new Promise((resolve, reject) => {
      const req =
        this.server.protocol === 'https:' ? httpsRequest(opts, resolve) : httpRequest(opts, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }

  private async call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const { res, text } = await this.send(method, path, body, contentType);
    const code = res.statusCode ?? 0;
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError({
        reason: 'InternalError',
        code: code || 500,
        message: `unparsable response (${code}): ${text.slice(0, 200)}`,
      });
    }
    if (code >= 400) {
      const st = parsed as Status;
      if (st.kind === 'Status') throw fromStatus(st, code);
      throw new ApiError({
        reason: code === 401 ? 'Unauthorized' : 'InternalError',
        code,
        message: text.slice(0, 200) || `HTTP ${code}`,
      });
    }
    return parsed as T;
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
    const r = await this.call<{ items: T[]; metadata?: { resourceVersion?: string } }>(
      'GET',
      resourcePath(type, options.namespace) + selectorQuery(options),
    );
    const items = r.items.map((o) => ({ ...o, apiVersion: type.apiVersion, kind: type.kind }));
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
    const res = await this.open('GET', path);
    if ((res.statusCode ?? 0) >= 400) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let st: Status | undefined;
      try {
        st = JSON.parse(text) as Status;
      } catch {
        st = undefined;
      }
      throw st?.kind === 'Status'
        ? fromStatus(st, res.statusCode)
        : new ApiError({ reason: 'InternalError', code: res.statusCode ?? 500, message: text });
    }
    let stopped = false;
    let closedReported = false;
    let pending = '';
    const finish = (err?: unknown): void => {
      if (stopped || closedReported) return;
      closedReported = true;
      handlers.onClose(err);
    };
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (stopped) return;
      pending += chunk;
      let i: number;
      while ((i = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, i).trim();
        pending = pending.slice(i + 1);
        if (!line) continue;
        let ev: { type?: string; object?: unknown };
        try {
          ev = JSON.parse(line) as { type?: string; object?: unknown };
        } catch {
          continue;
        }
        if (ev.type === 'ERROR') {
          const st = ev.object as Status;
          finish(fromStatus(st, st.code));
          res.destroy();
          return;
        }
        if (
          ev.type === 'ADDED' ||
          ev.type === 'MODIFIED' ||
          ev.type === 'DELETED' ||
          ev.type === 'BOOKMARK'
        ) {
          const object = { ...(ev.object as T), apiVersion: type.apiVersion, kind: type.kind } as T;
          handlers.onEvent({ type: ev.type, object });
        }
      }
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
