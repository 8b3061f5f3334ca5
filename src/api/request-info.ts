/**
 * What a request asks to do, in the terms authorization and metrics use: upstream's
 * RequestInfoFactory (k8s.io/apiserver/pkg/endpoints/request). A path under `/api/v1/…` or
 * `/apis/<group>/<version>/…` with at least a resource is a resource request (verb, group,
 * version, resource, subresource, namespace, name); everything else — discovery documents,
 * `/version`, `/openapi/…`, `/metrics` — is a non-resource request with the lower-cased HTTP
 * method as its verb. Pure: no lookup of served resources (an unknown resource is authorized
 * first and answered 404 afterwards, as upstream does).
 */

export interface ResourceRequestInfo {
  readonly isResourceRequest: true;
  /** get, list, watch, create, update, patch, delete, deletecollection (or proxy). */
  readonly verb: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly resource: string;
  readonly subresource: string;
  /** `''` for cluster-scoped requests; for `/api/v1/namespaces/<ns>` the namespace itself. */
  readonly namespace: string;
  /** `''` for collection requests and creates (a list or watch selecting `metadata.name=x` has `x`). */
  readonly name: string;
}

export interface NonResourceRequestInfo {
  readonly isResourceRequest: false;
  /** The lower-cased HTTP method: get, post, put… */
  readonly verb: string;
  readonly path: string;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

/** Namespace subresources that keep `namespaces` as the resource (`/api/v1/namespaces/x/status`). */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** `?watch=` as apimachinery converts it to a bool: absent is false, `0`/`false` false, anything else true. */
export function isWatchParam(params: URLSearchParams): boolean {
  const v = params.get('watch');
  if (v === null) return false;
  return v !== '0' && v.toLowerCase() !== 'false';
}

/** `x` when the field selector requires `metadata.name` to equal `x` (`metadata.name=x`, `==`). */
function nameFromFieldSelector(selector: string | null): string | undefined {
  if (!selector) return undefined;
  for (const term of selector.split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (m && !term.includes('!=')) {
      const name = m[1] ?? '';
      // Only a valid path segment name counts (path.IsValidPathSegmentName).
      if (name !== '' && name !== '.' && name !== '..' && !/[/%]/.test(name)) return name;
    }
  }
  return undefined;
}

/**
 * The request info of `method pathname?params`. Path segments are split before they are
 * decoded, as the API server's router does, so both always agree on the resource and name.
 */
export function requestInfo(method: string, pathname: string, params: URLSearchParams): RequestInfo {
  const nonResource: NonResourceRequestInfo = {
    isResourceRequest: false,
    verb: method.toLowerCase(),
    path: pathname,
  };
  let parts: string[];
  try {
    parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return nonResource;
  }
  if (parts.length < 3) return nonResource;
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return nonResource;
  let rest = parts.slice(1);
  let apiGroup = '';
  if (prefix === 'apis') {
    if (rest.length < 3) return nonResource;
    apiGroup = rest[0] ?? '';
    rest = rest.slice(1);
  }
  const apiVersion = rest[0] ?? '';
  rest = rest.slice(1);

  let verb: string;
  if (rest[0] === 'watch' || rest[0] === 'proxy') {
    if (rest.length < 2) return nonResource;
    verb = rest[0];
    rest = rest.slice(1);
  } else {
    switch (method.toUpperCase()) {
      case 'POST':
        verb = 'create';
        break;
      case 'GET':
      case 'HEAD':
        verb = 'get';
        break;
      case 'PUT':
        verb = 'update';
        break;
      case 'PATCH':
        verb = 'patch';
        break;
      case 'DELETE':
        verb = 'delete';
        break;
      default:
        verb = '';
    }
  }

  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1] ?? '';
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) rest = rest.slice(2);
  }
  const resource = rest[0] ?? '';
  let name = rest[1] ?? '';
  const subresource = rest.length >= 3 && verb !== 'proxy' ? (rest[2] ?? '') : '';

  if (name === '' && verb === 'get') {
    verb = isWatchParam(params) ? 'watch' : 'list';
    name = nameFromFieldSelector(params.get('fieldSelector')) ?? '';
  }
  if (name === '' && verb === 'delete') verb = 'deletecollection';
  return {
    isResourceRequest: true,
    verb,
    apiGroup,
    apiVersion,
    resource,
    subresource,
    namespace,
    name,
  };
}
