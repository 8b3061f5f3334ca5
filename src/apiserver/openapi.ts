/**
 * OpenAPI as kubectl needs it: a `/openapi/v3` index and one document per group/version whose
 * PATCH operations declare the `fieldValidation` parameter (kubectl 1.29+ then trusts the server
 * to validate), and an empty protobuf `/openapi/v2` that kubectl 1.27/1.28 accept.
 */
import { createHash } from 'node:crypto';
import { allResources } from '../api/resources.js';

export const OPENAPI_V2_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** One group/version document. */
export function openApiV3Document(group: string, version: string): object | undefined {
  const types = allResources.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const paths: Record<string, object> = {};
  for (const t of types) {
    const prefix = `/${gvPath(group, version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.resource}/{name}`;
    const gvk = { group, version, kind: t.kind };
    const op = (action: string): object => ({
      'x-kubernetes-group-version-kind': gvk,
      'x-kubernetes-action': action,
      parameters: [
        { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
        { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
        { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
      ],
      responses: { '200': { description: 'OK' } },
    });
    paths[prefix] = { patch: op('patch'), put: op('put') };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'everynode', version: 'v1.30.0-everynode' },
    paths,
    components: { schemas: {} },
  };
}

/** `GET /openapi/v3`: the index, with content hashes kubectl uses for caching. */
export function openApiV3Index(): object {
  const seen = new Set<string>();
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const t of allResources) {
    const key = gvPath(t.group, t.version);
    if (seen.has(key)) continue;
    seen.add(key);
    const doc = JSON.stringify(openApiV3Document(t.group, t.version));
    const hash = createHash('sha512').update(doc).digest('hex').slice(0, 32).toUpperCase();
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { paths };
}
