import type { Command } from "commander";
import { ValidationError } from "../domain/index.js";
import { apiCommand, apiContext } from "./api-command.js";
import { findFlavor, type FlavorView } from "./lookup.js";
import { listTable, printResult, propertyTable } from "./output.js";

/** `coffer flavor-list` and `flavor-show`, as the `trove` CLI's. */
export function registerFlavorCommands(program: Command): void {
  apiCommand(program, "flavor-list", "List the flavors, smallest RAM first.")
    .option("--datastore_type, --datastore-type <datastore_type>", "Only flavors for this datastore")
    .option(
      "--datastore_version_id, --datastore-version-id <datastore_version_id>",
      "Only flavors for this datastore version (with --datastore_type)",
    )
    .action(async (_opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const type = ctx.opts.datastoreType as string | undefined;
      const version = ctx.opts.datastoreVersionId as string | undefined;
      if ((type === undefined) !== (version === undefined)) {
        throw new ValidationError("USAGE", "--datastore_type and --datastore_version_id go together.");
      }
      const path =
        type && version
          ? `/datastores/${encodeURIComponent(type)}/versions/${encodeURIComponent(version)}/flavors`
          : "/flavors";
      const { flavors } = await ctx.api.get<{ flavors: FlavorView[] }>(path);
      printResult(ctx.output, ctx.json, flavors, () => flavorListTable(flavors));
    });

  apiCommand(program, "flavor-show <flavor>", "Show a flavor, named by id or name.").action(
    async (ref: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const flavor = await findFlavor(ctx.api, ref);
      printResult(ctx.output, ctx.json, flavor, () => propertyTable(flavorProperties(flavor)));
    },
  );
}

export function flavorListTable(flavors: readonly FlavorView[]): string {
  return listTable(
    flavors.map((f) => ({ ...f, id: f.id ?? f.str_id })),
    ["id", "name", "ram", "vcpus", "disk", "ephemeral"],
    { labels: { ram: "RAM", vcpus: "vCPUs", disk: "Disk" }, sortBy: "ram" },
  );
}

/** As trove: no links, and `id` is the string id (flavors with a non-numeric id have `id: null`). */
export function flavorProperties(flavor: FlavorView): Record<string, unknown> {
  const { links: _links, str_id, ...rest } = flavor;
  return { ...rest, id: str_id ?? flavor.id };
}
