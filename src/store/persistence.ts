/**
 * Where a store keeps its state between runs. The store holds everything in memory and writes
 * each event-loop turn's changes through `commit` as one batch; `load` restores the state.
 */
import type { KubeObject } from '../api/resources.js';

export interface PersistedChange {
  /** `resource.group` of the object's type. */
  readonly type: string;
  /** `namespace/name` or `name`. */
  readonly key: string;
  /** The new state, or undefined when the object was removed. */
  readonly object: KubeObject | undefined;
  readonly revision: number;
}

export interface PersistedState {
  readonly revision: number;
  readonly objects: ReadonlyArray<{ readonly type: string; readonly object: KubeObject }>;
}

export interface Persistence {
  load(): PersistedState;
  /** Makes a batch durable before returning (it is called once per event-loop turn with writes). */
  commit(changes: readonly PersistedChange[], revision: number): void;
  close(): void;
}

/** Keeps nothing: the memory backend. */
export const memoryPersistence = (): Persistence => ({
  load: () => ({ revision: 0, objects: [] }),
  commit: () => {},
  close: () => {},
});
