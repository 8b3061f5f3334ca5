/**
 * The in-process Client: the Client contract served straight from a Store, with the same error
 * types and asynchronous behaviour an HTTP client has, so controllers cannot tell the difference.
 */
import type { KubeObject, ResourceType } from '../api/resources.js';
import { resources } from '../api/resources.js';
import { ApiError, NotFoundError, isNotFound } from '../api/errors.js';
import { parseSelector } from '../api/labels.js';
import { parseFieldSelector } from '../api/fields.js';
import { patchObject } from '../store/patch-object.js';
import type { ListOptions, Store, UpdateOptions, WatchEvent } from '../store/types.js';
import type {
  Client,
  ClientDeleteOptions,
  ClientList,
  ClientListOptions,
  ClientWatch,
  ClientWatchEvent,
  ClientWatchHandlers,
  ClientWatchOptions,
  ClientWriteOptions,
  PatchType,
} from './types.js';

/** Turns wire-format list options into store options (parse errors are BadRequest). */
export function toStoreListOptions(options: ClientListOptions = {}): ListOptions {
  return {
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.labelSelector ? { labelSelector: parseSelector(options.labelSelector) } : {}),
    ...(options.fieldSelector ? { fieldSelector: parseFieldSelector(options.fieldSelector) } : {}),
  };
}

export class LocalClient implements Client {
  constructor(private readonly store: Store) {}

  get<T extends KubeObject>(type: ResourceType<T>, namespace: string, name: string): Promise<T> {
    const obj = this.store.get(type, namespace, name);
    return obj ? Promise.resolve(obj) : Promise.reject(new NotFoundError(type.resource, type.group, name));
  }

  list<T extends KubeObject>(type: ResourceType<T>, options?: ClientListOptions): Promise<ClientList<T>> {
    return this.run(() => {
      const r = this.store.list(type, toStoreListOptions(options));
      return { items: r.items, resourceVersion: String(r.revision) };
    });
  }

  // The writes every component makes per pod call the store directly, without a closure for run.
  create<T extends KubeObject>(type: ResourceType<T>, obj: T, options: ClientWriteOptions = {}): Promise<T> {
    try {
      return Promise.resolve(this.store.create(type, obj, options.dryRun ? DRY_RUN : WRITE));
    } catch (err) {
      return rejected(err);
    }
  }

  update<T extends KubeObject>(type: ResourceType<T>, obj: T, options: ClientWriteOptions = {}): Promise<T> {
    try {
      return Promise.resolve(this.store.update(type, obj, options.dryRun ? DRY_RUN : WRITE));
    } catch (err) {
      return rejected(err);
    }
  }

  updateStatus<T extends KubeObject>(
    type: ResourceType<T>,
    obj: T,
    options: ClientWriteOptions = {},
  ): Promise<T> {
    try {
      return Promise.resolve(this.store.update(type, obj, options.dryRun ? DRY_RUN_STATUS : STATUS));
    } catch (err) {
      return rejected(err);
    }
  }

  patch<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: ClientWriteOptions = {},
  ): Promise<T> {
    return this.run(() => this.patchNow(type, namespace, name, patchType, patch, options, undefined));
  }

  patchStatus<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: ClientWriteOptions = {},
  ): Promise<T> {
    return this.run(() => this.patchNow(type, namespace, name, patchType, patch, options, 'status'));
  }

  delete<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    options: ClientDeleteOptions = {},
  ): Promise<T> {
    return this.run(() => this.store.delete(type, namespace, name, options).object);
  }

  deleteCollection<T extends KubeObject>(
    type: ResourceType<T>,
    listOptions: ClientListOptions,
    options: ClientDeleteOptions = {},
  ): Promise<void> {
    return this.run(() => {
      for (const obj of this.store.list(type, toStoreListOptions(listOptions)).items) {
        const m = obj.metadata ?? {};
        try {
          this.store.delete(type, m.namespace ?? '', m.name ?? '', options);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    });
  }

  watch<T extends KubeObject>(
    type: ResourceType<T>,
    options: ClientWatchOptions,
    handlers: ClientWatchHandlers<T>,
  ): Promise<ClientWatch> {
    return this.run(() => {
      const rv = options.resourceVersion;
      const revision = rv === undefined || rv === '' || rv === '0' ? undefined : Number(rv);
      if (revision !== undefined && !Number.isInteger(revision)) {
        throw new ApiError({ reason: 'BadRequest', code: 400, message: `invalid resource version: ${rv}` });
      }
      const handle = this.store.watch(
        type,
        {
          ...toStoreListOptions(options),
          ...(revision !== undefined ? { resourceVersion: revision } : {}),
          ...(options.allowBookmarks ? { allowBookmarks: true } : {}),
        },
        {
          // The store builds each event for this watcher alone: it is handed on as it is.
          onEvent: (ev) => {
            if (isClientEvent(ev)) handlers.onEvent(ev);
          },
          onClose: (reason) =>
            handlers.onClose(new ApiError({ reason: 'Expired', code: 410, message: reason })),
        },
      );
      return { stop: () => handle.stop() };
    });
  }

  bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void> {
    try {
      this.store.update(
        resources.pods,
        {
          metadata: podUid ? { name: podName, namespace, uid: podUid } : { name: podName, namespace },
          spec: { nodeName, containers: [] },
        },
        BINDING,
      );
      return Promise.resolve();
    } catch (err) {
      return rejected(err);
    }
  }

  evict(namespace: string, podName: string, options: ClientDeleteOptions = {}): Promise<void> {
    return this.run(() => {
      this.store.delete(resources.pods, namespace, podName, options);
    });
  }

  private patchNow<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: ClientWriteOptions,
    subresource: 'status' | undefined,
  ): T {
    return patchObject(this.store, type, namespace, name, patchType, patch, {
      ...dry(options),
      ...(subresource ? { subresource } : {}),
    }).object;
  }

  /** Runs a synchronous store call as an asynchronous client call (errors become rejections). */
  private run<R>(fn: () => R): Promise<R> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return rejected(err);
    }
  }
}

function isClientEvent<T>(ev: WatchEvent<T>): ev is WatchEvent<T> & ClientWatchEvent<T> {
  return ev.type !== 'ERROR';
}

/** Store options of the common writes, shared (the store only reads them). */
const WRITE: UpdateOptions = Object.freeze({});
const DRY_RUN: UpdateOptions = Object.freeze({ dryRun: true });
const STATUS: UpdateOptions = Object.freeze({ subresource: 'status' });
const DRY_RUN_STATUS: UpdateOptions = Object.freeze({ dryRun: true, subresource: 'status' });
const BINDING: UpdateOptions = Object.freeze({ subresource: 'binding' });

function rejected<R>(err: unknown): Promise<R> {
  return Promise.reject(err instanceof Error ? err : new Error(String(err)));
}

function dry(options: ClientWriteOptions): { dryRun?: boolean } {
  return options.dryRun ? { dryRun: true } : {};
}
