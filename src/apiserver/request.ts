/**
 * Parsing the parts of an HTTP request the API needs: the resource path, query options, Accept
 * negotiation (JSON, Table, aggregated discovery) and bodies of the content types we accept.
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { ResourceType } from '../api/resources.js';
import { findResource } from '../api/resources.js';
import { ApiError, BadRequestError } from '../api/errors.js';
import type { PatchType } from '../client/types.js';
import { StreamTooLargeError, readAll } from '../util/streams.js';

/** Bodies larger than this are refused with 413 (the apiserver's limit is 3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface ResourcePath {
  readonly type: ResourceType;
  readonly namespace: string;
  /** Empty for collection requests. */
  readonly name: string;
  readonly subresource: string;
}

export type ApiPath =
  | { readonly kind: 'resource'; readonly path: ResourcePath }
  | { readonly kind: 'groupVersion'; readonly group: string; readonly version: string }
  | { readonly kind: 'root'; readonly which: 'api' | 'apis' }
  | { readonly kind: 'other'; readonly path: string };

function notFoundPath(): ApiError {
  return new ApiError({
    reason: 'NotFound',
    code: 404,
    message: 'the server could not find the requested resource',
  });
}

/**
 * Splits `/api/v1/namespaces/ns/pods/name/status` and `/apis/apps/v1/daemonsets` into their
 * parts. Unknown groups, versions and resources are 404s, as the apiserver answers.
 */
export function parseApiPath(pathname: string): ApiPath {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'api') {
    if (parts.length === 1) return { kind: 'root', which: 'api' };
    if (parts[1] !== 'v1') throw notFoundPath();
    return resourceParts('', 'v1', parts.slice(2));
  }
  if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'root', which: 'apis' };
    const group = parts[1] ?? '';
    const version = parts[2];
    if (!version) return { kind: 'other', path: pathname };
    return resourceParts(group, version, parts.slice(3));
  }
  return { kind: 'other', path: pathname };
}

function resourceParts(group: string, version: string, rest: string[]): ApiPath {
  if (rest.length === 0) return { kind: 'groupVersion', group, version };
  let namespace = '';
  let i = 0;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1] ?? '';
    i = 2;
  }
  const resource = rest[i] ?? '';
  const type = findResource(group, resource);
  if (!type || type.version !== version) throw notFoundPath();
  if (namespace && !type.namespaced) throw notFoundPath();
  const name = rest[i + 1] ?? '';
  const subresource = rest[i + 2] ?? '';
  if (rest.length > i + 3) throw notFoundPath();
  // `/api/v1/namespaces/x` addresses the namespace object itself.
  if (type.resource === 'namespaces' && rest[0] === 'namespaces' && rest.length >= 2 && i === 0) {
    return {
      kind: 'resource',
      path: { type, namespace: '', name: rest[1] ?? '', subresource: rest[2] ?? '' },
    };
  }
  return { kind: 'resource', path: { type, namespace, name, subresource } };
}

export interface AcceptInfo {
  /** The client asked for a meta.k8s.io Table (`as=Table`). */
  readonly table: boolean;
  /** Aggregated discovery version the client accepts first, if any. */
  readonly discovery: 'v2' | 'v2beta1' | undefined;
}

/** Reads the Accept header's media types in order; protobuf is answered with JSON. */
export function parseAccept(header: string | undefined): AcceptInfo {
  let table = false;
  let discovery: AcceptInfo['discovery'];
  for (const part of (header ?? '').split(',')) {
    const params = new Map<string, string>();
    const [, ...rest] = part.split(';');
    for (const p of rest) {
      const [k, v] = p.split('=').map((s) => s.trim());
      if (k) params.set(k, v ?? '');
    }
    if (params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io' && !table) table = true;
    if (
      params.get('as') === 'APIGroupDiscoveryList' &&
      params.get('g') === 'apidiscovery.k8s.io' &&
      !discovery
    ) {
      const v = params.get('v');
      if (v === 'v2' || v === 'v2beta1') discovery = v;
    }
  }
  return { table, discovery };
}

/** Reads the body, refusing more than MAX_BODY_BYTES with 413 (an overflow while it streams also ends its connection). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw tooLarge(limit);
  try {
    return await readAll(req, limit);
  } catch (err) {
    throw err instanceof StreamTooLargeError ? tooLarge(limit) : err;
  }
}

function tooLarge(limit: number): ApiError {
  return new ApiError({
    reason: 'RequestEntityTooLarge',
    code: 413,
    message: `the request body is too large: limit is ${limit} bytes`,
  });
}

export type BodyKind = 'json' | 'yaml' | PatchType;

/** The body kind of a Content-Type; anything we do not speak is a 415. */
export function bodyKind(contentType: string | undefined, verb: 'write' | 'patch'): BodyKind {
  const mime = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  if (verb === 'patch') {
    switch (mime) {
      case 'application/json-patch+json':
        return 'json';
      case 'application/merge-patch+json':
        return 'merge';
      case 'application/strategic-merge-patch+json':
        return 'strategic';
      case 'application/apply-patch+yaml':
      case 'application/apply-patch+json':
        return 'apply';
      default:
        break;
    }
  } else if (mime === 'application/json' || mime === '') {
    return 'json';
  } else if (mime === 'application/yaml' || mime === 'application/x-yaml') {
    return 'yaml';
  }
  throw new ApiError({
    reason: 'UnsupportedMediaType',
    code: 415,
    message: `the body of the request was in an unknown format - accepted media types include: ${
      verb === 'patch'
        ? 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json'
        : 'application/json, application/yaml'
    }`,
  });
}

/** Parses a JSON or YAML document; duplicate keys and syntax errors are 400s. */
export function parseDocument(body: Buffer, yaml: boolean): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw new BadRequestError('the request body is empty');
  if (!yaml) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new BadRequestError(
        `the object provided is unrecognized: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  try {
    return parseYaml(text, { uniqueKeys: true, version: '1.1' }) as unknown;
  } catch (err) {
    throw new BadRequestError(
      `error converting YAML to JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export interface QueryOptions {
  /** The raw query. */
  readonly params: URLSearchParams;
  readonly get: (name: string) => string | undefined;
  readonly bool: (name: string) => boolean;
  readonly int: (name: string) => number | undefined;
}

export function queryOptions(params: URLSearchParams): QueryOptions {
  return {
    params,
    get: (name) => params.get(name) ?? undefined,
    bool: (name) => {
      const v = params.get(name);
      return v === 'true' || v === '1';
    },
    int: (name) => {
      const v = params.get(name);
      if (v === null || v === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n))
        throw new BadRequestError(`invalid ${name} ${JSON.stringify(v)}: must be an integer`);
      return n;
    },
  };
}
