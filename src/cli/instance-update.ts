import type { Command } from "commander";
import { apiCommand, apiContext } from "./api-command.js";
import { collect } from "./args.js";
import { findInstance } from "./lookup.js";

/**
 * `coffer update <instance>`: trove's `update` (name, configuration) plus the openstack client's
 * access flags (`--is-public` / `--is-private`, `--allowed-cidr`), as one PUT. Access keys not
 * given keep their values on the server.
 */
export function registerInstanceUpdate(program: Command): void {
  apiCommand(
    program,
    "update <instance>",
    "Rename an instance, attach or detach a configuration, or change its access.",
  )
    .option("--name <name>", "New name of the instance")
    .option("--configuration <configuration>", "ID of the configuration group to attach")
    .option("--remove_configuration, --remove-configuration", "Detach the configuration group")
    .option("--is-public", "Give the instance a public address")
    .option("--is-private", "Take the instance's public address away")
    .option(
      "--allowed-cidr <cidr>",
      "Only this CIDR may connect to the public address (repeat for more)",
      collect(String),
    )
    .action(async (ref: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const body = updateBody(ctx.opts);
      const { id } = await findInstance(ctx.api, ref);
      await ctx.api.put(`/instances/${id}`, { instance: body });
    });
}

/** The PUT body; refuses contradictory flags before anything is sent. */
export function updateBody(o: Record<string, unknown>): Record<string, unknown> {
  if (o.isPublic === true && o.isPrivate === true) {
    throw new Error("--is-public and --is-private exclude each other.");
  }
  if (o.configuration !== undefined && o.removeConfiguration === true) {
    throw new Error("--configuration and --remove_configuration exclude each other.");
  }
  const body: Record<string, unknown> = {};
  if (o.name !== undefined) body.name = o.name;
  if (o.configuration !== undefined) body.configuration = o.configuration;
  if (o.removeConfiguration === true) body.configuration = null;
  const cidrs = o.allowedCidr as string[] | undefined;
  if (o.isPublic === true || o.isPrivate === true || cidrs) {
    body.access = {
      ...(o.isPublic === true ? { is_public: true } : o.isPrivate === true ? { is_public: false } : {}),
      ...(cidrs ? { allowed_cidrs: cidrs } : {}),
    };
  }
  if (Object.keys(body).length === 0) {
    throw new Error(
      "Nothing to update: give --name, --configuration, --remove_configuration or an access flag.",
    );
  }
  return body;
}
