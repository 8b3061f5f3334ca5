/**
 * Server-side field validation through the API server's HTTP interface: create, update and the
 * four patch types under `fieldValidation=Strict|Warn|Ignore` (and without it), with upstream's
 * messages, `Warning` headers, and unknown fields never stored.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ObjectStore } from '../store/object-store.js';
import { defaultStrategies } from '../store/strategies.js';
import { resources } from '../api/resources.js';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/log.js';
import { ApiServer } from './server.js';
import { goFormat, parseJsonWithDuplicates, pruneUnknownFields, warningHeaders } from './field-validation.js';

interface Reply {
  readonly code: number;
  readonly body: Record<string, unknown>;
  readonly warnings: readonly string[];
}

const DS_PATH = '/apis/apps/v1/namespaces/default/daemonsets';

function daemonSet(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
      ...extra,
    },
  };
}

describe('field validation over HTTP', () => {
  let store: ObjectStore;
  let server: ApiServer;
  let url: string;

  before(async () => {
    store = new ObjectStore({
      clock: new FakeClock(Date.parse('2026-01-01T00:00:00Z')),
      strategies: defaultStrategies,
    });
    store.create(resources.namespaces, { metadata: { name: 'default' } });
    server = new ApiServer({ store, clock: new FakeClock(0), logger: silentLogger() });
    url = await server.start();
  });
  after(async () => {
    await server.stop();
    store.close();
  });
  beforeEach(() => {
    for (const ds of store.list(resources.daemonsets).items)
      store.delete(resources.daemonsets, 'default', ds.metadata?.name ?? '', { gracePeriodSeconds: 0 });
  });

  async function send(
    method: string,
    path: string,
    body: string | object,
    contentType = 'application/json',
  ): Promise<Reply> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'Content-Type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const warnings = res.headers.get('warning');
    return {
      code: res.status,
      body: JSON.parse(text) as Record<string, unknown>,
      // fetch joins repeated headers with ", "; the values themselves contain no ", " here.
      warnings: warnings === null ? [] : warnings.split(/, (?=299 )/),
    };
  }

  function stored(name: string): Record<string, unknown> {
    const ds = store.get(resources.daemonsets, 'default', name);
    assert.ok(ds, `${name} is stored`);
    return ds as unknown as Record<string, unknown>;
  }

  function specOf(obj: Record<string, unknown>): Record<string, unknown> {
    return obj['spec'] as Record<string, unknown>;
  }

  test('Strict create: 400 BadRequest listing unknown and duplicate fields in document order', async () => {
    const text =
      '{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"a","name":"a"},"spec":{"foo":1,' +
      '"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},' +
      '"spec":{"containers":[{"name":"c","image":"nginx","bar":true}]}}}}';
    const before = store.revision();
    const r = await send('POST', `${DS_PATH}?fieldValidation=Strict`, text);
    assert.equal(r.code, 400);
    assert.deepEqual(r.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'DaemonSet in version "v1" cannot be handled as a DaemonSet: strict decoding error: ' +
        'duplicate field "metadata.name", unknown field "spec.foo", ' +
        'unknown field "spec.template.spec.containers[0].bar"',
      reason: 'BadRequest',
      code: 400,
    });
    assert.equal(store.revision(), before, 'nothing was written');
  });

  test('map keys are free, raw extensions are not checked, duplicate map keys are reported', async () => {
    const ok = await send(
      'POST',
      '/apis/apps/v1/namespaces/default/controllerrevisions?fieldValidation=Strict',
      '{"metadata":{"name":"r1","labels":{"any.key/at-all":"x"}},"revision":1,' +
        '"data":{"spec":{"whatever":1,"whatever":2}}}',
    );
    assert.equal(ok.code, 201, JSON.stringify(ok.body));
    assert.deepEqual(ok.body['data'], { spec: { whatever: 2 } });
    const dup = await send(
      'POST',
      `${DS_PATH}?fieldValidation=Strict`,
      JSON.stringify(daemonSet('b')).replace('"metadata":{', '"metadata":{"labels":{"x":"1","x":"2"},'),
    );
    assert.equal(dup.code, 400);
    assert.match(
      String(dup.body['message']),
      /strict decoding error: duplicate field "metadata\.labels\.x"$/,
    );
  });

  test('indented bodies with escaped quotes and trailing backslashes: stored exactly, and a repeated key is still found', async () => {
    const annotations = { quoted: 'say "hi"', slash: 'ends with \\', both: '\\"\\' };
    const clean = { ...daemonSet('esc'), metadata: { name: 'esc', annotations } };
    const ok = await send('POST', `${DS_PATH}?fieldValidation=Strict`, JSON.stringify(clean, null, 2));
    assert.equal(ok.code, 201, JSON.stringify(ok.body));
    assert.deepEqual(ok.warnings, []);
    assert.deepEqual((stored('esc')['metadata'] as Record<string, unknown>)['annotations'], {
      ...annotations,
      'deprecated.daemonset.template.generation': '1',
    });
    // A repeated key whose value is a number, beside strings ending in backslashes.
    const text = JSON.stringify({ ...clean, metadata: { name: 'esc2', annotations } }, null, 2).replace(
      '"spec": {',
      '"spec": {\n    "minReadySeconds": 1,\n    "minReadySeconds": 2,',
    );
    const dup = await send('POST', `${DS_PATH}?fieldValidation=Strict`, text);
    assert.equal(dup.code, 400, JSON.stringify(dup.body));
    assert.match(String(dup.body['message']), /duplicate field "spec\.minReadySeconds"$/);
    const warned = await send('POST', `${DS_PATH}?fieldValidation=Warn`, text);
    assert.equal(warned.code, 201);
    assert.deepEqual(warned.warnings, ['299 - "duplicate field \\"spec.minReadySeconds\\""']);
    assert.equal(specOf(stored('esc2'))['minReadySeconds'], 2, 'the last value wins, as upstream');
  });

  test('Warn create: 201 with one Warning header per problem; unknown fields are not stored', async () => {
    const text = JSON.stringify(daemonSet('w', { foo: 1 })).replace(
      '"metadata":{"name":"w"}',
      '"metadata":{"name":"x","name":"w"}',
    );
    const r = await send('POST', `${DS_PATH}?fieldValidation=Warn`, text);
    assert.equal(r.code, 201);
    assert.deepEqual(r.warnings, [
      '299 - "duplicate field \\"metadata.name\\""',
      '299 - "unknown field \\"spec.foo\\""',
    ]);
    assert.equal(specOf(stored('w'))['foo'], undefined);
    assert.equal(specOf(r.body)['foo'], undefined);
  });

  test('no fieldValidation parameter means Warn, as upstream', async () => {
    const r = await send('POST', DS_PATH, daemonSet('d', { foo: 1 }));
    assert.equal(r.code, 201);
    assert.deepEqual(r.warnings, ['299 - "unknown field \\"spec.foo\\""']);
  });

  test('Ignore create: 201, no warnings, unknown fields dropped silently', async () => {
    const r = await send('POST', `${DS_PATH}?fieldValidation=Ignore`, daemonSet('i', { foo: 1 }));
    assert.equal(r.code, 201);
    assert.deepEqual(r.warnings, []);
    assert.equal(specOf(stored('i'))['foo'], undefined);
  });

  test('YAML bodies: unknown fields are checked the same way', async () => {
    const yaml = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: y\nspec:\n  foo: 1\n';
    const r = await send('POST', `${DS_PATH}?fieldValidation=Strict`, yaml, 'application/yaml');
    assert.equal(r.code, 400);
    assert.equal(
      r.body['message'],
      'DaemonSet in version "v1" cannot be handled as a DaemonSet: strict decoding error: unknown field "spec.foo"',
    );
  });

  test('very deep documents fall back to the plain parser and are still checked and pruned', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const text = JSON.stringify(daemonSet('deep')).replace('"spec":{', `"spec":{"foo":${deep},`);
    const r = await send('POST', `${DS_PATH}?fieldValidation=Warn`, text);
    assert.equal(r.code, 201);
    assert.deepEqual(r.warnings, ['299 - "unknown field \\"spec.foo\\""']);
    assert.equal(specOf(stored('deep'))['foo'], undefined);
  });

  test('an unsupported directive is a 422 on the options object, as upstream', async () => {
    const r = await send('POST', `${DS_PATH}?fieldValidation=strict`, daemonSet('o'));
    assert.equal(r.code, 422);
    assert.equal(
      r.body['message'],
      'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
    );
  });

  test('update (PUT): Strict rejects, Warn warns and prunes', async () => {
    assert.equal((await send('POST', DS_PATH, daemonSet('u'))).code, 201);
    const strict = await send('PUT', `${DS_PATH}/u?fieldValidation=Strict`, daemonSet('u', { foo: 1 }));
    assert.equal(strict.code, 400);
    assert.equal(
      strict.body['message'],
      'DaemonSet in version "v1" cannot be handled as a DaemonSet: strict decoding error: unknown field "spec.foo"',
    );
    const warn = await send('PUT', `${DS_PATH}/u?fieldValidation=Warn`, daemonSet('u', { foo: 1 }));
    assert.equal(warn.code, 200);
    assert.deepEqual(warn.warnings, ['299 - "unknown field \\"spec.foo\\""']);
    assert.equal(specOf(stored('u'))['foo'], undefined);
    const bad = await send('PUT', `${DS_PATH}/u?fieldValidation=nope`, daemonSet('u'));
    assert.match(String(bad.body['message']), /^UpdateOptions\.meta\.k8s\.io "" is invalid/);
  });

  test('strategic merge patch, Strict: upstream 422 naming the patch map', async () => {
    assert.equal((await send('POST', DS_PATH, daemonSet('s'))).code, 201);
    const r = await send(
      'PATCH',
      `${DS_PATH}/s?fieldValidation=Strict`,
      { spec: { foo: 1, minReadySeconds: 5 } },
      'application/strategic-merge-patch+json',
    );
    assert.equal(r.code, 422);
    const message =
      'Invalid value: "map[spec:map[foo:1 minReadySeconds:5]]": strict decoding error: unknown field "spec.foo"';
    assert.equal(r.body['reason'], 'Invalid');
    assert.equal(r.body['message'], ` "" is invalid: patch: ${message}`);
    assert.deepEqual(r.body['details'], {
      causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }],
    });
    assert.equal(specOf(stored('s'))['minReadySeconds'], undefined, 'nothing was written');
  });

  test('merge patch: Warn applies the known part, warns about the rest, stores no unknown field', async () => {
    assert.equal((await send('POST', DS_PATH, daemonSet('m'))).code, 201);
    const r = await send(
      'PATCH',
      `${DS_PATH}/m?fieldValidation=Warn`,
      '{"spec":{"foo":1,"minReadySeconds":5,"minReadySeconds":6}}',
      'application/merge-patch+json',
    );
    assert.equal(r.code, 200);
    assert.deepEqual(r.warnings, [
      '299 - "duplicate field \\"spec.minReadySeconds\\""',
      '299 - "unknown field \\"spec.foo\\""',
    ]);
    assert.equal(specOf(stored('m'))['minReadySeconds'], 6);
    assert.equal(specOf(stored('m'))['foo'], undefined);
    const ignore = await send(
      'PATCH',
      `${DS_PATH}/m?fieldValidation=Ignore`,
      { spec: { bar: 1 } },
      'application/merge-patch+json',
    );
    assert.equal(ignore.code, 200);
    assert.deepEqual(ignore.warnings, []);
    assert.equal(specOf(stored('m'))['bar'], undefined);
  });

  test('merge patch, Strict: a duplicate key alone fails, showing the patched object', async () => {
    assert.equal((await send('POST', DS_PATH, daemonSet('k'))).code, 201);
    const r = await send(
      'PATCH',
      `${DS_PATH}/k?fieldValidation=Strict`,
      '{"spec":{"minReadySeconds":5,"minReadySeconds":6}}',
      'application/merge-patch+json',
    );
    assert.equal(r.code, 422);
    assert.match(
      String(r.body['message']),
      /^ "" is invalid: patch: Invalid value: "\{.*\\"minReadySeconds\\":6.*\}": strict decoding error: duplicate field "spec\.minReadySeconds"$/,
    );
  });

  test('JSON patch: unknown paths and unknown operation fields, prefixed "json patch"', async () => {
    assert.equal((await send('POST', DS_PATH, daemonSet('j'))).code, 201);
    const r = await send(
      'PATCH',
      `${DS_PATH}/j?fieldValidation=Strict`,
      [{ op: 'add', path: '/spec/foo', value: 1, extra: true }],
      'application/json-patch+json',
    );
    assert.equal(r.code, 422);
    assert.match(
      String(r.body['message']),
      /strict decoding error: json patch unknown field "\[0\]\.extra", unknown field "spec\.foo"$/,
    );
  });

  test('server-side apply: unknown fields fail whatever the directive, with structured-merge-diff paths', async () => {
    const body = daemonSet('a');
    const spec = specOf(body);
    ((spec['template'] as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0] ?? {})[
      'foo'
    ] = 1;
    const r = await send(
      'PATCH',
      `${DS_PATH}/a?fieldManager=test&fieldValidation=Ignore`,
      body,
      'application/apply-patch+yaml',
    );
    assert.equal(r.code, 500);
    assert.equal(
      r.body['message'],
      'failed to create typed patch object (default/a; apps/v1, Kind=DaemonSet): ' +
        '.spec.template.spec.containers[name="c"].foo: field not declared in schema',
    );
    const dup = await send(
      'PATCH',
      `${DS_PATH}/a?fieldManager=test&fieldValidation=Strict`,
      JSON.stringify(daemonSet('a')).replace('"metadata":{', '\n"metadata":{"name":"a",'),
      'application/apply-patch+yaml',
    );
    assert.equal(dup.code, 400);
    assert.equal(
      dup.body['message'],
      'error strict decoding YAML: yaml: unmarshal errors:\n  line 2: key "name" already set in map',
    );
    const created = await send(
      'PATCH',
      `${DS_PATH}/a?fieldManager=test&fieldValidation=Strict`,
      daemonSet('a'),
      'application/apply-patch+yaml',
    );
    assert.equal(created.code, 201, JSON.stringify(created.body));
  });
});

describe('field validation helpers', () => {
  test('goFormat renders decoded JSON as Go prints map[string]interface{}', () => {
    assert.equal(goFormat({ b: [1, 'x', null], a: { c: true } }), 'map[a:map[c:true] b:[1 x <nil>]]');
    assert.equal(goFormat(1.5), '1.5');
    assert.equal(goFormat(0.000001), '1e-06');
    assert.equal(goFormat(1e21), '1e+21');
  });

  test('warning headers escape quotes and backslashes and carry UTF-8', () => {
    assert.deepEqual(warningHeaders(['unknown field "a\\b"', 'é']), [
      '299 - "unknown field \\"a\\\\b\\""',
      `299 - "${Buffer.from('é').toString('latin1')}"`,
    ]);
  });

  test('any JSON document parses as JSON.parse does, with no duplicates unless a key repeats', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        assert.deepEqual(parseJsonWithDuplicates(text), {
          value: JSON.parse(text) as unknown,
          duplicates: [],
        });
      }),
    );
    assert.deepEqual(parseJsonWithDuplicates('{"a":[{"b":1,"b":2}],\n"a":3}'), {
      value: { a: 3 },
      duplicates: [
        { type: 'duplicate', path: 'a[0].b', line: 1 },
        { type: 'duplicate', path: 'a', line: 2 },
      ],
    });
    assert.equal(parseJsonWithDuplicates('{"a":1,}'), undefined);
  });

  test('pruning keeps every field of well-formed objects and never mutates its input', () => {
    const ds = daemonSet('p', {
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '10%' } },
    });
    const frozen = JSON.parse(JSON.stringify(ds)) as Record<string, unknown>;
    const { object, unknown } = pruneUnknownFields(resources.daemonsets, ds);
    assert.deepEqual(unknown, []);
    assert.equal(object, ds);
    const withUnknown = { ...ds, status: { bogus: 1, numberReady: 1 } };
    const pruned = pruneUnknownFields(resources.daemonsets, withUnknown);
    assert.deepEqual(pruned.unknown, ['status.bogus']);
    assert.deepEqual(pruned.object.status, { numberReady: 1 });
    assert.deepEqual(withUnknown.status, { bogus: 1, numberReady: 1 });
    assert.deepEqual(ds, frozen);
  });
});
