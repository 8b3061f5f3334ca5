import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../resources.js';
import { defaultObject } from '../defaults/index.js';
import { validators } from './index.js';

/** One minimal, valid (after defaulting) object per served kind. */
const samples: KubeObject[] = [
  { kind: 'Namespace', metadata: { name: 'team-a' } },
  {
    kind: 'Node',
    metadata: { name: 'node-1' },
    spec: {},
    status: { capacity: { cpu: '2', memory: '4Gi', pods: '110' } },
  } as KubeObject,
  {
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'team-a' },
    spec: { containers: [{ name: 'web', image: 'nginx' }] },
  } as KubeObject,
  {
    kind: 'Event',
    metadata: { name: 'web.1', namespace: 'team-a' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'team-a' },
  } as KubeObject,
  {
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'team-a' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: { containers: [{ name: 'agent', image: 'agent:1' }] },
      },
    },
  } as KubeObject,
  {
    kind: 'ControllerRevision',
    metadata: { name: 'agent-1', namespace: 'team-a' },
    data: {},
    revision: 1,
  } as KubeObject,
  {
    kind: 'Lease',
    metadata: { name: 'node-1', namespace: 'kube-node-lease' },
    spec: { holderIdentity: 'node-1' },
  } as KubeObject,
  { kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 } as KubeObject,
  { kind: 'ServiceAccount', metadata: { name: 'bot', namespace: 'team-a' } },
  {
    kind: 'Role',
    metadata: { name: 'leases', namespace: 'team-a' },
    rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get'] }],
  } as KubeObject,
  {
    kind: 'ClusterRole',
    metadata: { name: 'metrics:reader' },
    rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
  } as KubeObject,
  {
    kind: 'RoleBinding',
    metadata: { name: 'leases', namespace: 'team-a' },
    roleRef: { apiGroup: '', kind: 'Role', name: 'leases' },
    subjects: [{ kind: 'ServiceAccount', name: 'bot' }],
  } as KubeObject,
  {
    kind: 'ClusterRoleBinding',
    metadata: { name: 'metrics:reader' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'metrics:reader' },
    subjects: [{ kind: 'Group', name: 'monitoring' }],
  } as KubeObject,
  {
    kind: 'ConfigMap',
    metadata: { name: 'agent-config', namespace: 'kube-system' },
    data: { 'agent.conf': 'level = info' },
    binaryData: { 'ca.der': 'AAEC' },
  } as KubeObject,
];

describe('validators', () => {
  it('covers every served kind; status validators exist where there is a /status subresource', () => {
    assert.deepEqual(Object.keys(validators).sort(), [
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
    const withStatus = Object.entries(validators)
      .filter(([, v]) => v.status !== undefined)
      .map(([k]) => k)
      .sort();
    assert.deepEqual(withStatus, ['DaemonSet', 'Namespace', 'Node', 'Pod']);
  });

  it('defaulted samples pass create, a no-op update and a no-op status update', () => {
    for (const sample of samples) {
      const obj = defaultObject(sample);
      const v = validators[obj.kind ?? ''];
      assert.ok(v, obj.kind);
      assert.deepEqual(v.create(obj), [], `${obj.kind} create`);
      assert.deepEqual(v.update(obj, obj), [], `${obj.kind} update`);
      if (v.status) assert.deepEqual(v.status(obj, obj), [], `${obj.kind} status`);
    }
  });

  it('unknown kinds have no validator', () => {
    assert.equal(validators['Service'], undefined);
  });
});
