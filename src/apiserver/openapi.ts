/**
 * OpenAPI as kubectl needs it.
 *
 * - `GET /openapi/v3`: the index, one entry per group/version with a content hash.
 * - `GET /openapi/v3/<api/v1 | apis/g/v>`: that group/version's document. Its PATCH operations
 *   carry `x-kubernetes-group-version-kind` and declare the `fieldValidation` parameter, so kubectl
 *   1.29+ leaves validation to the server (`fieldValidation=Strict`); its `components.schemas` are
 *   the real schemas of the kinds served there and everything they reference, so `kubectl explain`
 *   can walk them. PATCH operations declare no request body on purpose: kubectl then keeps
 *   computing client-side apply patches from its compiled-in types instead of from these schemas,
 *   which lack the `x-kubernetes-patch-*` extensions.
 * - `GET /openapi/v2`: an empty protobuf document (kubectl 1.27/1.28 fetch it before every apply and
 *   accept an empty `openapi_v2.Document`; a JSON v2 body would not decode).
 *
 * Documents are built once per process and served from a cache: they depend only on the served
 * kinds and the generated schemas.
 */
import { createHash } from 'node:crypto';
import { allResources } from '../api/resources.js';
import type { ResourceType } from '../api/resources.js';
import { SERVER_VERSION } from './discovery.js';
import { schemas } from './schemas/index.js';
import type { OpenApiSchema } from './schemas/index.js';

export const OPENAPI_V2_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

const SCHEMA_REF_PREFIX = '#/components/schemas/';

/** `api/v1` or `apis/apps/v1`: the key of a group/version in the v3 index. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** The name of the schema tagged with a type's group/version/kind, if one was generated. */
export function schemaNameFor(type: Pick<ResourceType, 'group' | 'version' | 'kind'>): string | undefined {
  for (const [name, schema] of Object.entries(schemas)) {
    const gvks = schema['x-kubernetes-group-version-kind'] ?? [];
    if (gvks.some((g) => g.group === type.group && g.version === type.version && g.kind === type.kind))
      return name;
  }
  return undefined;
}

/** The names of `roots` and of every schema they reference, transitively. */
function schemaClosure(roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (s: OpenApiSchema | undefined): void => {
    if (!s) return;
    if (s.$ref?.startsWith(SCHEMA_REF_PREFIX)) add(s.$ref.slice(SCHEMA_REF_PREFIX.length));
    for (const p of Object.values(s.properties ?? {})) visit(p);
    visit(s.items);
    visit(s.additionalProperties);
    for (const a of s.allOf ?? []) visit(a);
    for (const o of s.oneOf ?? []) visit(o);
  };
  const add = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    visit(schemas[name]);
  };
  for (const r of roots) add(r);
  return [...seen].sort();
}

function operation(gvk: object, action: 'patch' | 'put'): object {
  const query = (name: string): object => ({
    name,
    in: 'query',
    schema: { type: 'string', uniqueItems: true },
  });
  return {
    'x-kubernetes-group-version-kind': gvk,
    'x-kubernetes-action': action,
    parameters: [query('dryRun'), query('fieldManager'), query('fieldValidation')],
    responses: { '200': { description: 'OK' } },
  };
}

function buildDocument(group: string, version: string): object | undefined {
  const types = allResources.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const paths: Record<string, object> = {};
  const roots: string[] = [];
  for (const t of types) {
    const scope = t.namespaced ? '/namespaces/{namespace}' : '';
    const path = `/${groupVersionPath(group, version)}${scope}/${t.resource}/{name}`;
    const gvk = { group, version, kind: t.kind };
    paths[path] = { patch: operation(gvk, 'patch'), put: operation(gvk, 'put') };
    const root = schemaNameFor(t);
    if (root) roots.push(root);
  }
  const components: Record<string, OpenApiSchema> = {};
  for (const name of schemaClosure(roots)) {
    const s = schemas[name];
    if (s) components[name] = s;
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
    paths,
    components: { schemas: components },
  };
}

interface CachedDocument {
  readonly body: string;
  readonly hash: string;
}

const documents = new Map<string, CachedDocument | null>();

function cachedDocument(group: string, version: string): CachedDocument | undefined {
  const key = groupVersionPath(group, version);
  let doc = documents.get(key);
  if (doc === undefined) {
    const built = buildDocument(group, version);
    const body = built === undefined ? undefined : JSON.stringify(built);
    doc =
      body === undefined
        ? null
        : { body, hash: createHash('sha512').update(body).digest('hex').slice(0, 32).toUpperCase() };
    documents.set(key, doc);
  }
  return doc ?? undefined;
}

/** One group/version document, as a JSON text (undefined when nothing is served there). */
export function openApiV3DocumentText(group: string, version: string): string | undefined {
  return cachedDocument(group, version)?.body;
}

/** One group/version document. */
export function openApiV3Document(group: string, version: string): object | undefined {
  const text = openApiV3DocumentText(group, version);
  return text === undefined ? undefined : (JSON.parse(text) as object);
}

/** `GET /openapi/v3`: the index, with the content hashes kubectl uses to cache documents. */
export function openApiV3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const t of allResources) {
    const key = groupVersionPath(t.group, t.version);
    if (key in paths) continue;
    const doc = cachedDocument(t.group, t.version);
    if (doc) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
  }
  return { paths };
}

/** Resolves `/openapi/v3/api/v1` and `/openapi/v3/apis/apps/v1` to a document's JSON text. */
export function openApiV3DocumentForPath(pathname: string): string | undefined {
  const rest = pathname.replace(/^\/openapi\/v3\//, '').split('/');
  if (rest[0] === 'api' && rest.length === 2) return openApiV3DocumentText('', rest[1] ?? '');
  if (rest[0] === 'apis' && rest.length === 3) return openApiV3DocumentText(rest[1] ?? '', rest[2] ?? '');
  return undefined;
}
