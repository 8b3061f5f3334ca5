/**
 * A Client that calls a hook before every write and passes reads and watches through. The hook
 * may throw to refuse the write. Operator mode fences its client on "this replica holds the lease"
 * (a replica that lost the lease cannot write, even from a sync already in flight); benchmarks
 * count a controller's writes.
 */
import { ApiError } from '../api/errors.js';
import type { KubeObject, ResourceType } from '../api/resources.js';
import { resources } from '../api/resources.js';
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
} from './types.js';

export type WriteVerb =
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'updateStatus'
  | 'patchStatus'
  | 'bind'
  | 'evict';

export type WriteHook = (verb: WriteVerb, type: ResourceType) => void;

export class WriteHookClient implements Client {
  constructor(
    private readonly inner: Client,
    private readonly hook: WriteHook,
  ) {}

  get<T extends KubeObject>(type: ResourceType<T>, namespace: string, name: string): Promise<T> {
    return this.inner.get(type, namespace, name);
  }
  list<T extends KubeObject>(type: ResourceType<T>, options?: ClientListOptions): Promise<ClientList<T>> {
    return this.inner.list(type, options);
  }
  watch<T extends KubeObject>(
    type: ResourceType<T>,
    options: ClientWatchOptions,
    handlers: ClientWatchHandlers<T>,
  ): Promise<ClientWatch> {
    return this.inner.watch(type, options, handlers);
  }
  async create<T extends KubeObject>(
    type: ResourceType<T>,
    obj: T,
    options?: ClientWriteOptions,
  ): Promise<T> {
    this.hook('create', type);
    return this.inner.create(type, obj, options);
  }
  async update<T extends KubeObject>(
    type: ResourceType<T>,
    obj: T,
    options?: ClientWriteOptions,
  ): Promise<T> {
    this.hook('update', type);
    return this.inner.update(type, obj, options);
  }
  async patch<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options?: ClientWriteOptions,
  ): Promise<T> {
    this.hook('patch', type);
    return this.inner.patch(type, namespace, name, patchType, patch, options);
  }
  async delete<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    options?: ClientDeleteOptions,
  ): Promise<T> {
    this.hook('delete', type);
    return this.inner.delete(type, namespace, name, options);
  }
  async deleteCollection<T extends KubeObject>(
    type: ResourceType<T>,
    listOptions: ClientListOptions,
    options?: ClientDeleteOptions,
  ): Promise<void> {
    this.hook('deletecollection', type);
    return this.inner.deleteCollection(type, listOptions, options);
  }
  async updateStatus<T extends KubeObject>(
    type: ResourceType<T>,
    obj: T,
    options?: ClientWriteOptions,
  ): Promise<T> {
    this.hook('updateStatus', type);
    return this.inner.updateStatus(type, obj, options);
  }
  async patchStatus<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options?: ClientWriteOptions,
  ): Promise<T> {
    this.hook('patchStatus', type);
    return this.inner.patchStatus(type, namespace, name, patchType, patch, options);
  }
  async bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void> {
    this.hook('bind', resources.pods);
    return this.inner.bind(namespace, podName, nodeName, podUid);
  }
  async evict(namespace: string, podName: string, options?: ClientDeleteOptions): Promise<void> {
    this.hook('evict', resources.pods);
    return this.inner.evict(namespace, podName, options);
  }
}

/** A client whose writes fail with 503 ServiceUnavailable while `allowed()` is false. */
export function fencedClient(inner: Client, allowed: () => boolean, why: string): Client {
  return new WriteHookClient(inner, () => {
    if (!allowed())
      throw new ApiError({ reason: 'ServiceUnavailable', code: 503, message: `write refused: ${why}` });
  });
}
