import { GuestClient } from "../../guestagent/index.js";
import { defineWorkflow } from "../workflow.js";
import { faultFrom, recordStatus, setInstance } from "./common.js";

export type UpdateAccessData = { isPublic: boolean; allowedCidrs: string[] };

/**
 * PUT access (Trove's update_access): the guest agent gives or takes the public address, sets who
 * may reach it and restarts the engine if its addresses changed; then the instance records what
 * now holds. What users see changes only once it is so.
 */
export const updateAccess = defineWorkflow<UpdateAccessData>({
  kind: "update_access",
  event: "instance.access_changed",
  steps: [
    {
      name: "apply",
      timeoutMs: 180_000,
      async run(ctx) {
        const { isPublic, allowedCidrs } = ctx.data;
        const report = await new GuestClient(ctx.deps.bus, ctx.instanceId).updateAccess({
          isPublic,
          allowedCidrs,
        });
        await recordStatus(ctx, report);
        await ctx.deps.store.instances.update(ctx.instanceId, {
          isPublic,
          allowedCidrs,
          publicAddress: report.publicAddress,
          taskStatus: "NONE",
          fault: null,
          updatedAt: ctx.deps.clock.now(),
        });
      },
    },
  ],
  async onFailure(ctx, error) {
    await setInstance(ctx, {
      taskStatus: "NONE",
      fault: faultFrom(ctx, "Changing the access failed", error),
    });
  },
});
