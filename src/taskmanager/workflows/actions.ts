import { GuestClient } from "../../guestagent/index.js";
import { defineWorkflow, type StepContext, type TaskData } from "../workflow.js";
import { awaitHealthy, faultFrom, recordStatus, setInstance } from "./common.js";

/** The instance actions after create: each asks the guest agent, waits as needed, then ends the task. */

const guest = <D extends TaskData>(ctx: StepContext<D>) => new GuestClient(ctx.deps.bus, ctx.instanceId);

async function done<D extends TaskData>(ctx: StepContext<D>): Promise<void> {
  await setInstance(ctx, { taskStatus: "NONE", serverStatus: "ACTIVE", fault: null });
}

/** Failing an action leaves the instance usable and says why (Trove: task NONE regardless). */
function failed(what: string) {
  return async <D extends TaskData>(ctx: StepContext<D>, error: Error) => {
    await setInstance(ctx, { taskStatus: "NONE", fault: faultFrom(ctx, what, error) });
  };
}

export const restartInstance = defineWorkflow({
  kind: "restart_instance",
  event: "instance.restarted",
  steps: [
    {
      name: "restart",
      timeoutMs: 180_000,
      run: async (ctx) => recordStatus(ctx, await guest(ctx).restart()),
    },
    { name: "await_healthy", timeoutMs: 120_000, run: awaitHealthy },
    { name: "done", timeoutMs: 10_000, run: done },
  ],
  onFailure: failed("Restarting the instance failed"),
});

export type ResizeVolumeData = { newSizeGb: number; oldSizeGb: number; projectId: string };

export const resizeVolume = defineWorkflow<ResizeVolumeData>({
  kind: "resize_volume",
  event: "instance.volume_resized",
  steps: [
    {
      name: "grow",
      timeoutMs: 180_000,
      run: async (ctx) => recordStatus(ctx, await guest(ctx).resizeVolume(ctx.data.newSizeGb)),
    },
    {
      name: "record",
      timeoutMs: 10_000,
      async run(ctx) {
        await ctx.deps.store.instances.update(ctx.instanceId, {
          volumeSizeGb: ctx.data.newSizeGb,
          taskStatus: "NONE",
          fault: null,
          updatedAt: ctx.deps.clock.now(),
        });
      },
    },
  ],
  async onFailure(ctx, error) {
    // The API reserved the growth up front; give it back.
    const delta = ctx.data.newSizeGb - ctx.data.oldSizeGb;
    await ctx.deps.store.quotaUsages.free(ctx.data.projectId, "volumes", delta);
    await failed("Resizing the volume failed")(ctx, error);
  },
});

export type ResizeFlavorData = { flavorId: string; ramMb: number; vcpus: number };

export const resizeFlavor = defineWorkflow<ResizeFlavorData>({
  kind: "resize_flavor",
  event: "instance.resized",
  steps: [
    {
      name: "resize",
      timeoutMs: 180_000,
      run: async (ctx) => recordStatus(ctx, await guest(ctx).resizeFlavor(ctx.data.ramMb, ctx.data.vcpus)),
    },
    { name: "await_healthy", timeoutMs: 120_000, run: awaitHealthy },
    {
      name: "record",
      timeoutMs: 10_000,
      async run(ctx) {
        await ctx.deps.store.instances.update(ctx.instanceId, {
          flavorId: ctx.data.flavorId,
          taskStatus: "NONE",
          fault: null,
          updatedAt: ctx.deps.clock.now(),
        });
      },
    },
  ],
  onFailure: failed("Resizing the instance failed"),
});

export const stopInstance = defineWorkflow({
  kind: "stop_instance",
  event: "instance.stopped",
  steps: [
    { name: "stop", timeoutMs: 120_000, run: async (ctx) => recordStatus(ctx, await guest(ctx).stop()) },
    { name: "done", timeoutMs: 10_000, run: done },
  ],
  onFailure: failed("Stopping the database failed"),
});

export const startInstance = defineWorkflow({
  kind: "start_instance",
  event: "instance.started",
  steps: [
    { name: "start", timeoutMs: 180_000, run: async (ctx) => recordStatus(ctx, await guest(ctx).start()) },
    { name: "await_healthy", timeoutMs: 120_000, run: awaitHealthy },
    { name: "done", timeoutMs: 10_000, run: done },
  ],
  onFailure: failed("Starting the database failed"),
});
