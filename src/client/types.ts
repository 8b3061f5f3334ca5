/**
 * The Client contract every controller is written against. Two implementations: in-process over a
 * Store ({@link LocalClient}) and, later, HTTP over @kubernetes/client-node; both pass
 * `client.conformance.ts`. All calls are asynchronous and fail with typed {@link ApiError}s.
 * Selectors travel as strings (the wire format), resourceVersions as decimal strings.
 */
import type { KubeObject, ResourceType } from '../api/resources.js';
import type { PropagationPolicy } from '../store/types.js';

export interface ClientListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface ClientList<T> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
}

export interface ClientWriteOptions {
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
}

export interface ClientDeleteOptions {
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: PropagationPolicy;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: boolean;
}

/** `json` = RFC 6902, `merge` = RFC 7386, `strategic` = strategic merge patch, `apply` = server-side apply. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface ClientWatchOptions extends ClientListOptions {
  /** Start after this resourceVersion; undefined sends the current state as ADDED first. */
  readonly resourceVersion?: string;
  readonly allowBookmarks?: boolean;
}

export interface ClientWatchEvent<T> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  readonly object: T;
}

export interface ClientWatchHandlers<T> {
  onEvent(event: ClientWatchEvent<T>): void;
  /** The watch ended without `stop()`: `err` is an ApiError (e.g. Expired → re-list) or undefined. */
  onClose(err?: unknown): void;
}

export interface ClientWatch {
  stop(): void;
}

export interface Reader {
  /** Throws NotFoundError when absent. */
  get<T extends KubeObject>(type: ResourceType<T>, namespace: string, name: string): Promise<T>;
  list<T extends KubeObject>(type: ResourceType<T>, options?: ClientListOptions): Promise<ClientList<T>>;
}

export interface Writer {
  create<T extends KubeObject>(type: ResourceType<T>, obj: T, options?: ClientWriteOptions): Promise<T>;
  /** Replaces the object; a set `metadata.resourceVersion` makes it conditional (ConflictError). */
  update<T extends KubeObject>(type: ResourceType<T>, obj: T, options?: ClientWriteOptions): Promise<T>;
  patch<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options?: ClientWriteOptions,
  ): Promise<T>;
  /** Returns the object after the call (gone, or marked for deletion). */
  delete<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    options?: ClientDeleteOptions,
  ): Promise<T>;
}

export interface CollectionWriter {
  /** DELETE on a collection: deletes every object matching the list options, each with `options`. */
  deleteCollection<T extends KubeObject>(
    type: ResourceType<T>,
    listOptions: ClientListOptions,
    options?: ClientDeleteOptions,
  ): Promise<void>;
}

export interface StatusWriter {
  updateStatus<T extends KubeObject>(type: ResourceType<T>, obj: T, options?: ClientWriteOptions): Promise<T>;
  patchStatus<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options?: ClientWriteOptions,
  ): Promise<T>;
}

export interface WatchClient {
  watch<T extends KubeObject>(
    type: ResourceType<T>,
    options: ClientWatchOptions,
    handlers: ClientWatchHandlers<T>,
  ): Promise<ClientWatch>;
}

/** Pod subresources used by the scheduler, drain and the kubelet. */
export interface PodSubresources {
  /** POST pods/binding: assigns the pod to a node; Conflict if already bound. */
  bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<void>;
  /** POST pods/eviction: a delete that honours the pod's grace period. */
  evict(namespace: string, podName: string, options?: ClientDeleteOptions): Promise<void>;
}

export interface Client
  extends Reader, Writer, CollectionWriter, StatusWriter, WatchClient, PodSubresources {}
