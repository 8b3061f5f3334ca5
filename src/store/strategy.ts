/**
 * Per-kind write semantics, the counterpart of upstream's registry strategies: defaulting,
 * validation, what a create or update may change, mutating admission, and graceful deletion.
 * Strategies are pure apart from reads through the {@link StoreReader} they are given.
 */
import type { KubeObject, MutableObject } from '../api/resources.js';
import type { FieldError } from '../api/errors.js';
import type { StoreReader } from './types.js';
import { clone } from '../util/objects.js';

export interface StrategyContext {
  readonly reader: StoreReader;
  /** Milliseconds since the epoch, from the store's clock. */
  readonly now: number;
}

export interface Strategy {
  /** Returns a defaulted copy (input may be frozen). */
  default(obj: KubeObject): MutableObject;
  /** Mutating admission after defaulting, before validation (e.g. pod priority). May throw an ApiError. */
  admit?(obj: MutableObject, ctx: StrategyContext): MutableObject;
  /** Server-side changes on create (e.g. initial status). Returns a copy. */
  prepareForCreate?(obj: MutableObject, ctx: StrategyContext): MutableObject;
  /** Server-side changes on update of the main resource (given a fresh mutable copy). */
  prepareForUpdate?(obj: MutableObject, old: KubeObject): MutableObject;
  validateCreate(obj: KubeObject): FieldError[];
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
  validateStatusUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /**
   * A write through a subresource other than status (e.g. a pod's `binding`): returns the new
   * object built from the request and the stored object, or throws an ApiError.
   */
  applySubresource?(
    subresource: string,
    input: KubeObject,
    old: KubeObject,
    ctx: StrategyContext,
  ): MutableObject;
  /**
   * Graceful deletion: the grace period to apply for this delete, or 0 to delete at once.
   * Kinds without it delete at once.
   */
  gracePeriodSeconds?(obj: KubeObject, requested: number | undefined): number;
}

export const noopStrategy: Strategy = {
  default: (o) => clone(o),
  validateCreate: () => [],
  validateUpdate: () => [],
};
