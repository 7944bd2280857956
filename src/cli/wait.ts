import { TimeoutError, UpstreamError } from "../domain/index.js";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * `--wait`: polls an instance until it is ACTIVE (or, after a delete, gone), reporting each status
 * change with the time since the wait began. ERROR ends the wait with the instance's fault
 * message; so does running out of time.
 */

/** The part of the instance view the wait reads. */
export interface InstanceStatus {
  id: string;
  status: string;
  fault?: { message?: string } | null;
}

export interface WaitOptions {
  /** "active": until status ACTIVE; "gone": until the instance is no longer found. */
  until: "active" | "gone";
  timeoutMs: number;
  intervalMs?: number;
  /** Called with one line per status change (the command writes it to stderr). */
  progress: (line: string) => void;
  /** The status already known when the wait begins (e.g. from the create answer), reported first. */
  initialStatus?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * `get` returns the instance, or undefined once it is gone (a 404). Resolves with the last view
 * (undefined for "gone").
 */
export async function waitForInstance<T extends InstanceStatus>(
  get: () => Promise<T | undefined>,
  options: WaitOptions,
): Promise<T | undefined> {
  const now = options.now ?? Date.now;
  const pause = options.sleep ?? ((ms: number) => sleep(ms));
  const interval = options.intervalMs ?? 500;
  const start = now();
  const elapsed = () => `${((now() - start) / 1000).toFixed(1)}s`;
  let last: string | undefined;
  if (options.initialStatus !== undefined) {
    options.progress(`[${elapsed().padStart(7)}] ${options.initialStatus}`);
    last = options.initialStatus;
  }
  for (;;) {
    const instance = await get();
    const status = instance?.status ?? "DELETED";
    if (status !== last) {
      options.progress(`[${elapsed().padStart(7)}] ${status}`);
      last = status;
    }
    if (instance === undefined) {
      if (options.until === "gone") return undefined;
      throw new UpstreamError("INSTANCE_GONE", "The instance disappeared while waiting for it.");
    }
    if (status === "ERROR") {
      const why = instance.fault?.message;
      throw new UpstreamError(
        "INSTANCE_ERROR",
        `Instance ${instance.id} went to ERROR${why ? `: ${why}` : "."}`,
      );
    }
    if (status === "ACTIVE" && options.until === "active") return instance;
    if (now() - start >= options.timeoutMs) {
      const goal = options.until === "active" ? "become ACTIVE" : "be deleted";
      throw new TimeoutError(
        "WAIT_TIMEOUT",
        `Timed out after ${elapsed()} waiting for instance ${instance.id} to ${goal} (status: ${status}).`,
      );
    }
    await pause(interval);
  }
}
