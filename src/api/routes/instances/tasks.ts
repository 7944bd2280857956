import { randomUUID } from "node:crypto";
import { ConflictError, InvalidStateError, type TaskStatus } from "../../../domain/index.js";
import type { Instance, Repositories } from "../../../store/index.js";
import { withOrigin } from "../../origin.js";

/**
 * Records an instance's new task and the task status users see, in the caller's transaction
 * (the intent is stored with the state; the bus only wakes the task manager). A task still
 * finishing is a busy instance: 422, as Trove answers.
 */
export async function recordTask(
  tx: Repositories,
  instance: Instance,
  kind: string,
  taskStatus: TaskStatus,
  data: Record<string, unknown>,
  now: Date,
): Promise<void> {
  try {
    await tx.tasks.create({
      id: randomUUID(),
      instanceId: instance.id,
      kind,
      data: withOrigin(data),
      createdAt: now,
    });
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
}
