import type { Command } from "commander";
import { addWaitFlags, apiCommand, apiContext, waitFlags, type ApiContext } from "./api-command.js";
import { positiveInt } from "./args.js";
import { awaitInstance } from "./instance-view.js";
import { findFlavor, findInstance, flavorId } from "./lookup.js";

/**
 * `coffer delete`, `force-delete`, `restart`, `resize-instance`, `resize-volume`: find the
 * instance (by id or name), send the action, and with `--wait` follow it to ACTIVE (or, for
 * deletes, until the instance is gone).
 */
export function registerInstanceActions(program: Command): void {
  addWaitFlags(
    apiCommand(program, "delete <instance...>", "Delete instances, named by id or name."),
    "the instances are deleted",
  ).action(async (refs: string[], _opts: unknown, command: Command) => {
    const ctx = await apiContext(command);
    const ids: string[] = [];
    for (const ref of refs) {
      const { id } = await findInstance(ctx.api, ref);
      await ctx.api.delete(`/instances/${id}`);
      accepted(ctx, `Request to delete instance ${id} has been accepted.`);
      ids.push(id);
    }
    await waitAll(ctx, ids, "gone");
  });

  addWaitFlags(
    apiCommand(
      program,
      "force-delete <instance>",
      "Reset an instance's status, then delete it (admin; works on a stuck instance).",
    ),
    "the instance is deleted",
  ).action(async (ref: string, _opts: unknown, command: Command) => {
    const ctx = await apiContext(command);
    const { id } = await findInstance(ctx.api, ref);
    await ctx.api.post(`/instances/${id}/action`, { reset_status: {} });
    await ctx.api.delete(`/instances/${id}`);
    accepted(ctx, `Request to force delete instance ${id} has been accepted.`);
    await waitAll(ctx, [id], "gone");
  });

  addWaitFlags(
    apiCommand(program, "restart <instance>", "Restart an instance's database engine."),
    "the instance is ACTIVE again",
  ).action(async (ref: string, _opts: unknown, command: Command) => {
    const ctx = await apiContext(command);
    const { id } = await findInstance(ctx.api, ref);
    await ctx.api.post(`/instances/${id}/action`, { restart: {} });
    await waitAll(ctx, [id], "active");
  });

  addWaitFlags(
    apiCommand(program, "resize-instance <instance> <flavor>", "Give an instance a new flavor."),
    "the instance is ACTIVE again",
  ).action(async (ref: string, flavorRef: string, _opts: unknown, command: Command) => {
    const ctx = await apiContext(command);
    const { id } = await findInstance(ctx.api, ref);
    const flavor = await findFlavor(ctx.api, flavorRef);
    await ctx.api.post(`/instances/${id}/action`, { resize: { flavorRef: flavorId(flavor) } });
    await waitAll(ctx, [id], "active");
  });

  addWaitFlags(
    apiCommand(program, "resize-volume", "Grow an instance's volume.")
      .argument("<instance>", "ID or name of the instance")
      .argument("<size>", "New size of the volume in GB", positiveInt),
    "the instance is ACTIVE again",
  ).action(async (ref: string, size: number, _opts: unknown, command: Command) => {
    const ctx = await apiContext(command);
    const { id } = await findInstance(ctx.api, ref);
    await ctx.api.post(`/instances/${id}/action`, { resize: { volume: { size } } });
    await waitAll(ctx, [id], "active");
  });
}

/** trove prints these acceptance lines; with --json nothing is printed (the API answered no body). */
function accepted(ctx: ApiContext, message: string): void {
  if (!ctx.json) ctx.output.out(`${message}\n`);
}

async function waitAll(ctx: ApiContext, ids: string[], until: "active" | "gone"): Promise<void> {
  const flags = waitFlags(ctx.opts);
  if (!flags.wait) return;
  for (const id of ids) await awaitInstance(ctx, id, until, flags);
}
