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

export function engineExited(instanceId: string, engine: string, logFile: string): UpstreamError {
  return new UpstreamError(
    "GUEST_ENGINE_EXITED",
    `the ${engine} engine of instance ${instanceId} exited while starting (see its log)`,
    { details: { instanceId, engine, logFile } },
  );
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
