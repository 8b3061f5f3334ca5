/**
 * The one error catalogue of everynode. Every failure that a Kubernetes client could observe is an
 * {@link ApiError} carrying the Kubernetes `reason`, HTTP `code` and optional field causes; the API
 * server turns it into a `Status` body in one place ({@link toStatus}).
 */
import type { Status, StatusCause } from 'kubernetes-types/meta/v1.js';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'Timeout'
  | 'ServiceUnavailable';

/** The group/kind/name an error is about, as in `Status.details`. */
export interface ErrorSubject {
  readonly group?: string;
  readonly kind?: string;
  readonly name?: string;
}

export interface ApiErrorInit extends ErrorSubject {
  readonly reason: StatusReason;
  readonly code: number;
  readonly message: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

/** A failure with a Kubernetes reason. Subclasses exist for the reasons code branches on. */
export class ApiError extends Error {
  readonly reason: StatusReason;
  readonly code: number;
  readonly subject: ErrorSubject;
  readonly causes: readonly StatusCause[];
  readonly retryAfterSeconds: number | undefined;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.name = `${init.reason}Error`;
    this.reason = init.reason;
    this.code = init.code;
    this.subject = {
      ...(init.group !== undefined ? { group: init.group } : {}),
      ...(init.kind !== undefined ? { kind: init.kind } : {}),
      ...(init.name !== undefined ? { name: init.name } : {}),
    };
    this.causes = init.causes ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** `resource.group` as Kubernetes prints it in messages (`daemonsets.apps`, `pods`). */
export function qualifiedResource(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

export class NotFoundError extends ApiError {
  constructor(resource: string, group: string, name: string) {
    super({
      reason: 'NotFound',
      code: 404,
      message: `${qualifiedResource(resource, group)} "${name}" not found`,
      group,
      kind: resource,
      name,
    });
  }
}

export class AlreadyExistsError extends ApiError {
  constructor(resource: string, group: string, name: string) {
    super({
      reason: 'AlreadyExists',
      code: 409,
      message: `${qualifiedResource(resource, group)} "${name}" already exists`,
      group,
      kind: resource,
      name,
    });
  }
}

export class ConflictError extends ApiError {
  constructor(resource: string, group: string, name: string, detail?: string) {
    super({
      reason: 'Conflict',
      code: 409,
      message: `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${
        detail ??
        'the object has been modified; please apply your changes to the latest version and try again'
      }`,
      group,
      kind: resource,
      name,
    });
  }
}

/** A watch or list asked for a resourceVersion older than the retained window (HTTP 410). */
export class ExpiredError extends ApiError {
  constructor(requested: number, oldest: number) {
    super({ reason: 'Expired', code: 410, message: `too old resource version: ${requested} (${oldest})` });
  }
}

export class BadRequestError extends ApiError {
  constructor(message: string) {
    super({ reason: 'BadRequest', code: 400, message });
  }
}

export class ForbiddenError extends ApiError {
  constructor(message: string, subject: ErrorSubject = {}) {
    super({ reason: 'Forbidden', code: 403, message, ...subject });
  }
}

/**
 * Upstream's `NewForbidden(groupResource, name, err)`: `daemonsets.apps "web" is forbidden: <err>`,
 * `pods is forbidden: <err>` without a name, and `forbidden: <err>` when there is no resource
 * (non-resource URLs), with details `{name, group, kind: resource}`.
 */
export function forbidden(resource: string, group: string, name: string, detail: string): ForbiddenError {
  if (resource === '' && group === '') return new ForbiddenError(`forbidden: ${detail}`);
  const qr = qualifiedResource(resource, group);
  const message = name === '' ? `${qr} is forbidden: ${detail}` : `${qr} "${name}" is forbidden: ${detail}`;
  return new ForbiddenError(message, { group, kind: resource, ...(name !== '' ? { name } : {}) });
}

export class InternalError extends ApiError {
  constructor(message: string) {
    super({ reason: 'InternalError', code: 500, message: `Internal error occurred: ${message}` });
  }
}

export class TooManyRequestsError extends ApiError {
  constructor(message: string, retryAfterSeconds = 1) {
    super({ reason: 'TooManyRequests', code: 429, message, retryAfterSeconds });
  }
}

// ---------------------------------------------------------------------------------------------
// Field errors (k8s.io/apimachinery/pkg/util/validation/field): the causes of an Invalid error.

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueNotFound'
  | 'FieldValueTypeInvalid';

/** One validation failure at a field path, rendered the way the apiserver renders it. */
export interface FieldError {
  readonly type: FieldErrorType;
  readonly field: string;
  /** The cause message, e.g. `Invalid value: "x": must be no more than 63 characters`. */
  readonly message: string;
}

/** Formats a value as Go's `%v`-ish rendering used in field errors: strings quoted, the rest JSON. */
export function formatFieldValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null || value === undefined) return 'null';
  return JSON.stringify(value);
}

export const fieldErrors = {
  required(field: string, detail = ''): FieldError {
    return {
      type: 'FieldValueRequired',
      field,
      message: detail ? `Required value: ${detail}` : 'Required value',
    };
  },
  invalid(field: string, value: unknown, detail: string): FieldError {
    return {
      type: 'FieldValueInvalid',
      field,
      message: `Invalid value: ${formatFieldValue(value)}${detail ? `: ${detail}` : ''}`,
    };
  },
  notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
    const list = supported.map((s) => JSON.stringify(s)).join(', ');
    return {
      type: 'FieldValueNotSupported',
      field,
      message: `Unsupported value: ${formatFieldValue(value)}${list ? `: supported values: ${list}` : ''}`,
    };
  },
  forbidden(field: string, detail: string): FieldError {
    return { type: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
  },
  duplicate(field: string, value: unknown): FieldError {
    return { type: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatFieldValue(value)}` };
  },
  tooLong(field: string, max: number): FieldError {
    return { type: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes` };
  },
  tooMany(field: string, actual: number, max: number): FieldError {
    return {
      type: 'FieldValueTooMany',
      field,
      message: `Too many: ${actual}: must have at most ${max} items`,
    };
  },
  notFound(field: string, value: unknown): FieldError {
    return { type: 'FieldValueNotFound', field, message: `Not found: ${formatFieldValue(value)}` };
  },
  typeInvalid(field: string, value: unknown, detail: string): FieldError {
    return {
      type: 'FieldValueTypeInvalid',
      field,
      message: `Invalid value: ${formatFieldValue(value)}: ${detail}`,
    };
  },
};

/** `spec.selector: Required value` — one field error as a line of a message. */
export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${e.message}`;
}

/** The 422 `Invalid` error for a list of field errors, with upstream's message layout. */
export class InvalidError extends ApiError {
  readonly fieldErrors: readonly FieldError[];
  constructor(kind: string, group: string, name: string, errs: readonly FieldError[]) {
    const parts = errs.map(fieldErrorString);
    const body = parts.length === 1 ? (parts[0] ?? '') : `[${parts.join(', ')}]`;
    super({
      reason: 'Invalid',
      code: 422,
      message: `${group === '' ? kind : `${kind}.${group}`} "${name}" is invalid: ${body}`,
      group,
      kind,
      name,
      causes: errs.map((e) => ({ reason: e.type, message: e.message, field: e.field })),
    });
    this.fieldErrors = errs;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.reason === 'NotFound';
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.reason === 'AlreadyExists';
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.reason === 'Conflict';
}

export function isExpired(err: unknown): boolean {
  return err instanceof ApiError && (err.reason === 'Expired' || err.reason === 'Gone');
}

/** The one mapping point from any thrown value to a Kubernetes `Status` body. */
export function toStatus(err: unknown): Status {
  const e =
    err instanceof ApiError ? err : new InternalError(err instanceof Error ? err.message : String(err));
  const details: NonNullable<Status['details']> = {};
  if (e.subject.name !== undefined) details.name = e.subject.name;
  if (e.subject.group !== undefined) details.group = e.subject.group;
  if (e.subject.kind !== undefined) details.kind = e.subject.kind;
  if (e.causes.length > 0) details.causes = [...e.causes];
  if (e.retryAfterSeconds !== undefined) details.retryAfterSeconds = e.retryAfterSeconds;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: e.message,
    reason: e.reason,
    ...(Object.keys(details).length > 0 ? { details } : {}),
    code: e.code,
  };
}

/** Rebuilds an {@link ApiError} from a `Status` body received over the wire. */
export function fromStatus(status: Status, httpCode?: number): ApiError {
  const reason = (status.reason ?? 'InternalError') as StatusReason;
  const d = status.details;
  return new ApiError({
    reason,
    code: status.code ?? httpCode ?? 500,
    message: status.message ?? reason,
    ...(d?.group !== undefined ? { group: d.group } : {}),
    ...(d?.kind !== undefined ? { kind: d.kind } : {}),
    ...(d?.name !== undefined ? { name: d.name } : {}),
    ...(d?.causes ? { causes: d.causes } : {}),
    ...(d?.retryAfterSeconds !== undefined ? { retryAfterSeconds: d.retryAfterSeconds } : {}),
  });
}
