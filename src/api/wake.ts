import { asCofferError } from "../domain/index.js";
import { TASKMANAGER_TOPIC } from "../taskmanager/index.js";
import type { ApiDeps } from "./deps.js";

/**
 * Wakes the task managers after a request recorded a task. Best effort, on purpose: the task is
 * stored (committed with the request's change), and task managers also poll the store for work, so
 * a bus that is away only delays it by a poll. Failing here would answer a 5xx for a request whose
 * record stays behind and goes on to run.
 */
export async function wakeTaskManagers(deps: Pick<ApiDeps, "bus" | "logger">): Promise<void> {
  try {
    await deps.bus.cast(TASKMANAGER_TOPIC, "wake", {});
  } catch (err) {
    const { code, message } = asCofferError(err);
    deps.logger.warn(
      { code, why: message },
      "could not wake the task managers; they find the task at their next poll",
    );
  }
}
