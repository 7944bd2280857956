import type { Command } from "commander";
import { addWaitFlags, apiCommand, apiContext, waitFlags, type ApiContext } from "./api-command.js";
import { collect, parseUser, positiveInt, type UserArg } from "./args.js";
import { awaitInstance, instanceListTable, instanceTable } from "./instance-view.js";
import { findFlavor, findInstance, flavorId, listInstances, type InstanceView } from "./lookup.js";
import { printResult } from "./output.js";
import { registerInstanceActions } from "./instance-actions.js";
import { registerInstanceUpdate } from "./instance-update.js";

/** `coffer list`, `show`, `create` — and the actions — with the `trove` CLI's names and arguments. */
export function registerInstanceCommands(program: Command): void {
  apiCommand(program, "list", "List the project's instances.")
    .option("--limit <limit>", "Show at most this many instances", positiveInt)
    .option("--marker <ID>", "Start after this instance id")
    .option("--include_clustered, --include-clustered", "Accepted for trove compatibility (no clusters)")
    .action(async (_opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const limit = ctx.opts.limit as number | undefined;
      const marker = ctx.opts.marker as string | undefined;
      const instances = marker ? await pageAfter(ctx, marker, limit) : await listInstances(ctx.api, limit);
      printResult(ctx.output, ctx.json, instances, () => instanceListTable(instances));
    });

  addWaitFlags(
    apiCommand(program, "show <instance>", "Show an instance, named by id or name."),
    "the instance is ACTIVE",
  ).action(async (ref: string, _opts: unknown, command: Command) => {
    const ctx = await apiContext(command);
    let instance = await findInstance(ctx.api, ref);
    const flags = waitFlags(ctx.opts);
    if (flags.wait) instance = (await awaitInstance(ctx, instance.id, "active", flags)) ?? instance;
    printResult(ctx.output, ctx.json, instance, () => instanceTable(instance));
  });

  addWaitFlags(
    apiCommand(program, "create <name> <flavor>", "Create an instance (flavor by id or name).")
      .option("--size <size>", "Volume size in GB", positiveInt)
      .option("--volume_type, --volume-type <volume_type>", "Volume type (accepted, unused)")
      .option("--databases <database...>", "Databases to create")
      .option("--users <user:password...>", "Users to create, with access to --databases", collect(parseUser))
      .option("--availability_zone, --availability-zone <zone>", "Availability zone hint")
      .option("--datastore <datastore>", "Datastore name or id")
      .option("--datastore_version, --datastore-version <version>", "Datastore version name or id")
      .option("--is-public", "Listen on a public address")
      .option("--allowed-cidr <cidr>", "Allow this CIDR (repeat for more)", collect(String))
      .option("--configuration <configuration>", "Configuration group (not supported yet)"),
    "the instance is ACTIVE",
  ).action(async (name: string, flavorRef: string, _opts: unknown, command: Command) => {
    const ctx = await apiContext(command);
    const flavor = await findFlavor(ctx.api, flavorRef);
    const body = createBody(name, flavorId(flavor), ctx.opts);
    let { instance } = await ctx.api.post<{ instance: InstanceView }>("/instances", body);
    const flags = waitFlags(ctx.opts);
    if (flags.wait) {
      instance = (await awaitInstance(ctx, instance.id, "active", flags, instance.status)) ?? instance;
    }
    printResult(ctx.output, ctx.json, instance, () => instanceTable(instance));
  });

  registerInstanceActions(program);
  registerInstanceUpdate(program);
}

/** The POST /instances body `trove create` sends; keys left out when not given. */
export function createBody(name: string, flavorRef: string, o: Record<string, unknown>) {
  const instance: Record<string, unknown> = { name, flavorRef };
  if (o.size !== undefined) instance.volume = { size: o.size, type: o.volumeType ?? null };
  const databases = ((o.databases as string[] | undefined) ?? []).map((d) => ({ name: d }));
  if (databases.length) instance.databases = databases;
  const users = (o.users as UserArg[] | undefined) ?? [];
  // As trove's client: each user gets access to every database of the create.
  if (users.length) instance.users = users.map((u) => ({ ...u, databases }));
  if (o.availabilityZone !== undefined) instance.availability_zone = o.availabilityZone;
  if (o.datastore !== undefined || o.datastoreVersion !== undefined) {
    instance.datastore = {
      ...(o.datastore !== undefined ? { type: o.datastore } : {}),
      ...(o.datastoreVersion !== undefined ? { version: o.datastoreVersion } : {}),
    };
  }
  const cidrs = o.allowedCidr as string[] | undefined;
  if (o.isPublic === true || cidrs) {
    instance.access = { is_public: o.isPublic === true, ...(cidrs ? { allowed_cidrs: cidrs } : {}) };
  }
  if (o.configuration !== undefined) instance.configuration = o.configuration;
  return { instance };
}

/** `--marker`: one page after the marker, as `trove list --marker` shows. */
async function pageAfter(ctx: ApiContext, marker: string, limit?: number): Promise<InstanceView[]> {
  const query = new URLSearchParams({ include_clustered: "False", marker });
  if (limit !== undefined) query.set("limit", String(limit));
  return (await ctx.api.get<{ instances: InstanceView[] }>(`/instances?${query.toString()}`)).instances;
}
