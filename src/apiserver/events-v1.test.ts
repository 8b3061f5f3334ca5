import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import { fromEventsV1, toEventsV1 } from './events-v1.js';

test('core/v1 and events.k8s.io/v1 Events convert field by field, both ways', () => {
  const core: CoreEvent = {
    metadata: { name: 'ds.1', namespace: 'default' },
    involvedObject: { kind: 'DaemonSet', name: 'ds', namespace: 'default', uid: 'u' },
    reason: 'SuccessfulCreate',
    message: 'Created pod: ds-abcde',
    type: 'Normal',
    count: 3,
    firstTimestamp: '2026-01-01T00:00:00Z',
    lastTimestamp: '2026-01-01T00:05:00Z',
    source: { component: 'daemonset-controller' },
    reportingComponent: 'daemonset-controller',
    reportingInstance: '',
  };
  const v1 = toEventsV1(core);
  assert.equal(v1.apiVersion, 'events.k8s.io/v1');
  assert.deepEqual(v1.regarding, core.involvedObject);
  assert.equal(v1.note, 'Created pod: ds-abcde');
  assert.equal(v1.reportingController, 'daemonset-controller');
  assert.deepEqual(v1.series, { count: 3, lastObservedTime: '2026-01-01T00:05:00Z' });
  assert.deepEqual(
    [v1.deprecatedCount, v1.deprecatedFirstTimestamp, v1.deprecatedLastTimestamp],
    [3, core.firstTimestamp, core.lastTimestamp],
  );
  const back = fromEventsV1(v1);
  for (const k of [
    'involvedObject',
    'reason',
    'message',
    'type',
    'count',
    'firstTimestamp',
    'lastTimestamp',
    'source',
    'reportingComponent',
  ] as const) {
    assert.deepEqual(back[k], core[k], k);
  }
});
