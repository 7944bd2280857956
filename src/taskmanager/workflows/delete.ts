import { HostClient } from "../../guestagent/index.js";
import { defineWorkflow } from "../workflow.js";
import { faultFrom, setInstance } from "./common.js";

export type DeleteData = { host: string | null; volumeSizeGb: number; ramMb: number; projectId: string };

/**
 * Removes the engine, volume and address (the host does it idempotently), then marks the instance
 * deleted and gives back its quota — once, however often the step runs.
 */
export const deleteInstance = defineWorkflow<DeleteData>({
  kind: "delete_instance",
  event: "instance.deleted",
  steps: [
    {
      name: "destroy",
      timeoutMs: 120_000,
      async run({ instanceId, data, deps }) {
        // The host known when the delete was asked, else the one recorded since: a create that was
        // still placing then has recorded its host by now (intent is recorded before provisioning).
        const host =
          data.host ?? (await deps.store.instances.get(instanceId, { includeDeleted: true }))?.host ?? null;
        if (host) await new HostClient(deps.bus, host).destroy(instanceId);
      },
    },
    {
      name: "mark_deleted",
      timeoutMs: 10_000,
      async run({ instanceId, data, deps }) {
        const now = deps.clock.now();
        await deps.store.transaction(async (tx) => {
          if (!(await tx.instances.markDeleted(instanceId, now))) return;
          await tx.serviceStatuses.set(instanceId, "deleted", now);
          await tx.quotaUsages.free(data.projectId, "instances", 1);
          await tx.quotaUsages.free(data.projectId, "volumes", data.volumeSizeGb);
          if (data.ramMb > 0) await tx.quotaUsages.free(data.projectId, "ram", data.ramMb);
        });
      },
    },
  ],
  async onFailure(ctx, error) {
    // The user can try again: delete is allowed from ERROR.
    await setInstance(ctx, {
      taskStatus: "NONE",
      serverStatus: "ERROR",
      fault: faultFrom(ctx, "Deleting the instance failed", error),
    });
  },
});
