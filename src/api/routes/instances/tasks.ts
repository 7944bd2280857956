import { randomUUID } from "node:crypto";
import { ConflictError, InvalidStateError, TimeoutError, type TaskStatus } from "../../../domain/index.js";
import { sleep } from "../../../lib/index.js";
import type { Instance, Repositories } from "../../../store/index.js";
import { withOrigin } from "../../origin.js";

/**
 * Records an instance's new task and the task status users see, in the caller's transaction
 * (the intent is stored with the state; the bus only wakes the task manager). A task still
 * finishing is a busy instance: 422, as Trove answers. Resolves the task's id.
 */
export async function recordTask(
  tx: Repositories,
  instance: Instance,
  kind: string,
  taskStatus: TaskStatus,
  data: Record<string, unknown>,
  now: Date,
): Promise<string> {
  const id = randomUUID();
  try {
    await tx.tasks.create({ id, instanceId: instance.id, kind, data: withOrigin(data), createdAt: now });
  } catch (err) {
    if (err instanceof ConflictError && err.code === "TASK_ACTIVE") {
      throw new InvalidStateError(
        "INSTANCE_BUSY",
        `Instance ${instance.id} is not currently available for an action to be performed (a task is still running).`,
      );
    }
    throw err;
  }
  await tx.instances.update(instance.id, { taskStatus, updatedAt: now });
  return id;
}

/**
 * Waits until these tasks have ended, for requests that answer only once their work is done (as
 * upstream's blocking guest calls do). The store is the truth, so this works whichever process
 * runs the task. A task that failed is an error naming why (`failure` builds it).
 */
export async function awaitTasks(
  repos: Repositories,
  ids: readonly string[],
  options: { timeoutMs: number; failure: (error: string) => Error },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let interval = 10;
  for (const id of ids) {
    for (;;) {
      const task = await repos.tasks.get(id);
      if (!task || task.state === "succeeded" || task.state === "cancelled") break;
      if (task.state === "failed") throw options.failure(task.error ?? "the task failed");
      if (Date.now() >= deadline) {
        throw new TimeoutError("TASK_WAIT_TIMEOUT", `The task ${id} did not end in time; it goes on.`);
      }
      await sleep(interval);
      interval = Math.min(100, interval * 2);
    }
  }
}
