import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject, ResourceType } from '../../api/resources.js';
import { objectKey, resources } from '../../api/resources.js';
import { ConflictError } from '../../api/errors.js';
import { LocalClient } from '../../client/local-client.js';
import type { ClientWriteOptions } from '../../client/types.js';
import { Manager } from '../../controller/manager.js';
import { ObjectStore } from '../../store/object-store.js';
import { defaultStrategies } from '../../store/strategies.js';
import { RealClock } from '../../util/clock.js';
import { silentLogger } from '../../util/log.js';
import { GarbageCollector } from './garbage-collector.js';
import { eventually } from '../../../test/support/wait.js';

/** A client whose updates of chosen objects fail with Conflict a given number of times. */
class ConflictingClient extends LocalClient {
  private readonly conflicts = new Map<string, number>();

  conflictNext(type: ResourceType, key: string, times: number): void {
    this.conflicts.set(`${type.resource}|${key}`, times);
  }

  override async update<T extends KubeObject>(
    type: ResourceType<T>,
    obj: T,
    options?: ClientWriteOptions,
  ): Promise<T> {
    const id = `${type.resource}|${objectKey(obj)}`;
    const left = this.conflicts.get(id) ?? 0;
    if (left > 0) {
      this.conflicts.set(id, left - 1);
      throw new ConflictError(type.resource, type.group, obj.metadata?.name ?? '');
    }
    return super.update(type, obj, options);
  }
}

const ownerRef = (ds: DaemonSet): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  name: ds.metadata?.name ?? '',
  uid: ds.metadata?.uid ?? '',
  controller: true,
  blockOwnerDeletion: true,
});

describe('GarbageCollector', () => {
  let store: ObjectStore;
  let client: ConflictingClient;
  let manager: Manager;

  beforeEach(async () => {
    const clock = new RealClock();
    store = new ObjectStore({ clock, strategies: defaultStrategies });
    client = new ConflictingClient(store);
    manager = new Manager({ client, clock, logger: silentLogger() });
    manager.add(new GarbageCollector({ manager, client, clock, logger: silentLogger() }));
    await client.create(resources.namespaces, { metadata: { name: 'default' } });
    await manager.start();
  });

  afterEach(async () => {
    await manager.stop();
    store.close();
  });

  const createOwnerWithPod = async (): Promise<DaemonSet> => {
    const ds = await client.create(resources.daemonsets, {
      metadata: { name: 'ds', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'ds' } },
        template: {
          metadata: { labels: { app: 'ds' } },
          spec: { containers: [{ name: 'c', image: 'x:1' }] },
        },
      },
    });
    const p: Pod = {
      metadata: { name: 'ds-a', namespace: 'default', ownerReferences: [ownerRef(ds)] },
      spec: { containers: [{ name: 'c', image: 'x:1' }] },
    };
    await client.create(resources.pods, p);
    // Let the collector's informers see both objects: it works from its caches, and an owner
    // deleted before its dependent reached them is processed as if it had no dependents.
    await new Promise((r) => setTimeout(r, 20));
    return ds;
  };

  test('a dependent is kept while its owner is alive, and collected when its owner is another object of the same name', async () => {
    const ds = await createOwnerWithPod();
    const stale: OwnerReference = { ...ownerRef(ds), uid: 'an-earlier-ds-of-that-name' };
    await client.create(resources.pods, {
      metadata: { name: 'ds-b', namespace: 'default', ownerReferences: [stale] },
      spec: { containers: [{ name: 'c', image: 'x:1' }] },
    });
    await eventually(() => !store.get(resources.pods, 'default', 'ds-b'), {
      what: 'the stale dependent collected',
    });
    assert.ok(store.get(resources.pods, 'default', 'ds-a'), 'the live owner keeps its dependent');
    await client.delete(resources.daemonsets, 'default', 'ds');
    await eventually(() => !store.get(resources.pods, 'default', 'ds-a'), {
      what: 'dependent of the deleted owner collected',
    });
  });

  test('foreground deletion of an owner without dependents completes', async () => {
    await createOwnerWithPod();
    await client.delete(resources.pods, 'default', 'ds-a');
    await client.delete(resources.daemonsets, 'default', 'ds', { propagationPolicy: 'Foreground' });
    await eventually(() => !store.get(resources.daemonsets, 'default', 'ds'), { what: 'owner gone' });
  });

  test('orphaning never deletes a dependent, even when removing its ownerReference keeps conflicting', async () => {
    const ds = await createOwnerWithPod();
    client.conflictNext(resources.pods, 'default/ds-a', 12);
    await client.delete(resources.daemonsets, 'default', 'ds', { propagationPolicy: 'Orphan' });
    await eventually(() => !store.get(resources.daemonsets, 'default', 'ds'), { what: 'owner gone' });
    await new Promise((r) => setTimeout(r, 100));
    const pod = store.get(resources.pods, 'default', 'ds-a');
    assert.ok(pod, 'the dependent is kept');
    assert.equal(pod.metadata?.deletionTimestamp, undefined);
    assert.ok(!(pod.metadata?.ownerReferences ?? []).some((r) => r.uid === ds.metadata?.uid));
  });

  test('an owner is not left stuck in foreground deletion when removing its finalizer keeps conflicting', async () => {
    await createOwnerWithPod();
    client.conflictNext(resources.daemonsets, 'default/ds', 12);
    await client.delete(resources.daemonsets, 'default', 'ds', { propagationPolicy: 'Foreground' });
    await eventually(() => !store.get(resources.pods, 'default', 'ds-a'), { what: 'dependent gone' });
    await eventually(() => !store.get(resources.daemonsets, 'default', 'ds'), { what: 'owner gone' });
  });
});
