/**
 * The `Store` contract: a revisioned object store with Kubernetes write semantics. Every backend
 * (memory now, SQLite later) is run through `store.conformance.ts`.
 *
 * Contract in brief:
 * - One global revision, incremented by every committed write; each object carries the revision of
 *   its last write as `metadata.resourceVersion` (a decimal string).
 * - Objects handed out are deep-frozen and shared: never mutate them; copy (`clone`) to write.
 * - Writes are synchronous and atomic per object. `flush()` resolves once every write made so far
 *   is durable (immediately for the memory backend).
 * - Watches replay from any revision still in the retained window, then stream; an older revision
 *   throws {@link ExpiredError}. Delivery is asynchronous (never inside the writer's call) and
 *   bounded: a watcher that falls too far behind is closed and must re-list.
 */
import type { KubeObject, ResourceType } from '../api/resources.js';
import type { Selector } from '../api/labels.js';
import type { FieldSelector } from '../api/fields.js';

export interface ListOptions {
  /** Restrict to one namespace ('' or undefined = all namespaces). */
  readonly namespace?: string;
  readonly labelSelector?: Selector;
  readonly fieldSelector?: FieldSelector;
}

export interface ListResult<T> {
  readonly items: readonly T[];
  /** The store revision the list was taken at: watch from here to see every later change. */
  readonly revision: number;
}

export interface WriteOptions {
  /** Validate and compute the result, but commit nothing (`dryRun=All`). */
  readonly dryRun?: boolean;
}

export interface UpdateOptions extends WriteOptions {
  /**
   * `status` writes only the status; a main-resource write never changes the status. Any other
   * name (e.g. `binding` for pods) is handed to the kind's strategy (`applySubresource`).
   */
  readonly subresource?: string;
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface DeleteOptions extends WriteOptions {
  /** Seconds before a graceful deletion completes; 0 deletes at once. Default: per kind (pods: spec value). */
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly propagationPolicy?: PropagationPolicy;
}

export interface DeleteResult<T> {
  /** The object as it is after the call: removed (final state) or marked with a deletionTimestamp. */
  readonly object: T;
  /** True when the object is gone from the store; false when deletion is pending (grace, finalizers). */
  readonly deleted: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T = KubeObject> {
  readonly type: WatchEventType;
  /** For DELETED the last state, with the deletion's resourceVersion. For BOOKMARK only metadata.resourceVersion. */
  readonly object: T;
}

export interface WatchOptions extends ListOptions {
  /**
   * Start after this revision. Undefined: the current state is sent as ADDED events first, then
   * changes stream (Kubernetes' "get state and start at most recent").
   */
  readonly resourceVersion?: number;
  /** Deliver BOOKMARK events when {@link Store.bookmark} is called. */
  readonly allowBookmarks?: boolean;
}

export interface WatchHandlers<T> {
  /** Called with events in revision order, outside the writer's call stack. */
  onEvent(event: WatchEvent<T>): void;
  /** Called once when the store ends the watch (store closed, watcher too slow). Not called after `stop()`. */
  onClose?(reason: string): void;
}

export interface WatchHandle {
  stop(): void;
}

/** Reads the store makes available to admission plugins and strategies. */
export interface StoreReader {
  get<T extends KubeObject>(type: ResourceType<T>, namespace: string, name: string): T | undefined;
  list<T extends KubeObject>(type: ResourceType<T>, options?: ListOptions): ListResult<T>;
}

export interface Store extends StoreReader {
  /** The revision of the last committed write. */
  revision(): number;
  create<T extends KubeObject>(type: ResourceType<T>, obj: T, options?: WriteOptions): T;
  /**
   * Replaces an object. If `obj.metadata.resourceVersion` is set it must equal the stored one
   * (else ConflictError). Server-managed metadata (uid, creationTimestamp, generation, deletion
   * fields) is kept from the stored object.
   */
  update<T extends KubeObject>(type: ResourceType<T>, obj: T, options?: UpdateOptions): T;
  delete<T extends KubeObject>(
    type: ResourceType<T>,
    namespace: string,
    name: string,
    options?: DeleteOptions,
  ): DeleteResult<T>;
  watch<T extends KubeObject>(
    type: ResourceType<T>,
    options: WatchOptions,
    handlers: WatchHandlers<T>,
  ): WatchHandle;
  /** Sends a BOOKMARK with the current revision to every watcher that allows bookmarks. */
  bookmark(): void;
  /** Resolves when all writes so far are durable. */
  flush(): Promise<void>;
  /** Ends every watch and releases the backend. */
  close(): void;
}
