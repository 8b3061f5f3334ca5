/**
 * The reconcile contract: a request is a key (`namespace/name`), a result is only "requeue after".
 * Reconcilers re-read current state from caches; a missing object means it was deleted.
 */

export interface ReconcileResult {
  /** Process the key again after this many milliseconds (on the controller's clock). */
  readonly requeueAfter?: number;
}

export interface Reconciler {
  reconcile(key: string): Promise<ReconcileResult | void>;
}

/** An error that retrying cannot fix: counted and logged, never re-queued. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}
