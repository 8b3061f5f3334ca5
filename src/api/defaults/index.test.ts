import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Namespace, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { clone, deepFreeze } from '../../util/objects.js';
import { validateDaemonSet } from '../validation/daemonset.js';
import {
  defaultDaemonSet,
  defaulters,
  defaultNamespace,
  defaultNode,
  defaultObject,
  defaultPriorityClass,
} from './index.js';

function daemonSet(strategy?: NonNullable<DaemonSet['spec']>['updateStrategy']): DaemonSet {
  return deepFreeze<DaemonSet>({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'ds', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'ds' } },
      template: { metadata: { labels: { app: 'ds' } }, spec: { containers: [{ name: 'c', image: 'c' }] } },
      ...(strategy ? { updateStrategy: strategy } : {}),
    },
  });
}

describe('defaultDaemonSet', () => {
  it('defaults the strategy to RollingUpdate 1/0, revisionHistoryLimit 10 and the template spec', () => {
    const input = daemonSet();
    const before = clone(input);
    const out = defaultDaemonSet(input);
    assert.deepEqual(input, before);
    assert.deepEqual(out.spec?.updateStrategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    assert.equal(out.spec?.revisionHistoryLimit, 10);
    const tpl = out.spec?.template.spec;
    assert.equal(tpl?.restartPolicy, 'Always');
    assert.equal(tpl?.dnsPolicy, 'ClusterFirst');
    assert.equal(tpl?.terminationGracePeriodSeconds, 30);
    assert.equal(tpl?.schedulerName, 'default-scheduler');
    assert.deepEqual(tpl?.securityContext, {});
    assert.equal(tpl?.containers[0]?.imagePullPolicy, 'Always');
    assert.deepEqual(validateDaemonSet(out), []);
  });

  it('fills a partial rollingUpdate block and keeps explicit values', () => {
    const out = defaultDaemonSet(
      daemonSet({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '20%' } }),
    );
    assert.deepEqual(out.spec?.updateStrategy?.rollingUpdate, { maxUnavailable: '20%', maxSurge: 0 });
    const kept = defaultDaemonSet({
      ...daemonSet(),
      spec: { ...daemonSet().spec!, revisionHistoryLimit: 0 },
    });
    assert.equal(kept.spec?.revisionHistoryLimit, 0);
  });

  it('gives OnDelete no rollingUpdate block', () => {
    const out = defaultDaemonSet(daemonSet({ type: 'OnDelete' }));
    assert.deepEqual(out.spec?.updateStrategy, { type: 'OnDelete' });
  });

  it('only maxSurge: 1 written → maxUnavailable defaults to 1 → rejected', () => {
    const out = defaultDaemonSet(daemonSet({ rollingUpdate: { maxSurge: 1 } }));
    assert.deepEqual(out.spec?.updateStrategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 1 },
    });
    assert.deepEqual(
      validateDaemonSet(out).map((e) => `${e.field}: ${e.message}`),
      [
        'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
      ],
    );
    const surge = defaultDaemonSet(daemonSet({ rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }));
    assert.deepEqual(validateDaemonSet(surge), []);
  });
});

describe('other defaulters', () => {
  it('defaultNamespace: name label, kubernetes finalizer, Active phase', () => {
    const out = defaultNamespace(deepFreeze<Namespace>({ metadata: { name: 'team-a', labels: { x: 'y' } } }));
    assert.deepEqual(out, {
      metadata: { name: 'team-a', labels: { x: 'y', 'kubernetes.io/metadata.name': 'team-a' } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  });

  it('defaultNode: allocatable from capacity, otherwise untouched', () => {
    const n = deepFreeze<Node>({ metadata: { name: 'n' }, status: { capacity: { cpu: '2' } } });
    assert.deepEqual(defaultNode(n).status, { capacity: { cpu: '2' }, allocatable: { cpu: '2' } });
    const plain = deepFreeze<Node>({ metadata: { name: 'n' }, spec: { unschedulable: true } });
    assert.deepEqual(defaultNode(plain), plain);
  });

  it('defaultPriorityClass: PreemptLowerPriority', () => {
    const pc = deepFreeze<PriorityClass>({ metadata: { name: 'high' }, value: 1000 });
    assert.equal(defaultPriorityClass(pc).preemptionPolicy, 'PreemptLowerPriority');
    assert.equal(defaultPriorityClass({ ...pc, preemptionPolicy: 'Never' }).preemptionPolicy, 'Never');
  });
});

describe('defaulters map', () => {
  it('has every served kind and returns copies', () => {
    assert.deepEqual(Object.keys(defaulters).sort(), [
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
    const ev = deepFreeze({ kind: 'Event', metadata: { name: 'e', namespace: 'd' }, involvedObject: {} });
    const out = defaulters.Event?.(ev);
    assert.deepEqual(out, ev);
    assert.notEqual(out, ev);
  });

  it('dispatches on kind', () => {
    const pod = defaultObject<Pod>({ kind: 'Pod', spec: { containers: [{ name: 'a', image: 'a' }] } });
    assert.equal(pod.spec?.restartPolicy, 'Always');
    assert.equal(pod.spec?.enableServiceLinks, true);
    assert.deepEqual(defaultObject({ kind: 'Unknown', metadata: { name: 'x' } }), {
      kind: 'Unknown',
      metadata: { name: 'x' },
    });
  });
});
