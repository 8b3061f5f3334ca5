/**
 * A harness for DaemonSet controller scenarios in the style of upstream's unit tests: a real store,
 * real informers and the real controller, with a counting client (and injectable failures) so one
 * sync can be asserted as "(creates, deletes, events)". No scheduler or kubelet runs: pods stay as
 * the test leaves them. The clock is fake.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../../src/api/resources.js';
import type { KubeObject, ResourceType } from '../../src/api/resources.js';
import { ApiError } from '../../src/api/errors.js';
import { LocalClient } from '../../src/client/local-client.js';
import type {
  Client,
  ClientDeleteOptions,
  ClientList,
  ClientListOptions,
  ClientWatch,
  ClientWatchHandlers,
  ClientWatchOptions,
  ClientWriteOptions,
  PatchType,
} from '../../src/client/types.js';
import type { EventRecorder, EventType } from '../../src/client/events.js';
import { Manager } from '../../src/controller/manager.js';
import { DaemonSetsController } from '../../src/controllers/daemonset/controller.js';
import { computeHash } from '../../src/controllers/daemonset/hash.js';
import { ObjectStore } from '../../src/store/object-store.js';
import { defaultStrategies } from '../../src/store/strategies.js';
import { FakeClock, rfc3339 } from '../../src/util/clock.js';
import { errorMessage, silentLogger } from '../../src/util/log.js';
import { clone } from '../../src/util/objects.js';
import { seededRandom, settle } from './wait.js';

export const SIMPLE_DAEMON_LABELS = { name: 'simple-daemon', type: 'production' } as const;

/** Counts calls per verb and resource; can be told to fail. */
export class CountingClient implements Client {
  readonly calls = new Map<string, number>();
  /** Pod creations allowed before every further one fails (upstream's fake pod control limit). */
  podCreateLimit = Infinity;
  /** Remaining DaemonSet status updates that fail. */
  failStatusUpdates = 0;
  /** Remaining DaemonSet GETs that fail. */
  failDaemonSetGets = 0;
  /** Make GET of DaemonSets answer NotFound (cache says alive, API says gone). */
  daemonSetsGone = false;
  /**
   * Return from a pod create or delete only once the informers have seen it — what upstream's
   * fake pod control does (it writes its pod store and observes the expectation before
   * returning), so one sync sees its own writes as upstream's unit tests assume.
   */
  observeWrites = true;
  private podsCreated = 0;

  constructor(private readonly inner: Client) {}

  count(verb: string, type: ResourceType): number {
    return this.calls.get(`${verb} ${type.resource}`) ?? 0;
  }

  reset(): void {
    this.calls.clear();
  }

  private async observed<T>(type: ResourceType, write: Promise<T>): Promise<T> {
    const result = await write;
    if (this.observeWrites && type === (resources.pods as ResourceType)) await settle();
    return result;
  }

  private note(verb: string, type: ResourceType): void {
    const k = `${verb} ${type.resource}`;
    this.calls.set(k, (this.calls.get(k) ?? 0) + 1);
  }

  get<T extends KubeObject>(type: ResourceType<T>, namespace: string, name: string): Promise<T> {
    this.note('get', type);
    if (type === (resources.daemonsets as ResourceType)) {
      if (this.daemonSetsGone)
        return Promise.reject(
          new ApiError({ reason: 'NotFound', code: 404, message: `daemonsets.apps "${name}" not found` }),
        );
      if (this.failDaemonSetGets > 0) {
        this.failDaemonSetGets--;
        return Promise.reject(
          new ApiError({ reason: 'InternalError', code: 500, message: 'injected get failure' }),
        );
      }
    }
    return this.inner.get(type, namespace, name);
  }
  list<T extends KubeObject>(type: ResourceType<T>, options?: ClientListOptions): Promise<ClientList<T>> {
    return this.inner.list(type, options);
  }
  create<T extends KubeObject>(type: ResourceType<T>, obj: T, options?: ClientWriteOptions): Promise<T> {
    this.note('create', type);
    if (type === (resources.pods as ResourceType) && this.podsCreated++ >= this.podCreateLimit) {
      return Promise.reject(
        new ApiError({ reason: 'Forbidden', code: 403, message: 'exceeded quota: injected' }),
      );
    }
    return this.observed(type, this.inner.create(type, obj, options));
  }
  update<T extends KubeObject>(type: ResourceType<T>, obj: T, options?: ClientWriteOptions): Promise<T> {
    this.note('update', type);
    return this.inner.update(type, obj, options);
  }
  patch<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options?: ClientWriteOptions,
  ): Promise<T> {
    this.note('patch', type);
    return this.inner.patch(type, namespace, name, patchType, patch, options);
  }
  delete<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    options?: ClientDeleteOptions,
  ): Promise<T> {
    this.note('delete', type);
    return this.observed(type, this.inner.delete(type, namespace, name, options));
  }
  deleteCollection<T extends KubeObject>(
    type: ResourceType<T>,
    listOptions: ClientListOptions,
    options?: ClientDeleteOptions,
  ): Promise<void> {
    this.note('deletecollection', type);
    return this.inner.deleteCollection(type, listOptions, options);
  }
  updateStatus<T extends KubeObject>(
    type: ResourceType<T>,
    obj: T,
    options?: ClientWriteOptions,
  ): Promise<T> {
    this.note('updateStatus', type);
    if (type === (resources.daemonsets as ResourceType) && this.failStatusUpdates > 0) {
      this.failStatusUpdates--;
      return Promise.reject(
        new ApiError({ reason: 'InternalError', code: 500, message: 'injected status failure' }),
      );
    }
    return this.inner.updateStatus(type, obj, options);
  }
  patchStatus<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options?: ClientWriteOptions,
  ): Promise<T> {
    this.note('patchStatus', type);
    return this.inner.patchStatus(type, namespace, name, patchType, patch, options);
  }
  watch<T extends KubeObject>(
    type: ResourceType<T>,
    options: ClientWatchOptions,
    handlers: ClientWatchHandlers<T>,
  ): Promise<ClientWatch> {
    return this.inner.watch(type, options, handlers);
  }
  bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void> {
    return this.inner.bind(namespace, podName, nodeName, podUid);
  }
  evict(namespace: string, podName: string, options?: ClientDeleteOptions): Promise<void> {
    return this.inner.evict(namespace, podName, options);
  }
}

export interface RecordedEvent {
  readonly object: string;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

/** Records events in memory (upstream's FakeRecorder). */
export class MemoryRecorder implements EventRecorder {
  readonly events: RecordedEvent[] = [];
  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    this.events.push({ object: `${obj.kind ?? ''}/${obj.metadata?.name ?? ''}`, type, reason, message });
  }
}

/**
 * Reasons upstream's unit tests do not count: the pod-control layer's, and everynode's own
 * additions (NodeExcluded, NodeBlocked), which upstream does not emit.
 */
const UNCOUNTED_REASONS = new Set([
  'SuccessfulCreate',
  'FailedCreate',
  'SuccessfulDelete',
  'FailedDelete',
  'NodeExcluded',
  'NodeBlocked',
]);

export interface SyncResult {
  readonly creates: number;
  readonly deletes: number;
  readonly events: number;
  readonly error: unknown;
}

export function newNode(name: string, labels: Record<string, string> = {}, extra: Partial<Node> = {}): Node {
  return {
    metadata: { name, labels: { ...labels } },
    ...(extra.spec ? { spec: extra.spec } : {}),
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      allocatable: { pods: '100' },
      ...(extra.status ?? {}),
    },
  };
}

export type Strategy = 'OnDelete' | 'RollingUpdate';

export interface HarnessOptions {
  readonly burstReplicas?: number;
  /** A fake clock of the test's own (e.g. one that also reads precise time or idle time). */
  readonly clock?: FakeClock;
  readonly legacyObjects?: boolean;
}

/** The default fixture: DS `foo` selecting `name=simple-daemon,type=production`, history limit 2. */
export function newDaemonSet(name = 'foo', strategy: Strategy = 'RollingUpdate'): DaemonSet {
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { ...SIMPLE_DAEMON_LABELS } },
      revisionHistoryLimit: 2,
      updateStrategy:
        strategy === 'OnDelete'
          ? { type: 'OnDelete' }
          : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: { ...SIMPLE_DAEMON_LABELS } },
        spec: { containers: [{ name: 'foo', image: 'foo/bar' }] },
      },
    },
  };
}

export class DsHarness {
  readonly clock: FakeClock;
  readonly store: ObjectStore;
  readonly client: CountingClient;
  readonly recorder = new MemoryRecorder();
  readonly manager: Manager;
  readonly controller: DaemonSetsController;

  private constructor(options: HarnessOptions) {
    this.clock = options.clock ?? new FakeClock('2026-02-01T00:00:00Z');
    // `legacyObjects` admits DaemonSets apps/v1 validation would refuse (e.g. an empty selector),
    // as objects created through older API versions can be.
    const strategies = options.legacyObjects
      ? {
          ...defaultStrategies,
          DaemonSet: {
            ...defaultStrategies['DaemonSet']!,
            validateCreate: () => [],
            validateUpdate: () => [],
          },
        }
      : defaultStrategies;
    this.store = new ObjectStore({ clock: this.clock, strategies, random: seededRandom(11) });
    for (const name of ['default', 'kube-system', 'other'])
      this.store.create(resources.namespaces, { metadata: { name } });
    this.client = new CountingClient(new LocalClient(this.store));
    const logger = silentLogger();
    this.manager = new Manager({ client: this.client, clock: this.clock, logger });
    this.controller = new DaemonSetsController({
      manager: this.manager,
      client: this.client,
      clock: this.clock,
      logger,
      recorder: this.recorder,
      ...(options.burstReplicas !== undefined ? { burstReplicas: options.burstReplicas } : {}),
    });
  }

  /** Builds the harness and syncs its informers (workers are not started: tests call sync). */
  static async create(options: HarnessOptions = {}): Promise<DsHarness> {
    const h = new DsHarness(options);
    h.manager.informers.start();
    await h.manager.informers.waitForSync();
    return h;
  }

  async close(): Promise<void> {
    this.manager.informers.stop();
    this.controller.queue.shutDown();
    await settle();
    this.store.close();
  }

  addNodes(count: number, labels: Record<string, string> = {}, start = 0, extra: Partial<Node> = {}): Node[] {
    const out: Node[] = [];
    for (let i = start; i < start + count; i++)
      out.push(this.store.create(resources.nodes, newNode(`node-${i}`, labels, extra)));
    return out;
  }

  addNode(node: Node): Node {
    return this.store.create(resources.nodes, node);
  }

  createDaemonSet(ds: DaemonSet): DaemonSet {
    return this.store.create(resources.daemonsets, ds);
  }

  ds(name = 'foo'): DaemonSet {
    const ds = this.store.get(resources.daemonsets, 'default', name);
    if (!ds) throw new Error(`no DaemonSet ${name}`);
    return ds;
  }

  /** Replaces the DaemonSet's spec (as `kubectl apply` would). */
  updateDaemonSet(name: string, mutate: (ds: ReturnType<typeof clone<DaemonSet>>) => void): DaemonSet {
    const ds = clone(this.ds(name));
    mutate(ds);
    return this.store.update(resources.daemonsets, ds);
  }

  /**
   * Creates a pod. `owner` makes it a daemon pod of that DaemonSet; `nodeName` binds it;
   * `createdAt` (ms offset from the clock's start) sets its creation time.
   */
  addPod(options: {
    name: string;
    nodeName?: string;
    targetNode?: string;
    labels?: Record<string, string>;
    owner?: DaemonSet;
    namespace?: string;
    phase?: string;
    ready?: boolean | { since: number };
    hash?: string;
    spec?: Partial<NonNullable<Pod['spec']>>;
  }): Pod {
    const ns = options.namespace ?? 'default';
    const owner = options.owner;
    // Like upstream's newPod: a daemon pod carries its DaemonSet's current template hash by default.
    const hash =
      options.hash ?? (owner ? computeHash(owner.spec?.template, owner.status?.collisionCount) : undefined);
    const pod: Pod = {
      metadata: {
        name: options.name,
        namespace: ns,
        labels: {
          ...(options.labels ?? SIMPLE_DAEMON_LABELS),
          ...(hash ? { 'controller-revision-hash': hash } : {}),
        },
        ...(owner
          ? {
              ownerReferences: [
                {
                  apiVersion: 'apps/v1',
                  kind: 'DaemonSet',
                  name: owner.metadata?.name ?? '',
                  uid: owner.metadata?.uid ?? '',
                  controller: true,
                  blockOwnerDeletion: true,
                },
              ],
            }
          : {}),
      },
      spec: {
        containers: [{ name: 'foo', image: 'foo/bar' }],
        ...(options.nodeName ? { nodeName: options.nodeName } : {}),
        ...(options.targetNode
          ? {
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                      {
                        matchFields: [{ key: 'metadata.name', operator: 'In', values: [options.targetNode] }],
                      },
                    ],
                  },
                },
              },
            }
          : {}),
        ...(options.spec ?? {}),
      },
    };
    let created = this.store.create(resources.pods, pod);
    if (options.phase || options.ready) {
      const since = typeof options.ready === 'object' ? options.ready.since : this.clock.now();
      created = this.store.update(
        resources.pods,
        {
          ...created,
          status: {
            ...created.status,
            phase: options.phase ?? 'Running',
            ...(options.ready
              ? { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(since) }] }
              : {}),
          },
        },
        { subresource: 'status' },
      );
    }
    return created;
  }

  /** Marks pods Ready (since `since`, default now). */
  markReady(pods: readonly Pod[], since = this.clock.now()): void {
    for (const p of pods) {
      const cur = this.store.get(resources.pods, p.metadata?.namespace ?? '', p.metadata?.name ?? '');
      if (!cur) continue;
      this.store.update(
        resources.pods,
        {
          ...cur,
          status: {
            ...cur.status,
            phase: 'Running',
            conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(since) }],
          },
        },
        { subresource: 'status' },
      );
    }
  }

  pods(namespace = 'default'): Pod[] {
    return [...this.store.list(resources.pods, { namespace }).items];
  }

  /** Daemon pods of a DaemonSet that are not being deleted. */
  livePods(ds = 'foo'): Pod[] {
    const uid = this.ds(ds).metadata?.uid;
    return this.pods().filter(
      (p) => !p.metadata?.deletionTimestamp && p.metadata?.ownerReferences?.some((r) => r.uid === uid),
    );
  }

  clearExpectations(name = 'foo'): void {
    this.controller.expectations.deleteExpectations(`default/${name}`);
  }

  /** Lets informers catch up, runs one syncDaemonSet, and counts its creates, deletes and events. */
  async sync(name = 'foo'): Promise<SyncResult> {
    await settle();
    this.client.reset();
    const before = this.recorder.events.length;
    let error: unknown;
    try {
      await this.controller.syncDaemonSet(`default/${name}`);
    } catch (err) {
      error = err;
    }
    const creates = this.client.count('create', resources.pods);
    const deletes = this.client.count('delete', resources.pods);
    const events = this.recorder.events.slice(before).filter((e) => !UNCOUNTED_REASONS.has(e.reason)).length;
    await settle();
    return { creates, deletes, events, error };
  }

  /** Asserts "(creates, deletes, events)" of one sync, like upstream's expectSyncDaemonSets. */
  async expectSync(name: string, creates: number, deletes: number, events: number): Promise<SyncResult> {
    const r = await this.sync(name);
    const got = `(${r.creates},${r.deletes},${r.events})`;
    const want = `(${creates},${deletes},${events})`;
    if (got !== want) {
      throw new Error(
        `sync of ${name}: got ${got}, want ${want}${r.error ? ` (error: ${errorMessage(r.error)})` : ''}`,
      );
    }
    return r;
  }
}
