import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { resources } from '../../api/resources.js';
import { ClientEventRecorder } from '../../client/events.js';
import { LocalClient } from '../../client/local-client.js';
import { Manager } from '../../controller/manager.js';
import { ObjectStore } from '../../store/object-store.js';
import { defaultStrategies } from '../../store/strategies.js';
import { RealClock, rfc3339 } from '../../util/clock.js';
import { silentLogger } from '../../util/log.js';
import { TaintEvictionController, evictionTime } from './taint-eviction.js';
import { eventually } from '../../../test/support/wait.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const ADDED = Date.parse('2026-01-01T00:00:00Z');

function pod(...tolerations: Toleration[]): Pod {
  return {
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'x:1' }], tolerations },
  };
}

const noExecute = (key: string, timeAdded = ADDED, value?: string): Taint => ({
  key,
  ...(value !== undefined ? { value } : {}),
  effect: 'NoExecute',
  timeAdded: rfc3339(timeAdded),
});

describe('evictionTime', () => {
  const cases: Array<[string, Pod, Taint[], number | undefined]> = [
    ['no taints → never', pod(), [], undefined],
    ['an untolerated NoExecute taint → now', pod(), [noExecute('dedicated', ADDED, 'x')], NOW],
    [
      'a toleration for another key does not help → now',
      pod({ key: 'other', operator: 'Exists', effect: 'NoExecute' }),
      [noExecute('dedicated', ADDED, 'x')],
      NOW,
    ],
    [
      'a toleration with a different value does not help → now',
      pod({ key: 'dedicated', operator: 'Equal', value: 'y', effect: 'NoExecute' }),
      [noExecute('dedicated', ADDED, 'x')],
      NOW,
    ],
    [
      'a NoSchedule-only toleration does not tolerate NoExecute → now',
      pod({ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }),
      [noExecute('dedicated')],
      NOW,
    ],
    [
      'tolerationSeconds → timeAdded + seconds',
      pod({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }),
      [noExecute('dedicated')],
      ADDED + 60_000,
    ],
    [
      'tolerationSeconds already run out → a time in the past (evict now)',
      pod({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }),
      [noExecute('dedicated')],
      ADDED + 1_000,
    ],
    [
      'negative tolerationSeconds count as zero',
      pod({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: -5 }),
      [noExecute('dedicated')],
      ADDED,
    ],
    [
      'several taints with tolerationSeconds → the earliest deadline',
      pod(
        { key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'b', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
      ),
      [noExecute('a', ADDED), noExecute('b', ADDED + 120_000)],
      ADDED + 150_000,
    ],
    [
      'several tolerations matching one taint → the shortest tolerationSeconds',
      pod(
        { key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 100 },
      ),
      [noExecute('a')],
      ADDED + 100_000,
    ],
    [
      'a toleration without tolerationSeconds → never',
      pod({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }),
      [noExecute('dedicated')],
      undefined,
    ],
    [
      'an empty-effect Exists toleration tolerates everything forever → never',
      pod({ operator: 'Exists' }),
      [noExecute('a'), noExecute('b')],
      undefined,
    ],
    [
      'a taint tolerated forever next to one tolerated for a while → the bounded one decides',
      pod(
        { key: 'a', operator: 'Exists', effect: 'NoExecute' },
        { key: 'b', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
      ),
      [noExecute('a'), noExecute('b')],
      ADDED + 60_000,
    ],
    [
      'one untolerated taint among tolerated ones → now',
      pod({ key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }),
      [noExecute('a'), noExecute('b')],
      NOW,
    ],
    [
      'NoSchedule and PreferNoSchedule taints are ignored',
      pod(),
      [
        { key: 'dedicated', value: 'x', effect: 'NoSchedule' },
        { key: 'soft', effect: 'PreferNoSchedule' },
      ],
      undefined,
    ],
    [
      'a taint without timeAdded counts from now',
      pod({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }),
      [{ key: 'dedicated', effect: 'NoExecute' }],
      NOW + 60_000,
    ],
  ];
  for (const [name, p, taints, want] of cases) {
    test(name, () => assert.equal(evictionTime(p, taints, NOW), want));
  }
});

describe('TaintEvictionController', () => {
  test('evicts a pod bound to a node already tainted NoExecute, and pods of a node tainted later', async () => {
    const clock = new RealClock();
    const store = new ObjectStore({ clock, strategies: defaultStrategies });
    const client = new LocalClient(store);
    const manager = new Manager({ client, clock, logger: silentLogger() });
    const recorder = new ClientEventRecorder({ client, clock, logger: silentLogger(), component: 'taint' });
    manager.add(new TaintEvictionController({ manager, client, clock, logger: silentLogger(), recorder }));
    await client.create(resources.namespaces, { metadata: { name: 'default' } });
    await client.create(resources.nodes, {
      metadata: { name: 'tainted' },
      spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }] },
    });
    await client.create(resources.nodes, { metadata: { name: 'clean' } });
    await manager.start();
    try {
      const bound = (name: string, nodeName: string): Pod => ({
        metadata: { name, namespace: 'default' },
        spec: { nodeName, containers: [{ name: 'app', image: 'x:1' }] },
      });
      await client.create(resources.pods, bound('on-tainted', 'tainted'));
      await client.create(resources.pods, bound('on-clean', 'clean'));
      const deleting = (name: string): boolean =>
        store.get(resources.pods, 'default', name)?.metadata?.deletionTimestamp !== undefined;
      await eventually(() => deleting('on-tainted'), {
        what: 'the pod on the tainted node marked for deletion',
      });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(deleting('on-clean'), false, 'a pod on an untainted node stays');
      const clean = store.get(resources.nodes, '', 'clean');
      assert.ok(clean);
      await client.update(resources.nodes, {
        ...clean,
        spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }] },
      });
      await eventually(() => deleting('on-clean'), {
        what: 'the pod of the node tainted later marked for deletion',
      });
    } finally {
      await manager.stop();
      store.close();
    }
  });
});
