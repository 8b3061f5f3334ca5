/**
 * Bad input through the client: every rejection is a Kubernetes error with a reason, a code, a
 * message worded as the apiserver words it, and causes carrying field paths. Nothing is stored.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { EmbeddedCluster } from '../src/cluster/embedded-cluster.js';
import { resources } from '../src/api/resources.js';
import type { KubeObject, ResourceType } from '../src/api/resources.js';
import { ApiError } from '../src/api/errors.js';

function ds(
  mutate: (d: { spec: Record<string, unknown>; metadata: Record<string, unknown> }) => void = () => {},
): DaemonSet {
  const d = {
    metadata: { name: 'agent', namespace: 'default' } as Record<string, unknown>,
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: { containers: [{ name: 'agent', image: 'agent:1' }] },
      },
    } as Record<string, unknown>,
  };
  mutate(d);
  return d as unknown as DaemonSet;
}

describe('invalid objects are rejected with Kubernetes-style errors', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await EmbeddedCluster.start({ controllers: ['garbagecollector'] });
  });
  after(async () => {
    await cluster.stop();
  });

  async function rejected<T extends KubeObject>(type: ResourceType<T>, obj: T): Promise<ApiError> {
    const before = cluster.store.revision();
    try {
      await cluster.client.create(type, obj);
    } catch (err) {
      assert.ok(err instanceof ApiError);
      assert.equal(cluster.store.revision(), before, 'nothing was written');
      return err;
    }
    assert.fail('expected a rejection');
  }

  const cases: Array<[string, () => DaemonSet, string, string]> = [
    [
      'selector that does not match the template labels',
      () => ds((d) => (d.spec['selector'] = { matchLabels: { app: 'other' } })),
      'spec.template.metadata.labels',
      '`selector` does not match template `labels`',
    ],
    [
      'empty selector',
      () => ds((d) => (d.spec['selector'] = {})),
      'spec.selector',
      'empty selector is invalid for daemonset',
    ],
    [
      'restartPolicy Never',
      () =>
        ds((d) => {
          const t = d.spec['template'] as { spec: Record<string, unknown> };
          t.spec['restartPolicy'] = 'Never';
        }),
      'spec.template.spec.restartPolicy',
      'Unsupported value: "Never": supported values: "Always"',
    ],
    [
      'maxSurge with the defaulted maxUnavailable',
      () => ds((d) => (d.spec['updateStrategy'] = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } })),
      'spec.updateStrategy.rollingUpdate.maxSurge',
      'may not be set when maxUnavailable is non-zero',
    ],
    [
      'both budgets zero',
      () =>
        ds(
          (d) =>
            (d.spec['updateStrategy'] = {
              type: 'RollingUpdate',
              rollingUpdate: { maxSurge: 0, maxUnavailable: 0 },
            }),
        ),
      'spec.updateStrategy.rollingUpdate.maxUnavailable',
      'cannot be 0 when maxSurge is 0',
    ],
    [
      'percentage over 100',
      () =>
        ds(
          (d) =>
            (d.spec['updateStrategy'] = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%' } }),
        ),
      'spec.updateStrategy.rollingUpdate.maxUnavailable',
      'must not be greater than 100%',
    ],
    [
      'unknown strategy type',
      () => ds((d) => (d.spec['updateStrategy'] = { type: 'Sometimes' })),
      'spec.updateStrategy',
      'Unsupported value: "Sometimes"',
    ],
    [
      'negative minReadySeconds',
      () => ds((d) => (d.spec['minReadySeconds'] = -1)),
      'spec.minReadySeconds',
      'must be greater than or equal to 0',
    ],
    [
      'container without an image',
      () =>
        ds((d) => {
          const t = d.spec['template'] as { spec: { containers: Array<Record<string, unknown>> } };
          delete t.spec.containers[0]!['image'];
        }),
      'spec.template.spec.containers[0].image',
      'Required value',
    ],
    [
      'name that is not a DNS subdomain',
      () => ds((d) => (d.metadata['name'] = 'Bad_Name')),
      'metadata.name',
      'Invalid value: "Bad_Name"',
    ],
  ];

  for (const [name, make, field, message] of cases) {
    test(`DaemonSet: ${name} → 422 Invalid at ${field}`, async () => {
      const err = await rejected(resources.daemonsets, make());
      assert.equal(err.reason, 'Invalid');
      assert.equal(err.code, 422);
      const cause = err.causes.find((c) => c.field === field);
      assert.ok(cause, `no cause at ${field}: ${JSON.stringify(err.causes)}`);
      assert.ok(cause.message?.includes(message), `${cause.message} should contain ${message}`);
      assert.match(err.message, /^DaemonSet\.apps "[^"]*" is invalid: /);
      assert.ok(err.message.includes(`${field}: `));
    });
  }

  test('a changed selector on update is refused as immutable', async () => {
    const created = await cluster.client.create(
      resources.daemonsets,
      ds((d) => (d.metadata['name'] = 'immutable')),
    );
    try {
      await cluster.client.update(resources.daemonsets, {
        ...created,
        spec: {
          ...created.spec!,
          selector: { matchLabels: { app: 'agent', tier: 'x' } },
          template: { ...created.spec!.template, metadata: { labels: { app: 'agent', tier: 'x' } } },
        },
      });
      assert.fail('expected a rejection');
    } catch (err) {
      assert.ok(err instanceof ApiError);
      assert.equal(err.reason, 'Invalid');
      assert.match(err.message, /spec\.selector: Invalid value: .*: field is immutable/);
    }
  });

  test('Node: a taint with an unknown effect', async () => {
    const err = await rejected(resources.nodes, {
      metadata: { name: 'n' },
      spec: { taints: [{ key: 'a', effect: 'Sometimes' }] },
    });
    assert.equal(err.reason, 'Invalid');
    assert.ok(
      err.causes.some(
        (c) => c.field?.endsWith('.effect') && c.message?.startsWith('Unsupported value: "Sometimes"'),
      ),
    );
  });

  test('Pod: no containers and a bad toleration', async () => {
    const err = await rejected(resources.pods, {
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [], tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] },
    });
    assert.deepEqual(err.causes.map((c) => c.field).sort(), [
      'spec.containers',
      'spec.tolerations[0].operator',
    ]);
  });

  test('Pod: unknown PriorityClass is Forbidden (403)', async () => {
    const err = await rejected(resources.pods, {
      metadata: { name: 'p', namespace: 'default' },
      spec: { priorityClassName: 'nope', containers: [{ name: 'c', image: 'i' }] },
    });
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.code, 403);
    assert.equal(err.message, 'pods "p" is forbidden: no PriorityClass with name nope was found');
  });

  test('missing namespace is NotFound; duplicates are AlreadyExists', async () => {
    const e1 = await rejected(resources.pods, {
      metadata: { name: 'p', namespace: 'ghost' },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
    assert.equal(e1.reason, 'NotFound');
    assert.equal(e1.message, 'namespaces "ghost" not found');
    await cluster.client.create(resources.pods, {
      metadata: { name: 'dup', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
    const e2 = await rejected(resources.pods, {
      metadata: { name: 'dup', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
    assert.equal(e2.reason, 'AlreadyExists');
    assert.equal(e2.code, 409);
  });
});
