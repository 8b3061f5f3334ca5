/**
 * The OpenAPI endpoints through the API server's HTTP interface: the v3 index and its documents
 * (PATCH operations declaring `fieldValidation`, complete `components.schemas` for every served
 * kind), the empty protobuf v2, and the checked-in schemas kept in step with their generator.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ObjectStore } from '../store/object-store.js';
import { allResources } from '../api/resources.js';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { ApiServer } from './server.js';
import { OPENAPI_V2_CONTENT_TYPE, groupVersionPath } from './openapi.js';
import type { OpenApiSchema } from './schemas/index.js';
import { SCHEMAS_FILE, renderSchemasFile } from '../../scripts/generate-openapi-schemas.js';

interface V3Operation {
  readonly 'x-kubernetes-group-version-kind'?: unknown;
  readonly parameters: readonly { readonly name: string }[];
  readonly requestBody?: unknown;
}

interface V3Document {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, V3Operation | undefined>>;
  readonly components: { readonly schemas: Record<string, OpenApiSchema> };
}

describe('OpenAPI over HTTP', () => {
  let store: ObjectStore;
  let server: ApiServer;
  let url: string;

  before(async () => {
    store = new ObjectStore();
    server = new ApiServer({ store, clock: new FakeClock(0), logger: silentLogger() });
    url = await server.start();
  });
  after(async () => {
    await server.stop();
    store.close();
  });

  async function getJson<T>(path: string): Promise<T> {
    const res = await fetch(`${url}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), 'application/json');
    return (await res.json()) as T;
  }

  async function index(): Promise<Record<string, { serverRelativeURL: string }>> {
    return (await getJson<{ paths: Record<string, { serverRelativeURL: string }> }>('/openapi/v3')).paths;
  }

  function resolve(doc: V3Document, schema: OpenApiSchema | undefined): OpenApiSchema {
    const ref = schema?.$ref ?? schema?.allOf?.[0]?.$ref;
    if (!ref) return schema ?? {};
    const target = doc.components.schemas[ref.replace('#/components/schemas/', '')];
    assert.ok(target, `${ref} resolves`);
    return target;
  }

  /** The schema at a dotted field path below a kind, stepping through arrays like kubectl explain. */
  function field(doc: V3Document, kind: string, path: string): OpenApiSchema {
    let s = Object.values(doc.components.schemas).find((x) =>
      x['x-kubernetes-group-version-kind']?.some((g) => g.kind === kind),
    );
    let last: OpenApiSchema | undefined;
    for (const name of path.split('.')) {
      s = resolve(doc, s);
      if (s.type === 'array') s = resolve(doc, s.items);
      last = s.properties?.[name];
      assert.ok(last, `${kind}.${path}: ${name} exists`);
      s = last;
    }
    assert.ok(last);
    return last;
  }

  test('the index lists one document per served group/version, addressed with a content hash', async () => {
    const paths = await index();
    assert.deepEqual(Object.keys(paths).sort(), [
      'api/v1',
      'apis/apps/v1',
      'apis/coordination.k8s.io/v1',
      'apis/events.k8s.io/v1',
      'apis/rbac.authorization.k8s.io/v1',
      'apis/scheduling.k8s.io/v1',
    ]);
    for (const [key, { serverRelativeURL }] of Object.entries(paths))
      assert.match(serverRelativeURL, new RegExp(`^/openapi/v3/${key}\\?hash=[0-9A-F]{32}$`));
    assert.deepEqual(await index(), paths, 'hashes are stable');
  });

  test('every served kind has PATCH and PUT operations tagged with its GVK that declare fieldValidation', async () => {
    const paths = await index();
    for (const t of allResources) {
      const doc = await getJson<V3Document>(
        paths[groupVersionPath(t.group, t.version)]?.serverRelativeURL ?? '',
      );
      assert.equal(doc.openapi, '3.0.0');
      const scope = t.namespaced ? '/namespaces/{namespace}' : '';
      const item = doc.paths[`/${groupVersionPath(t.group, t.version)}${scope}/${t.resource}/{name}`];
      assert.ok(item, `${t.kind} has a path`);
      for (const verb of ['patch', 'put']) {
        const op: V3Operation | undefined = item[verb];
        assert.ok(op, `${t.kind} ${verb}`);
        assert.deepEqual(op['x-kubernetes-group-version-kind'], {
          group: t.group,
          version: t.version,
          kind: t.kind,
        });
        assert.ok(op.parameters.some((p) => p.name === 'fieldValidation'));
        assert.equal(op.requestBody, undefined, 'kubectl keeps its compiled-in patch metadata');
      }
      const tagged = Object.values(doc.components.schemas).filter((s) =>
        s['x-kubernetes-group-version-kind']?.some(
          (g) => g.group === t.group && g.version === t.version && g.kind === t.kind,
        ),
      );
      assert.equal(tagged.length, 1, `${t.kind} has one schema tagged with its GVK`);
    }
  });

  test('each document is self-contained: every $ref resolves inside its components.schemas', async () => {
    for (const { serverRelativeURL } of Object.values(await index())) {
      const doc = await getJson<V3Document>(serverRelativeURL);
      const refs = JSON.stringify(doc.components.schemas).match(/"\$ref":"[^"]+"/g) ?? [];
      assert.ok(refs.length > 0 || serverRelativeURL.includes('scheduling'));
      for (const ref of refs) {
        const name = ref.slice('"$ref":"#/components/schemas/'.length, -1);
        assert.ok(doc.components.schemas[name], `${serverRelativeURL}: ${name} is defined`);
      }
    }
  });

  test('schemas carry upstream field descriptions and types', async () => {
    const paths = await index();
    const apps = await getJson<V3Document>(paths['apis/apps/v1']?.serverRelativeURL ?? '');
    assert.equal(
      field(apps, 'DaemonSet', 'spec.updateStrategy').description,
      'An update strategy to replace existing DaemonSet pods with new pods.',
    );
    assert.equal(field(apps, 'DaemonSet', 'spec.updateStrategy.type').type, 'string');
    assert.equal(
      resolve(apps, field(apps, 'DaemonSet', 'spec.updateStrategy.rollingUpdate.maxSurge')).format,
      'int-or-string',
    );
    const core = await getJson<V3Document>(paths['api/v1']?.serverRelativeURL ?? '');
    assert.match(field(core, 'Pod', 'spec.containers.image').description ?? '', /^Container image name\./);
    assert.equal(field(core, 'Pod', 'spec.containers').type, 'array');
    assert.equal(field(core, 'Pod', 'metadata.labels').additionalProperties?.type, 'string');
    assert.equal(resolve(core, field(core, 'Pod', 'metadata.creationTimestamp')).format, 'date-time');
  });

  test('unknown group/versions are 404s; /openapi/v2 is an empty protobuf document', async () => {
    assert.equal((await fetch(`${url}/openapi/v3/apis/batch/v1`)).status, 404);
    assert.equal((await fetch(`${url}/openapi/v3/api`)).status, 404);
    const v2 = await fetch(`${url}/openapi/v2`);
    assert.equal(v2.status, 200);
    assert.equal(v2.headers.get('content-type'), OPENAPI_V2_CONTENT_TYPE);
    assert.equal((await v2.arrayBuffer()).byteLength, 0);
  });
});

describe('generated schemas', () => {
  test('the checked-in schemas are what scripts/generate-openapi-schemas.ts generates', async () => {
    assert.equal(
      readFileSync(SCHEMAS_FILE, 'utf8'),
      await renderSchemasFile(),
      'run: npx tsx scripts/generate-openapi-schemas.ts',
    );
  });
});
