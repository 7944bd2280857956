import { UnavailableError, asCofferError } from "../domain/index.js";
import { sleep, type Logger } from "../lib/index.js";

export interface WaitOptions {
  /** When to give up (ms since the epoch); the same deadline covers everything start-up waits for. */
  deadline: number;
  log: Logger;
  /** Between attempts (1 s). */
  intervalMs?: number;
  /** How often to say "still waiting" (15 s). */
  reportEveryMs?: number;
}

/**
 * Start-up in any order: tries `attempt` until it succeeds, waiting out what is not up yet
 * (retryable errors: the database or broker refusing connections, starting up, unreachable), and
 * says so at warn level (first, then every 15 s) so that an operator sees what the process waits
 * for. Gives up at the deadline with UnavailableError STARTUP_WAIT_EXPIRED. Anything that waiting
 * cannot fix (a wrong password, a bad URL, a failed migration) fails at once.
 */
export async function waitForDependency<T>(
  what: string,
  attempt: () => Promise<T>,
  options: WaitOptions,
): Promise<T> {
  const { log, deadline } = options;
  const interval = options.intervalMs ?? 1000;
  const reportEvery = options.reportEveryMs ?? 15_000;
  const started = Date.now();
  let lastReport = 0;
  for (;;) {
    try {
      const value = await attempt();
      if (lastReport > 0) log.info({ waitedMs: Date.now() - started }, `${what} is up; starting`);
      return value;
    } catch (err) {
      const error = asCofferError(err);
      if (!error.retryable) throw error;
      const now = Date.now();
      if (now >= deadline) {
        throw new UnavailableError(
          "STARTUP_WAIT_EXPIRED",
          `gave up after ${Math.round((now - started) / 1000)} s waiting for ${what}: ${error.message}`,
          { cause: err, retryable: false },
        );
      }
      if (lastReport === 0 || now - lastReport >= reportEvery) {
        lastReport = now;
        const left = Math.round((deadline - now) / 1000);
        log.warn({ code: error.code, why: error.message }, `waiting for ${what} (giving up in ${left} s)`);
      }
      await sleep(Math.min(interval, Math.max(0, deadline - now)));
    }
  }
}
