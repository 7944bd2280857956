import { CofferError, ErrorKind, TimeoutError, type EngineFigures } from "../../domain/index.js";
import { sleep } from "../../lib/index.js";
import type { Credentials, Engine, EngineHealth, EngineLayout, EngineLook } from "./engine.js";

/** Bounds for one session: connecting, and each statement. */
export interface Timeouts {
  connectMs?: number;
  queryMs?: number;
}

/** The bounds for a health probe: the whole probe stays within `ms`. */
export const probeTimeouts = (ms: number): Timeouts => ({ connectMs: ms, queryMs: ms });

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
  // Short: a starting engine is asked again within a few ms of being able to answer (a failed
  // attempt on a socket that is not there yet costs next to nothing).
  intervalMs = 5,
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

/** One `SELECT 1` as the admin over TCP, within the given bounds. */
export type Ping = (layout: EngineLayout, admin: Credentials, timeouts: Timeouts) => Promise<void>;

/** One query as the admin over TCP that reads the engine's figures, within the given bounds. */
export type ReadFigures = (
  layout: EngineLayout,
  admin: Credentials,
  timeouts: Timeouts,
) => Promise<EngineFigures>;

/**
 * health, observe and waitReady, the same for every engine once it can ping and read its
 * figures: `observe` is the heartbeat's look, one session and one query like `health`.
 */
export function readiness(
  engine: string,
  ping: Ping,
  figures: ReadFigures,
): Pick<Engine, "health" | "observe" | "waitReady"> {
  return {
    health: (layout, admin, timeoutMs = 2000) =>
      healthOf(() => ping(layout, admin, probeTimeouts(timeoutMs))),
    async observe(layout, admin, timeoutMs = 2000): Promise<EngineLook> {
      let read: EngineFigures = {};
      const health = await healthOf(async () => {
        read = await figures(layout, admin, probeTimeouts(timeoutMs));
      });
      return { health, figures: health === "running" ? read : {} };
    },
    async waitReady(layout, admin, timeoutMs) {
      const attempt = () => ping(layout, admin, probeTimeouts(Math.min(1000, timeoutMs)));
      await whileDown(attempt, timeoutMs, `${engine} to accept connections`);
    },
  };
}
