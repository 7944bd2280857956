import { GuestClient, type Overrides } from "../../guestagent/index.js";
import { defineWorkflow } from "../workflow.js";
import { faultFrom, recordStatus, setInstance } from "./common.js";

export type ApplyConfigurationData = {
  /** The attached group's values, or {} after a detach. */
  overrides: Overrides;
  /** Set by the apply step: whether some value waits for a restart. */
  restartRequired?: boolean;
  /** An attach or detach: the group the instance had before, given back if the apply fails. */
  previousConfigurationId?: string | null;
};

/**
 * Attaching, changing or detaching a configuration group (trove-api.md §5.10): the guest agent
 * checks the values with the engine, writes them and applies what can change at once. The
 * instance then shows RESTART_REQUIRED if some value waits for a restart (the engine says so:
 * PostgreSQL's pending_restart, MariaDB's read-only variables), else it is back to NONE.
 */
export const applyConfiguration = defineWorkflow<ApplyConfigurationData>({
  kind: "apply_configuration",
  event: "instance.configuration_applied",
  steps: [
    {
      name: "apply",
      timeoutMs: 180_000,
      async run(ctx) {
        const report = await new GuestClient(ctx.deps.bus, ctx.instanceId).updateOverrides(
          ctx.data.overrides,
        );
        await recordStatus(ctx, report);
        return { restartRequired: report.restartRequired };
      },
    },
    {
      name: "done",
      timeoutMs: 10_000,
      async run(ctx) {
        const taskStatus = ctx.data.restartRequired ? "RESTART_REQUIRED" : "NONE";
        await setInstance(ctx, { taskStatus, fault: null });
      },
    },
  ],
  // The guest put the previous values back; the instance stays usable and says why, and an
  // attach or detach that did not happen does not show as if it had.
  async onFailure(ctx, error) {
    if (ctx.data.previousConfigurationId !== undefined) {
      await ctx.deps.store.instances.update(ctx.instanceId, {
        configurationId: ctx.data.previousConfigurationId,
        updatedAt: ctx.deps.clock.now(),
      });
    }
    await setInstance(ctx, {
      taskStatus: "NONE",
      fault: faultFrom(ctx, "Applying the configuration group failed", error),
    });
  },
});
