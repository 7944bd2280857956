/**
 * The error hierarchy every component throws. Each error has a stable `code` (documented in
 * docs/errors.md) and a `kind` that the API maps to HTTP once (api/faults.ts). Whether an operation
 * may be retried is a property of the error, never a guess from its message.
 */

export const ErrorKind = {
  Validation: "validation", // 400: the request is malformed or names something invalid
  Unauthorized: "unauthorized", // 401: no or bad credentials
  Forbidden: "forbidden", // 403: authenticated, but not allowed
  NotFound: "not_found", // 404
  NotAcceptable: "not_acceptable", // 406: the API version asked for is not served
  Conflict: "conflict", // 409: duplicate or still in use
  InvalidState: "invalid_state", // 422: the resource cannot do this now
  Unprocessable: "unprocessable", // 422: well-formed, but its values cannot be applied (e.g. a config value out of range)
  QuotaExceeded: "quota_exceeded", // 413
  NotImplemented: "not_implemented", // 501
  Unavailable: "unavailable", // 503: a dependency is down; retryable
  Timeout: "timeout", // 504 at the edge; retryable
  Upstream: "upstream", // 500: an engine, the bus or the store failed
  Internal: "internal", // 500: a bug
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

export interface ErrorOptions {
  cause?: unknown;
  /** Overrides the kind's default. */
  retryable?: boolean;
  /** Extra machine-readable facts (never secrets). */
  details?: Record<string, unknown>;
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorKind> = new Set([ErrorKind.Unavailable, ErrorKind.Timeout]);

export class CofferError extends Error {
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    options: ErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(kind);
    this.details = options.details;
  }

  /** A plain-JSON form that survives the message bus; see `fromJSON`. */
  toJSON(): SerializedError {
    return {
      kind: this.kind,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.details ? { details: this.details } : {}),
    };
  }

  static fromJSON(value: SerializedError): CofferError {
    const kind = (Object.values(ErrorKind) as string[]).includes(value.kind)
      ? (value.kind as ErrorKind)
      : ErrorKind.Internal;
    const options: ErrorOptions = { retryable: value.retryable };
    if (value.details) options.details = value.details;
    return new CofferError(kind, value.code, value.message, options);
  }
}

export interface SerializedError {
  kind: string;
  code: string;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}

export class ValidationError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.Validation, code, message, options);
  }
}
export class UnauthorizedError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.Unauthorized, code, message, options);
  }
}
export class ForbiddenError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.Forbidden, code, message, options);
  }
}
export class NotFoundError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.NotFound, code, message, options);
  }
}
export class NotAcceptableError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.NotAcceptable, code, message, options);
  }
}
export class ConflictError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.Conflict, code, message, options);
  }
}
export class InvalidStateError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.InvalidState, code, message, options);
  }
}
export class UnprocessableError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.Unprocessable, code, message, options);
  }
}
export class QuotaExceededError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.QuotaExceeded, code, message, options);
  }
}
export class NotImplementedError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.NotImplemented, code, message, options);
  }
}
export class UnavailableError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.Unavailable, code, message, options);
  }
}
export class TimeoutError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.Timeout, code, message, options);
  }
}
export class UpstreamError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.Upstream, code, message, options);
  }
}
export class InternalError extends CofferError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(ErrorKind.Internal, code, message, options);
  }
}

/** Any thrown value as a CofferError; unknown errors become INTERNAL (their message kept for logs only). */
export function asCofferError(err: unknown): CofferError {
  if (err instanceof CofferError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError("INTERNAL", message, { cause: err });
}
