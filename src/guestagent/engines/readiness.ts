import { CofferError, ErrorKind, TimeoutError } from "../../domain/index.js";
import { sleep } from "../../lib/index.js";
import type { EngineHealth } from "./engine.js";

function isDown(err: unknown): boolean {
  return err instanceof CofferError && err.kind === ErrorKind.Unavailable;
}

/** "running" when the query works, "down" when nothing answers; any other failure is thrown. */
export async function healthOf(query: () => Promise<void>): Promise<EngineHealth> {
  try {
    await query();
    return "running";
  } catch (err) {
    if (isDown(err)) return "down";
    throw err;
  }
}

/**
 * Repeats `attempt` while the engine is down (starting up), until it succeeds or the deadline
 * passes. Other errors (a refused password, a failed statement) end the wait at once: waiting
 * would not fix them.
 */
export async function whileDown<T>(
  attempt: () => Promise<T>,
  timeoutMs: number,
  what: string,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!isDown(err)) throw err;
      if (Date.now() >= deadline) {
        throw new TimeoutError("ENGINE_START_TIMEOUT", `timed out after ${timeoutMs} ms waiting to ${what}`, {
          cause: err,
        });
      }
    }
    await sleep(intervalMs);
  }
}
