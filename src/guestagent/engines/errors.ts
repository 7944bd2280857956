import { CofferError, UnavailableError, UpstreamError, ValidationError } from "../../domain/index.js";

/**
 * How a driver failure looks from outside, whatever the client library said. Each driver's client
 * file sorts its library's errors into these three; this file turns them into domain errors.
 */
export const EngineFailure = {
  Down: "down", // nothing answered, or the engine is starting or stopping: retry later
  Auth: "auth", // the engine answered and refused the credentials
  Query: "query", // the engine ran the statement and rejected it
} as const;
export type EngineFailure = (typeof EngineFailure)[keyof typeof EngineFailure];

export function engineError(
  engine: string,
  failure: EngineFailure,
  what: string,
  cause: unknown,
): CofferError {
  const why = cause instanceof Error ? cause.message : String(cause);
  const details = { engine };
  switch (failure) {
    case EngineFailure.Down:
      return new UnavailableError("ENGINE_UNAVAILABLE", `${engine} is not answering (${what}): ${why}`, {
        cause,
        details,
      });
    case EngineFailure.Auth:
      return new UpstreamError(
        "ENGINE_AUTH_FAILED",
        `${engine} refused the admin account (${what}): ${why}`,
        {
          cause,
          details,
        },
      );
    case EngineFailure.Query:
      return new UpstreamError("ENGINE_QUERY_FAILED", `${engine} failed to ${what}: ${why}`, {
        cause,
        details,
      });
  }
}

/** An engine tool (initdb, mariadb-install-db, cp) that did not do its job. */
export function engineCommandError(engine: string, what: string, cause: unknown): CofferError {
  if (cause instanceof CofferError) return cause;
  const why = cause instanceof Error ? cause.message : String(cause);
  return new UpstreamError("ENGINE_COMMAND_FAILED", `${engine}: ${what} failed: ${why}`, {
    cause,
    details: { engine },
  });
}

export function layoutError(message: string): ValidationError {
  return new ValidationError("ENGINE_LAYOUT_INVALID", message);
}

export function configError(message: string): ValidationError {
  return new ValidationError("ENGINE_CONFIG_INVALID", message);
}
