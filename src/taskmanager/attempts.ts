import { TimeoutError, UnavailableError, asCofferError, type CofferError } from "../domain/index.js";

/**
 * How the runner tries a piece of work again. Whether to retry is a property of the error
 * (CONVENTIONS §7): a lost bus connection, an unreachable database, a call nobody answered yet
 * are `retryable`; a bad request, an engine that refused its configuration, a step that used up
 * its own timeout are not. Retryable failures are tried again with backoff until they have gone
 * on for `forMs`; only then, or on an error retrying cannot change, does the work fail.
 */
export interface RetryPolicy {
  /** How long retryable failures may go on, from the first one, before the work fails. */
  forMs: number;
  /** Wait between attempts: from min, doubling, up to max. */
  delayMs: { min: number; max: number };
}

export const DEFAULT_RETRY: RetryPolicy = { forMs: 600_000, delayMs: { min: 250, max: 5_000 } };

/** Thrown when the work should end quietly: the task manager is stopping, or another owns the task. */
export class Abandoned extends Error {
  constructor(readonly why: "stopping" | "lost") {
    super(why === "stopping" ? "the task manager is stopping" : "the task is no longer ours");
  }
}

export interface RetryHooks {
  /** Aborted when the task manager stops: the wait ends and Abandoned("stopping") is thrown. */
  signal: AbortSignal;
  /** Told before each wait (for logs). */
  onRetry(err: CofferError, attempt: number, delayMs: number): void;
  /**
   * Asked before each new attempt; false ends the work with Abandoned("lost") (the task was
   * cancelled by a delete, or its lease went to another task manager). A throw counts as yes:
   * the database being away is what we are waiting out.
   */
  stillOurs?: () => Promise<boolean>;
}

/** Runs `fn` until it succeeds, fails with an error that is not retryable, or the policy gives up. */
export async function retrying<T>(fn: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks): Promise<T> {
  let firstFailure: number | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof Abandoned) throw err;
      if (hooks.signal.aborted) throw new Abandoned("stopping");
      const error = asCofferError(err);
      if (!error.retryable) throw error;
      const now = Date.now();
      firstFailure ??= now;
      if (now - firstFailure >= policy.forMs) throw error;
      const delay = Math.min(policy.delayMs.min * 2 ** Math.min(attempt - 1, 16), policy.delayMs.max);
      hooks.onRetry(error, attempt, delay);
      await pause(delay, hooks.signal);
      if (hooks.stillOurs && !(await hooks.stillOurs().catch(() => true))) throw new Abandoned("lost");
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Abandoned("stopping"));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Abandoned("stopping"));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `fn` with a signal that aborts on timeout or on `outer`. A timeout rejects with TimeoutError
 * TASK_STEP_TIMEOUT, which is not retryable: the step had all the time it is given.
 */
export async function withTimeout<T>(
  ms: number,
  outer: AbortSignal,
  what: string,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let onOuter = () => controller.abort();
  // Stopping must not wait for a step that ignores its signal.
  const stopping = new Promise<never>((_, reject) => {
    onOuter = () => {
      controller.abort();
      reject(new UnavailableError("TASK_MANAGER_STOPPING", "the task manager is stopping"));
    };
  });
  stopping.catch(() => undefined);
  if (outer.aborted) onOuter();
  else outer.addEventListener("abort", onOuter, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new TimeoutError(
          "TASK_STEP_TIMEOUT",
          `step ${what} did not finish within ${Math.round(ms / 1000)} s`,
          { retryable: false },
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([fn(controller.signal), timeout, stopping]);
  } finally {
    clearTimeout(timer);
    outer.removeEventListener("abort", onOuter);
  }
}
