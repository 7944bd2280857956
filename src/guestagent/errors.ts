import { CofferError, InvalidStateError, UpstreamError, ValidationError } from "../domain/index.js";

/** The guest and host agents' own error codes (the engines' and the provider's pass through as they are). */

export function argsError(method: string, message: string): ValidationError {
  return new ValidationError("GUEST_ARGS_INVALID", `${method}: ${message}`);
}

export function notPrepared(instanceId: string, method: string): InvalidStateError {
  return new InvalidStateError(
    "GUEST_NOT_PREPARED",
    `instance ${instanceId} has not been prepared; ${method} needs a prepared instance`,
  );
}

export function closedError(instanceId: string): InvalidStateError {
  return new InvalidStateError(
    "GUEST_AGENT_CLOSED",
    `the guest agent of instance ${instanceId} is shutting down or was destroyed`,
    { retryable: true },
  );
}

/**
 * The engine ended before it accepted connections. The message quotes the engine's own reasons
 * (users cannot read its log); the log files' paths are for operators, in the details.
 */
export function engineExited(
  instanceId: string,
  engine: string,
  engineSays: readonly string[],
  logFiles: readonly string[],
): UpstreamError {
  const why =
    engineSays.length > 0
      ? `: ${engineSays.join("; ")}`
      : " without logging a reason (an operator can read its log)";
  return new UpstreamError(
    "GUEST_ENGINE_EXITED",
    `the ${engine} engine of instance ${instanceId} exited while starting${why}`,
    {
      details: { instanceId, engine, engineSays, logFiles },
    },
  );
}

/** The engine runs but did not accept connections in time: the wait's own error, with what the engine said meanwhile. */
export function engineStartTimeout(err: unknown, engineSays: readonly string[]): unknown {
  if (!(err instanceof CofferError) || engineSays.length === 0) return err;
  return new CofferError(err.kind, err.code, `${err.message}; the engine says: ${engineSays.join("; ")}`, {
    cause: err,
    retryable: err.retryable,
    details: { ...err.details, engineSays },
  });
}

/**
 * The same error, its message saying which step of which operation failed. Kind, code and
 * retryability are kept, so that callers still decide by them.
 */
export function duringStep(err: unknown, instanceId: string, operation: string, step: string): CofferError {
  const why = err instanceof Error ? err.message : String(err);
  const message = `${operation} of instance ${instanceId} failed while ${step}: ${why}`;
  if (err instanceof CofferError) {
    return new CofferError(err.kind, err.code, message, {
      cause: err,
      retryable: err.retryable,
      details: { ...err.details, instanceId, step },
    });
  }
  return new UpstreamError("GUEST_OPERATION_FAILED", message, { cause: err, details: { instanceId, step } });
}
