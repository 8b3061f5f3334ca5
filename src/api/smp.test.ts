import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from './errors.js';
import { applyStrategicMergePatch } from './smp.js';
import { lookupPatchMeta, strategicMergePatchKinds } from './smp-schema.js';
import { deepFreeze } from '../util/objects.js';

type Json = Record<string, unknown>;

interface Case {
  readonly name: string;
  readonly kind?: string;
  readonly original: Json;
  readonly patch: unknown;
  readonly want: Json;
  /** The result legitimately holds `$` keys (opaque RawExtension data). */
  readonly opaqueDollars?: boolean;
}

/** Every `$`-prefixed key in a value, as paths. */
function dollarKeys(v: unknown, path = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => dollarKeys(x, `${path}[${i}]`));
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => [
    ...(k.startsWith('$') ? [`${path}.${k}`] : []),
    ...dollarKeys(x, `${path}.${k}`),
  ]);
}

/** Applies a patch to frozen copies of its inputs and checks they are untouched. */
function apply(kind: string, original: unknown, patch: unknown): unknown {
  const o = deepFreeze(structuredClone(original));
  const p = deepFreeze(structuredClone(patch));
  const result = applyStrategicMergePatch(kind, o, p);
  assert.deepEqual(o, original, 'original must not change');
  assert.deepEqual(p, patch, 'patch must not change');
  return result;
}

function runCases(cases: readonly Case[]): void {
  for (const c of cases)
    void it(c.name, () => {
      const got = apply(c.kind ?? 'Pod', c.original, c.patch);
      assert.deepEqual(got, c.want);
      if (c.opaqueDollars !== true) assert.deepEqual(dollarKeys(got), [], 'no directive may leak');
    });
}

const names = (...ns: string[]) => ns.map((name) => ({ name }));

void describe('applyStrategicMergePatch: objects', () => {
  runCases([
    {
      name: 'merges objects recursively; null deletes a key',
      original: { metadata: { name: 'p', labels: { a: '1', b: '2' } }, spec: { nodeName: 'n1' } },
      patch: { metadata: { labels: { b: null, c: '3' } } },
      want: { metadata: { name: 'p', labels: { a: '1', c: '3' } }, spec: { nodeName: 'n1' } },
    },
    {
      name: 'drops nulls aimed at absent keys, also inside new subtrees',
      original: { metadata: { name: 'p' } },
      patch: { metadata: { annotations: { x: null, y: 'v' }, generateName: null }, status: null },
      want: { metadata: { name: 'p', annotations: { y: 'v' } } },
    },
    {
      name: 'replaces scalars, and values of another type',
      original: { spec: { nodeName: 'a', priority: 1, affinity: { nodeAffinity: {} } } },
      patch: { spec: { nodeName: 'b', priority: 'high', affinity: 'none' } },
      want: { spec: { nodeName: 'b', priority: 'high', affinity: 'none' } },
    },
    {
      name: 'empty patch changes nothing',
      original: { metadata: { name: 'p' } },
      patch: {},
      want: { metadata: { name: 'p' } },
    },
    {
      name: '$patch: replace replaces a map with the rest of the patch map',
      original: { metadata: { name: 'p', labels: { a: '1', b: '2' } } },
      patch: { metadata: { labels: { $patch: 'replace', c: '3', d: null } } },
      want: { metadata: { name: 'p', labels: { c: '3' } } },
    },
    {
      name: '$patch: delete empties a map',
      original: { metadata: { name: 'p', labels: { a: '1' } } },
      patch: { metadata: { labels: { $patch: 'delete' } } },
      want: { metadata: { name: 'p', labels: {} } },
    },
    {
      name: '$patch: merge is the default merge',
      original: { metadata: { labels: { a: '1' } } },
      patch: { metadata: { labels: { $patch: 'merge', b: '2' } } },
      want: { metadata: { labels: { a: '1', b: '2' } } },
    },
    {
      name: '$patch: replace at the root replaces the whole object',
      original: { metadata: { name: 'p' }, spec: { nodeName: 'n' } },
      patch: { $patch: 'replace', metadata: { name: 'q' } },
      want: { metadata: { name: 'q' } },
    },
    {
      name: 'a new key whose value is {$patch: delete} is dropped',
      original: { spec: {} },
      patch: { spec: { nodeSelector: { $patch: 'delete' } } },
      want: { spec: {} },
    },
    {
      name: 'a new key whose value carries $patch: replace keeps its contents',
      original: { spec: {} },
      patch: { spec: { nodeSelector: { $patch: 'replace', disk: 'ssd' } } },
      want: { spec: { nodeSelector: { disk: 'ssd' } } },
    },
    {
      name: 'a new subtree is patched onto nothing (upstream "nested patch merge with empty list")',
      original: { spec: { nodeName: 'hi' } },
      patch: {
        spec: {
          containers: [
            { name: 'hello', env: [{ name: 'A', value: null }] },
            { $patch: 'delete', name: 'gone' },
          ],
        },
      },
      want: { spec: { nodeName: 'hi', containers: [{ name: 'hello', env: [{ name: 'A' }] }] } },
    },
    {
      name: 'a __proto__ key is stored as an own property',
      original: { metadata: { labels: {} } },
      patch: JSON.parse('{"metadata":{"labels":{"__proto__":"x"}}}') as unknown,
      want: JSON.parse('{"metadata":{"labels":{"__proto__":"x"}}}') as Json,
    },
  ]);
});

void describe('applyStrategicMergePatch: lists merged by key', () => {
  runCases([
    {
      name: 'merges matching elements and appends new ones',
      original: {
        spec: {
          containers: [
            { name: 'a', image: '1' },
            { name: 'b', image: '1', tty: true },
          ],
        },
      },
      patch: {
        spec: {
          containers: [
            { name: 'b', image: '2' },
            { name: 'c', image: '3' },
          ],
        },
      },
      want: {
        spec: {
          containers: [
            { name: 'a', image: '1' },
            { name: 'b', image: '2', tty: true },
            { name: 'c', image: '3' },
          ],
        },
      },
    },
    {
      name: 'keeps the patch order (upstream "preserve the order from the patch in a merging list")',
      original: { spec: { containers: [{ name: '1' }, { name: '2', image: 'b' }, { name: '3' }] } },
      patch: {
        spec: {
          containers: [
            { name: '3', image: 'c' },
            { name: '1', image: 'a' },
            { name: '2', workingDir: 'x' },
          ],
        },
      },
      want: {
        spec: {
          containers: [
            { name: '3', image: 'c' },
            { name: '1', image: 'a' },
            { name: '2', image: 'b', workingDir: 'x' },
          ],
        },
      },
    },
    {
      name: 'interleaves server-only elements by their live order (upstream "... merging list 2")',
      original: { spec: { containers: [{ name: '1' }, { name: '2', image: 'b' }, { name: '3' }] } },
      patch: {
        spec: {
          containers: [
            { name: '3', image: 'c' },
            { name: '1', image: 'a' },
          ],
        },
      },
      want: {
        spec: {
          containers: [
            { name: '2', image: 'b' },
            { name: '3', image: 'c' },
            { name: '1', image: 'a' },
          ],
        },
      },
    },
    {
      name: 'puts new elements before the server-only ones, as upstream mergeSortedSlice',
      original: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      patch: { status: { conditions: [{ type: 'PodScheduled', status: 'True' }] } },
      want: {
        status: {
          conditions: [
            { type: 'PodScheduled', status: 'True' },
            { type: 'Ready', status: 'True' },
          ],
        },
      },
    },
    {
      name: '$patch: delete removes every element with that key (upstream "delete all duplicate entries")',
      original: {
        spec: { containers: [...names('1', '1'), { name: '2', image: 'a' }, ...names('3', '3')] },
      },
      patch: {
        spec: {
          containers: [
            { name: '1', $patch: 'delete' },
            { name: '3', $patch: 'delete' },
          ],
        },
      },
      want: { spec: { containers: [{ name: '2', image: 'a' }] } },
    },
    {
      name: '$patch: delete of a missing element changes nothing',
      original: { spec: { containers: names('a') } },
      patch: { spec: { containers: [{ name: 'zz', $patch: 'delete' }] } },
      want: { spec: { containers: names('a') } },
    },
    {
      name: 'a {$patch: replace} element replaces the whole list',
      original: { spec: { containers: names('a', 'b') } },
      patch: { spec: { containers: [{ name: 'x', image: null, env: [] }, { $patch: 'replace' }] } },
      want: { spec: { containers: [{ name: 'x', env: [] }] } },
    },
    {
      name: 'a lone {$patch: replace} element empties the list (upstream "delete all items")',
      original: { spec: { containers: names('a', 'b') } },
      patch: { spec: { containers: [{ $patch: 'replace' }] } },
      want: { spec: { containers: [] } },
    },
    {
      name: 'merges nested keyed lists (container ports by containerPort, env by name)',
      original: {
        spec: {
          containers: [
            {
              name: 'c',
              ports: [{ containerPort: 80 }, { containerPort: 443 }],
              env: [{ name: 'A', value: '1' }],
            },
          ],
        },
      },
      patch: {
        spec: {
          containers: [
            {
              name: 'c',
              ports: [{ containerPort: 80, name: 'http' }],
              env: [{ name: 'B', value: '2' }],
            },
          ],
        },
      },
      want: {
        spec: {
          containers: [
            {
              name: 'c',
              ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }],
              env: [
                { name: 'B', value: '2' },
                { name: 'A', value: '1' },
              ],
            },
          ],
        },
      },
    },
    {
      name: 'volumeMounts merge by mountPath, volumes and imagePullSecrets by name, hostAliases by ip',
      original: {
        spec: {
          containers: [{ name: 'c', volumeMounts: [{ mountPath: '/a', name: 'v1' }] }],
          volumes: [{ name: 'v1', emptyDir: {} }],
          imagePullSecrets: names('s1'),
          hostAliases: [{ ip: '10.0.0.1', hostnames: ['a'] }],
        },
      },
      patch: {
        spec: {
          containers: [{ name: 'c', volumeMounts: [{ mountPath: '/a', readOnly: true }] }],
          volumes: [{ name: 'v2', emptyDir: {} }],
          imagePullSecrets: names('s2'),
          hostAliases: [{ ip: '10.0.0.1', hostnames: ['b'] }],
        },
      },
      want: {
        spec: {
          containers: [{ name: 'c', volumeMounts: [{ mountPath: '/a', name: 'v1', readOnly: true }] }],
          volumes: [
            { name: 'v2', emptyDir: {} },
            { name: 'v1', emptyDir: {} },
          ],
          imagePullSecrets: names('s2', 's1'),
          hostAliases: [{ ip: '10.0.0.1', hostnames: ['b'] }],
        },
      },
    },
  ]);
});

void describe('applyStrategicMergePatch: lists of primitives and atomic lists', () => {
  runCases([
    {
      name: 'unions a merge list of primitives (upstream "unique scalars when merging lists")',
      original: { metadata: { finalizers: ['a', 'b'] } },
      patch: { metadata: { finalizers: ['b', 'c'] } },
      want: { metadata: { finalizers: ['a', 'b', 'c'] } },
    },
    {
      name: 'keeps the patch order of primitives',
      original: { metadata: { finalizers: ['a', 'b', 'c'] } },
      patch: { metadata: { finalizers: ['c', 'a', 'b'] } },
      want: { metadata: { finalizers: ['c', 'a', 'b'] } },
    },
    {
      name: 'interleaves server-only primitives by their live order',
      original: { metadata: { finalizers: ['a', 'b', 'c'] } },
      patch: { metadata: { finalizers: ['c', 'a'] } },
      want: { metadata: { finalizers: ['b', 'c', 'a'] } },
    },
    {
      name: 'deduplicates a primitive merge list',
      original: { metadata: { finalizers: ['a', 'a'] } },
      patch: { metadata: { finalizers: ['b', 'b'] } },
      want: { metadata: { finalizers: ['b', 'a'] } },
    },
    {
      name: '$deleteFromPrimitiveList removes values',
      kind: 'Node',
      original: { spec: { podCIDRs: ['10.0.0.0/24', '10.0.1.0/24', 'fd00::/64'] } },
      patch: { spec: { '$deleteFromPrimitiveList/podCIDRs': ['10.0.1.0/24', 'nope'] } },
      want: { spec: { podCIDRs: ['10.0.0.0/24', 'fd00::/64'] } },
    },
    {
      name: '$deleteFromPrimitiveList on an absent list does not add it',
      original: { metadata: { name: 'p' } },
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } },
      want: { metadata: { name: 'p' } },
    },
    {
      name: '$deleteFromPrimitiveList also works on an atomic list (as upstream)',
      kind: 'Namespace',
      original: { spec: { finalizers: ['kubernetes', 'x'] } },
      patch: { spec: { '$deleteFromPrimitiveList/finalizers': ['x'] } },
      want: { spec: { finalizers: ['kubernetes'] } },
    },
    {
      name: 'replaces atomic lists wholesale (tolerations, args, readinessGates)',
      original: {
        spec: {
          tolerations: [{ key: 'a', operator: 'Exists' }],
          readinessGates: [{ conditionType: 'x' }],
          containers: [{ name: 'c', args: ['1', '2'] }],
        },
      },
      patch: {
        spec: {
          tolerations: [{ key: 'b', operator: 'Exists', value: null }],
          readinessGates: [],
          containers: [{ name: 'c', args: ['3'] }],
        },
      },
      want: {
        spec: {
          tolerations: [{ key: 'b', operator: 'Exists' }],
          readinessGates: [],
          containers: [{ name: 'c', args: ['3'] }],
        },
      },
    },
    {
      name: 'drops $patch elements from atomic lists',
      original: { spec: { tolerations: [{ key: 'a' }] } },
      patch: { spec: { tolerations: [{ key: 'b' }, { $patch: 'replace' }, { key: 'a', $patch: 'delete' }] } },
      want: { spec: { tolerations: [{ key: 'b' }] } },
    },
    {
      name: 'replaces status.containerStatuses wholesale',
      original: {
        status: {
          containerStatuses: [
            { name: 'a', ready: true },
            { name: 'b', ready: true },
          ],
        },
      },
      patch: { status: { containerStatuses: [{ name: 'a', ready: false }] } },
      want: { status: { containerStatuses: [{ name: 'a', ready: false }] } },
    },
  ]);
});

void describe('applyStrategicMergePatch: $setElementOrder', () => {
  runCases([
    {
      name: 'orders a merged keyed list (upstream "merge lists of maps", three-way)',
      original: {
        spec: {
          containers: [
            { name: '1', workingDir: 'a' },
            { name: '2', image: '2', workingDir: 'b' },
          ],
        },
      },
      patch: {
        spec: {
          '$setElementOrder/containers': names('4', '1', '2', '3'),
          containers: [
            { name: '4', image: '4' },
            { name: '3', image: '3' },
          ],
        },
      },
      want: {
        spec: {
          containers: [
            { name: '4', image: '4' },
            { name: '1', workingDir: 'a' },
            { name: '2', image: '2', workingDir: 'b' },
            { name: '3', image: '3' },
          ],
        },
      },
    },
    {
      name: 'tolerates order items the list lacks',
      original: { spec: { containers: names('1', '3') } },
      patch: {
        spec: {
          '$setElementOrder/containers': names('3', '2', '1'),
          containers: [
            { name: '3', image: '3' },
            { name: '1', image: '1' },
          ],
        },
      },
      want: {
        spec: {
          containers: [
            { name: '3', image: '3' },
            { name: '1', image: '1' },
          ],
        },
      },
    },
    {
      name: 'reorders without a patch list, primitives too',
      original: { metadata: { finalizers: ['1', '3'] } },
      patch: { metadata: { '$setElementOrder/finalizers': ['3', '2', '1'] } },
      want: { metadata: { finalizers: ['3', '1'] } },
    },
    {
      name: 'keeps server-only items after the ordered ones they follow live',
      original: { metadata: { finalizers: ['1', '2', '3', '4'] } },
      patch: {
        metadata: { '$setElementOrder/finalizers': ['1', '2'], '$deleteFromPrimitiveList/finalizers': ['3'] },
      },
      want: { metadata: { finalizers: ['1', '2', '4'] } },
    },
    {
      name: 'combines with additions and $deleteFromPrimitiveList (upstream two-way)',
      original: { metadata: { finalizers: ['1', '2', '3'] } },
      patch: {
        metadata: {
          '$setElementOrder/finalizers': ['1', '2', '4'],
          '$deleteFromPrimitiveList/finalizers': ['3'],
          finalizers: ['4'],
        },
      },
      want: { metadata: { finalizers: ['1', '2', '4'] } },
    },
    {
      name: 'applies to a list the original lacks',
      original: { spec: {} },
      patch: {
        spec: {
          '$setElementOrder/containers': names('b', 'a'),
          containers: [{ name: 'b' }, { name: 'a' }, { name: 'gone', $patch: 'delete' }],
        },
      },
      want: { spec: { containers: names('b', 'a') } },
    },
    {
      name: 'is dropped when neither the original nor the patch has the list',
      original: { spec: {} },
      patch: { spec: { '$setElementOrder/initContainers': names('a') } },
      want: { spec: {} },
    },
    {
      name: 'is ignored on an atomic list, which the patch list replaces',
      original: { spec: { tolerations: [{ key: 'a' }, { key: 'b' }] } },
      patch: { spec: { '$setElementOrder/tolerations': [{ key: 'b' }], tolerations: [{ key: 'b' }] } },
      want: { spec: { tolerations: [{ key: 'b' }] } },
    },
  ]);
});

void describe('applyStrategicMergePatch: $retainKeys', () => {
  runCases([
    {
      name: 'drops the keys not listed, then merges (switching a volume source)',
      original: {
        spec: {
          volumes: [
            { name: 'v', hostPath: { path: '/x' } },
            { name: 'w', emptyDir: {} },
          ],
        },
      },
      patch: {
        spec: { volumes: [{ name: 'v', $retainKeys: ['emptyDir', 'name'], emptyDir: { medium: 'Memory' } }] },
      },
      want: {
        spec: {
          volumes: [
            { name: 'v', emptyDir: { medium: 'Memory' } },
            { name: 'w', emptyDir: {} },
          ],
        },
      },
    },
    {
      name: 'allows nulls and directives for keys not listed',
      original: { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } } },
      patch: { spec: { updateStrategy: { $retainKeys: ['type'], type: 'OnDelete', rollingUpdate: null } } },
      kind: 'DaemonSet',
      want: { spec: { updateStrategy: { type: 'OnDelete' } } },
    },
  ]);
});

void describe('applyStrategicMergePatch: what kubectl sends', () => {
  const daemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'x', namespace: 'default', labels: { app: 'x', tier: 'web' }, generation: 2 },
    spec: {
      selector: { matchLabels: { app: 'x' } },
      template: {
        metadata: { labels: { app: 'x' } },
        spec: {
          containers: [
            {
              name: 'c',
              image: 'nginx',
              env: [{ name: 'A', value: '1' }],
              ports: [
                { containerPort: 80, protocol: 'TCP' },
                { containerPort: 443, protocol: 'TCP' },
              ],
            },
            { name: 'sidecar', image: 'busybox', args: ['sleep', 'inf'] },
          ],
          tolerations: [{ operator: 'Exists' }],
        },
      },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    },
    status: { desiredNumberScheduled: 1, conditions: [] },
  };
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } },
    spec: { podCIDR: '10.0.0.0/24', taints: [{ key: 'old', effect: 'NoExecute' }] },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
        { type: 'Ready', status: 'False', reason: 'KubeletNotReady', lastHeartbeatTime: 't0' },
      ],
      addresses: [
        { type: 'InternalIP', address: '10.1.0.1' },
        { type: 'Hostname', address: 'n1' },
      ],
    },
  };
  const template = daemonSet.spec.template;
  const [c] = template.spec.containers;

  runCases([
    {
      name: 'client-side apply of a shrunk manifest (spec §2.8)',
      kind: 'DaemonSet',
      original: daemonSet,
      patch: JSON.parse(
        '{"metadata":{"labels":{"tier":null}},"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"c"}],"containers":[{"$setElementOrder/ports":[{"containerPort":80}],"env":null,"name":"c","ports":[{"$patch":"delete","containerPort":443}]},{"$patch":"delete","name":"sidecar"}],"tolerations":null}}}}',
      ) as unknown,
      want: {
        ...daemonSet,
        metadata: { ...daemonSet.metadata, labels: { app: 'x' } },
        spec: {
          ...daemonSet.spec,
          template: {
            ...template,
            spec: {
              containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }] }],
            },
          },
        },
      },
    },
    {
      name: 'rollout restart: an annotation on the pod template',
      kind: 'DaemonSet',
      original: daemonSet,
      patch: {
        spec: {
          template: {
            metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-21T10:00:00Z' } },
          },
        },
      },
      want: {
        ...daemonSet,
        spec: {
          ...daemonSet.spec,
          template: {
            ...template,
            metadata: {
              labels: { app: 'x' },
              annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-21T10:00:00Z' },
            },
          },
        },
      },
    },
    {
      name: 'rollout undo: the revision data replaces the pod template wholesale',
      kind: 'DaemonSet',
      original: daemonSet,
      patch: {
        spec: {
          template: {
            $patch: 'replace',
            metadata: { creationTimestamp: null, labels: { app: 'x' } },
            spec: {
              containers: [{ name: 'c', image: 'nginx:1.0', resources: {} }],
              dnsPolicy: 'ClusterFirst',
            },
          },
        },
      },
      want: {
        ...daemonSet,
        spec: {
          ...daemonSet.spec,
          template: {
            metadata: { labels: { app: 'x' } },
            spec: {
              containers: [{ name: 'c', image: 'nginx:1.0', resources: {} }],
              dnsPolicy: 'ClusterFirst',
            },
          },
        },
      },
    },
    {
      name: 'cordon',
      kind: 'Node',
      original: node,
      patch: { spec: { unschedulable: true } },
      want: { ...node, spec: { ...node.spec, unschedulable: true } },
    },
    {
      name: 'taint: the taints list is replaced',
      kind: 'Node',
      original: node,
      patch: {
        spec: {
          taints: [
            { effect: 'NoSchedule', key: 'k', value: 'v' },
            { key: 'old', effect: 'NoExecute' },
          ],
        },
      },
      want: {
        ...node,
        spec: {
          ...node.spec,
          taints: [
            { effect: 'NoSchedule', key: 'k', value: 'v' },
            { key: 'old', effect: 'NoExecute' },
          ],
        },
      },
    },
    {
      name: 'untaint: the shorter list replaces the old one',
      kind: 'Node',
      original: node,
      patch: { spec: { taints: [] } },
      want: { ...node, spec: { ...node.spec, taints: [] } },
    },
    {
      name: 'node status: conditions and addresses merge by type',
      kind: 'Node',
      original: node,
      patch: {
        status: {
          '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'Ready' }],
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: 't1' }],
          addresses: [{ type: 'InternalIP', address: '10.1.0.2' }],
        },
      },
      want: {
        ...node,
        status: {
          conditions: [
            { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
            { type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: 't1' },
          ],
          addresses: [
            { type: 'InternalIP', address: '10.1.0.2' },
            { type: 'Hostname', address: 'n1' },
          ],
        },
      },
    },
    {
      name: 'ownerReferences: release one owner by uid, adopt by another',
      kind: 'ControllerRevision',
      original: {
        metadata: {
          name: 'x-1',
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'x', uid: 'u1', controller: true },
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'u2' },
          ],
        },
        revision: 1,
      },
      patch: {
        metadata: {
          ownerReferences: [
            { $patch: 'delete', uid: 'u1' },
            { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'y', uid: 'u3', controller: true },
          ],
        },
      },
      want: {
        metadata: {
          name: 'x-1',
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'y', uid: 'u3', controller: true },
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'u2' },
          ],
        },
        revision: 1,
      },
    },
    {
      name: 'ControllerRevision data is opaque: replaced verbatim, directives and all',
      kind: 'ControllerRevision',
      original: { metadata: { name: 'x-1' }, data: { spec: { template: { $patch: 'replace', a: 1 } } } },
      patch: { data: { spec: { template: { $patch: 'replace', b: null } } } },
      want: { metadata: { name: 'x-1' }, data: { spec: { template: { $patch: 'replace', b: null } } } },
      opaqueDollars: true,
    },
    {
      name: 'managedFields are atomic and fieldsV1 opaque',
      kind: 'Lease',
      original: { metadata: { managedFields: [{ manager: 'a', fieldsV1: { 'f:spec': {} } }] } },
      patch: {
        metadata: { managedFields: [{ manager: 'b', fieldsV1: { 'f:spec': { 'f:x': {} }, 'f:y': null } }] },
      },
      want: {
        metadata: { managedFields: [{ manager: 'b', fieldsV1: { 'f:spec': { 'f:x': {} }, 'f:y': null } }] },
      },
    },
  ]);

  void it('keeps the container it merged intact apart from the patched fields', () => {
    const got = apply('DaemonSet', daemonSet, {
      spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } },
    }) as typeof daemonSet;
    assert.deepEqual(got.spec.template.spec.containers, [
      { ...c, image: 'nginx:2' },
      daemonSet.spec.template.spec.containers[1],
    ]);
  });
});

void describe('applyStrategicMergePatch: inputs and outputs', () => {
  void it('never mutates frozen inputs and returns an unfrozen object sharing nothing with them', () => {
    const original = deepFreeze({
      metadata: { name: 'p', labels: { a: '1' } },
      spec: { containers: names('c') },
    });
    const patch = deepFreeze({
      metadata: { annotations: { k: 'v' } },
      spec: { containers: [{ name: 'd', env: [{ name: 'E', value: '1' }] }] },
    });
    const got = applyStrategicMergePatch('Pod', original, patch) as {
      metadata: { labels: Json; annotations: Json };
      spec: { containers: Json[] };
    };
    assert.ok(!Object.isFrozen(got) && !Object.isFrozen(got.metadata.labels) && !Object.isFrozen(got.spec));
    assert.notEqual(got.metadata.labels, original.metadata.labels);
    assert.notEqual(got.metadata.annotations, patch.metadata.annotations);
    assert.notEqual(got.spec.containers[0], patch.spec.containers[0]);
    got.metadata.labels.b = '2';
    assert.deepEqual(original.metadata.labels, { a: '1' });
  });

  void it('treats a missing original as an empty object', () => {
    assert.deepEqual(applyStrategicMergePatch('Pod', undefined, { metadata: { name: 'p' } }), {
      metadata: { name: 'p' },
    });
  });
});

void describe('applyStrategicMergePatch: errors', () => {
  const bad: [name: string, original: Json, patch: unknown, message: RegExp][] = [
    ['a patch that is a list', {}, [], /must be a JSON object, not a list/],
    ['a patch that is null', {}, null, /must be a JSON object, not null/],
    ['a patch that is a string', {}, 'x', /must be a JSON object, not a string/],
    [
      'an unknown $patch on a map',
      {},
      { metadata: { labels: { $patch: 'remove' } } },
      /metadata\.labels: unknown patch type "remove"/,
    ],
    ['an unknown directive', {}, { spec: { $foo: 1 } }, /spec: unknown directive "\$foo"/],
    ['a directive naming no field', {}, { spec: { '$setElementOrder/': [] } }, /does not name a field/],
    [
      'an element without its merge key',
      { spec: { containers: names('a') } },
      { spec: { containers: [{ image: 'x' }] } },
      /spec\.containers\[\?\]: map does not contain declared merge key "name"/,
    ],
    [
      'a delete element without its merge key',
      { spec: { containers: names('a') } },
      { spec: { containers: [{ $patch: 'delete' }] } },
      /spec\.containers\[0\]: map does not contain declared merge key "name"/,
    ],
    [
      'a $patch: merge list element',
      { spec: { containers: names('a') } },
      { spec: { containers: [{ $patch: 'merge', name: 'a' }] } },
      /merging lists cannot yet be specified in the patch/,
    ],
    [
      'an unknown $patch in a list element',
      { spec: { containers: names('a') } },
      { spec: { containers: [{ $patch: 'drop', name: 'a' }] } },
      /spec\.containers\[0\]: unknown patch type "drop"/,
    ],
    [
      'primitives in a keyed list',
      { spec: { containers: names('a') } },
      { spec: { containers: ['a'] } },
      /spec\.containers\[0\]: expected a list of objects merged by "name", but the patch has a string/,
    ],
    [
      'an object in a primitive merge list',
      { metadata: { finalizers: ['a'] } },
      { metadata: { finalizers: [{ a: 1 }] } },
      /cannot merge lists without merge key/,
    ],
    [
      'a list of lists',
      { metadata: { finalizers: ['a'] } },
      { metadata: { finalizers: [['a']] } },
      /lists of lists/,
    ],
    [
      'a $setElementOrder that is not a list',
      {},
      { spec: { '$setElementOrder/containers': { name: 'a' } } },
      /invalid patch format of \$setElementOrder\/containers: must be a list/,
    ],
    [
      'a $setElementOrder item without the merge key',
      { spec: { containers: names('a') } },
      { spec: { '$setElementOrder/containers': [{ image: 'a' }] } },
      /spec\.containers\[0\]: map does not contain declared merge key "name"/,
    ],
    [
      'a patch list out of $setElementOrder order (upstream "should check if order ... match")',
      { spec: { containers: names('1', '3', '2') } },
      {
        spec: {
          '$setElementOrder/containers': names('1', '2', '3'),
          containers: [
            { name: '3', image: '3' },
            { name: '1', image: '1' },
          ],
        },
      },
      /spec\.containers: the order in the patch list .* doesn't match the \$setElementOrder\/containers list/,
    ],
    [
      'a primitive patch list out of $setElementOrder order',
      { metadata: { finalizers: ['1', '3', '2'] } },
      { metadata: { '$setElementOrder/finalizers': ['1', '2', '3'], finalizers: ['3', '1'] } },
      /doesn't match/,
    ],
    [
      'a $setElementOrder list with a null list',
      { spec: { containers: names('a') } },
      { spec: { '$setElementOrder/containers': names('a'), containers: null } },
      /comes with a value that is not a list/,
    ],
    [
      'a $retainKeys that is not a list',
      {},
      { spec: { $retainKeys: 'a' } },
      /invalid patch format of \$retainKeys/,
    ],
    [
      'a patched key missing from $retainKeys',
      { spec: { nodeName: 'a' } },
      { spec: { $retainKeys: ['nodeName'], hostname: 'h' } },
      /spec: invalid patch format of \$retainKeys: patched field "hostname" is not in the list/,
    ],
    [
      'a $deleteFromPrimitiveList that is not a list',
      { metadata: { finalizers: ['a'] } },
      { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } },
      /metadata\.finalizers: invalid patch format of \$deleteFromPrimitiveList\/finalizers/,
    ],
    [
      'an error deep inside a new subtree',
      {},
      { spec: { containers: [{ name: 'c', env: [{ value: 'v' }] }] } },
      /spec\.containers\[name="c"\]\.env\[\?\]: map does not contain declared merge key "name"/,
    ],
  ];
  for (const [name, original, patch, message] of bad)
    void it(`rejects ${name} with a 400 BadRequest`, () => {
      assert.throws(
        () => apply('Pod', original, patch),
        (err: unknown) => {
          assert.ok(err instanceof ApiError, `want an ApiError, got ${String(err)}`);
          assert.equal(err.reason, 'BadRequest');
          assert.equal(err.code, 400);
          assert.match(err.message, message);
          return true;
        },
      );
    });

  void it('rejects an original that is not an object', () => {
    assert.throws(() => applyStrategicMergePatch('Pod', [], {}), { name: 'BadRequestError', code: 400 });
  });

  void it('rejects kinds without patch metadata with 415, as upstream does for custom resources', () => {
    assert.throws(
      () => applyStrategicMergePatch('Widget', {}, {}),
      (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.reason, 'UnsupportedMediaType');
        assert.equal(err.code, 415);
        assert.match(err.message, /strategic merge patch is not supported for kind "Widget"/);
        return true;
      },
    );
  });
});

void describe('smp-schema', () => {
  void it('serves every kind everynode serves', () => {
    assert.deepEqual([...strategicMergePatchKinds()].sort(), [
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'ControllerRevision',
      'DaemonSet',
      'Event',
      'Lease',
      'Namespace',
      'Node',
      'Pod',
      'PriorityClass',
      'Role',
      'RoleBinding',
      'Secret',
      'ServiceAccount',
    ]);
  });

  void it('carries the upstream struct tags', () => {
    type Tag = [patchStrategy: 'merge' | undefined, patchMergeKey: string | undefined];
    const merge = (patchMergeKey?: string): Tag => ['merge', patchMergeKey];
    const atomic: Tag = [undefined, undefined];
    const cases: [kind: string, path: string, want: Tag][] = [
      ['Pod', 'metadata.ownerReferences', merge('uid')],
      ['Pod', 'metadata.finalizers', merge()],
      ['Pod', 'metadata.managedFields', atomic],
      ['Pod', 'spec.containers', merge('name')],
      ['Pod', 'spec.initContainers', merge('name')],
      ['Pod', 'spec.ephemeralContainers', merge('name')],
      ['Pod', 'spec.volumes', merge('name')],
      ['Pod', 'spec.imagePullSecrets', merge('name')],
      ['Pod', 'spec.hostAliases', merge('ip')],
      ['Pod', 'spec.topologySpreadConstraints', merge('topologyKey')],
      ['Pod', 'spec.schedulingGates', merge('name')],
      ['Pod', 'spec.resourceClaims', merge('name')],
      ['Pod', 'spec.tolerations', atomic],
      ['Pod', 'spec.readinessGates', atomic],
      ['Pod', 'spec.containers.ports', merge('containerPort')],
      ['Pod', 'spec.containers.env', merge('name')],
      ['Pod', 'spec.containers.envFrom', atomic],
      ['Pod', 'spec.containers.volumeMounts', merge('mountPath')],
      ['Pod', 'spec.containers.volumeDevices', merge('devicePath')],
      ['Pod', 'spec.containers.resizePolicy', atomic],
      ['Pod', 'spec.ephemeralContainers.env', merge('name')],
      ['Pod', 'status.conditions', merge('type')],
      ['Pod', 'status.podIPs', merge('ip')],
      ['Pod', 'status.hostIPs', merge('ip')],
      ['Pod', 'status.containerStatuses', atomic],
      ['DaemonSet', 'spec.template.spec.containers', merge('name')],
      ['DaemonSet', 'spec.template.spec.containers.ports', merge('containerPort')],
      ['DaemonSet', 'spec.template.metadata.finalizers', merge()],
      ['DaemonSet', 'status.conditions', merge('type')],
      ['Node', 'spec.taints', atomic],
      ['Node', 'spec.podCIDRs', merge()],
      ['Node', 'status.conditions', merge('type')],
      ['Node', 'status.addresses', merge('type')],
      ['Node', 'status.images', atomic],
      ['Namespace', 'status.conditions', merge('type')],
      ['Namespace', 'spec.finalizers', atomic],
      ['Lease', 'metadata.ownerReferences', merge('uid')],
      ['ServiceAccount', 'secrets', merge('name')],
      ['ServiceAccount', 'imagePullSecrets', atomic],
      ['Role', 'rules', atomic],
      ['ClusterRole', 'rules', atomic],
      ['ClusterRole', 'aggregationRule.clusterRoleSelectors', atomic],
      ['RoleBinding', 'subjects', atomic],
      ['ClusterRoleBinding', 'subjects', atomic],
    ];
    for (const [kind, path, want] of cases) {
      const meta = lookupPatchMeta(kind, path.split('.'));
      assert.ok(meta !== undefined, `${kind} ${path} must be in the schema`);
      assert.deepEqual([meta.patchStrategy, meta.patchMergeKey], want, `${kind} ${path}`);
    }
  });

  void it('marks retainKeys where upstream has it, and not on DaemonSetUpdateStrategy', () => {
    assert.equal(lookupPatchMeta('Pod', ['spec', 'volumes'])?.retainKeys, true);
    assert.equal(lookupPatchMeta('Pod', ['status', 'resourceClaimStatuses'])?.retainKeys, true);
    assert.equal(lookupPatchMeta('DaemonSet', ['spec', 'updateStrategy']), undefined);
    assert.equal(lookupPatchMeta('ControllerRevision', ['data'])?.opaque, true);
    assert.equal(lookupPatchMeta('Widget', ['spec']), undefined);
  });
});
