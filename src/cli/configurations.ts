import type { Command } from "commander";
import { NotFoundError, ValidationError } from "../domain/index.js";
import { apiCommand, apiContext, type ApiContext } from "./api-command.js";
import type { HttpClient } from "./http.js";
import { findInstance, isNotFound } from "./lookup.js";
import { listTable, printResult, propertyTable } from "./output.js";

/**
 * `coffer configuration-*`: configuration groups as the `trove` CLI manages them (same names,
 * arguments and requests; trove-api.md §8.3). Groups and instances are named by id or by name.
 */

type Group = Record<string, unknown> & { id: string; name: string };

/** Declares a command with the `--os-*` flags and `--json`, and runs it logged in. */
function command(
  program: Command,
  spec: string,
  description: string,
  action: (ctx: ApiContext, args: string[]) => Promise<void>,
): Command {
  return apiCommand(program, spec, description).action(async (...params: unknown[]) => {
    const self = params.at(-1) as Command;
    await action(await apiContext(self), self.args);
  });
}

const enc = encodeURIComponent;

/** As troveclient's find_resource: by id, else the one of that name in the first page of the list. */
async function find<T extends { id: string; name: string }>(
  api: HttpClient,
  what: string,
  ref: string,
  get: (id: string) => Promise<T>,
  list: () => Promise<T[]>,
): Promise<T> {
  try {
    return await get(ref);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const matches = (await list()).filter((x) => x.name === ref);
  if (matches.length === 0)
    throw new NotFoundError("NAME_NOT_FOUND", `No ${what} with a name or ID of '${ref}' exists.`);
  if (matches.length > 1) {
    throw new ValidationError(
      "NAME_AMBIGUOUS",
      `Multiple ${what} matches found for '${ref}', use an ID to be more specific.`,
    );
  }
  return get(matches[0]!.id);
}

const findGroup = (api: HttpClient, ref: string) =>
  find<Group>(
    api,
    "configuration",
    ref,
    async (id) => (await api.get<{ configuration: Group }>(`/configurations/${enc(id)}`)).configuration,
    async () => (await api.get<{ configurations: Group[] }>("/configurations")).configurations,
  );

function parseValues(text: string): Record<string, unknown> {
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch {
    throw new ValidationError("VALUES_INVALID", `The values are not JSON: ${text}`);
  }
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    throw new ValidationError(
      "VALUES_INVALID",
      "The values must be a JSON object, e.g. '{\"max_connections\": 200}'.",
    );
  }
  return values as Record<string, unknown>;
}

/** trove prints a group with its values as JSON text, and without datastore_version_id on show. */
function groupTable(group: Group, withVersionId: boolean): string {
  const { datastore_version_id: versionId, ...rest } = group;
  return propertyTable({
    ...rest,
    ...(withVersionId ? { datastore_version_id: versionId } : {}),
    values: JSON.stringify(group.values),
  });
}

function pageQuery(opts: Record<string, unknown>): string {
  const q = new URLSearchParams();
  if (typeof opts.limit === "string") q.set("limit", opts.limit);
  if (typeof opts.marker === "string") q.set("marker", opts.marker);
  return q.size > 0 ? `?${q.toString()}` : "";
}

export function registerConfigurationCommands(program: Command): void {
  command(
    program,
    "configuration-create <name> <values>",
    "Creates a configuration group.",
    async (c, [name, values]) => {
      const datastore: Record<string, string> = {};
      if (typeof c.opts.datastore === "string") datastore.type = c.opts.datastore;
      if (typeof c.opts.datastore_version === "string") datastore.version = c.opts.datastore_version;
      const body = {
        configuration: {
          name,
          values: parseValues(values!),
          ...(Object.keys(datastore).length > 0 ? { datastore } : {}),
          ...(typeof c.opts.description === "string" ? { description: c.opts.description } : {}),
        },
      };
      const { configuration } = await c.api.post<{ configuration: Group }>("/configurations", body);
      printResult(c.output, c.json, configuration, () => groupTable(configuration, true));
    },
  )
    .option("--datastore <datastore>", "Datastore of the group (the default datastore otherwise)")
    .option("--datastore_version <datastore_version>", "Datastore version name or id")
    .option("--description <description>", "A description of the group");

  command(program, "configuration-list", "Lists all configuration groups.", async (c) => {
    const { configurations } = await c.api.get<{ configurations: Group[] }>(
      `/configurations${pageQuery(c.opts)}`,
    );
    const fields = ["id", "name", "description", "datastore_name", "datastore_version_name"];
    printResult(c.output, c.json, configurations, () => listTable(configurations, fields));
  })
    .option("--limit <limit>", "Limit the number of results displayed")
    .option("--marker <id>", "Begin after this id");

  command(
    program,
    "configuration-show <configuration_group>",
    "Shows details of a configuration group.",
    async (c, [ref]) => {
      const group = await findGroup(c.api, ref!);
      printResult(c.output, c.json, group, () => groupTable(group, false));
    },
  );

  command(
    program,
    "configuration-update <configuration_group> <values>",
    "Replaces a configuration group's values (and name or description); re-applied to its instances.",
    async (c, [ref, values]) => {
      const group = await findGroup(c.api, ref!);
      await c.api.put(`/configurations/${enc(group.id)}`, {
        configuration: {
          values: parseValues(values!),
          ...(typeof c.opts.name === "string" ? { name: c.opts.name } : {}),
          ...(typeof c.opts.description === "string" ? { description: c.opts.description } : {}),
        },
      });
    },
  )
    .option("--name <name>", "A new name")
    .option("--description <description>", "A new description");

  command(
    program,
    "configuration-patch <configuration_group> <values>",
    "Adds or changes values of a configuration group; re-applied to its instances.",
    async (c, [ref, values]) => {
      const group = await findGroup(c.api, ref!);
      await c.api.patch(`/configurations/${enc(group.id)}`, {
        configuration: { values: parseValues(values!) },
      });
    },
  );

  command(
    program,
    "configuration-delete <configuration_group>",
    "Deletes a configuration group.",
    async (c, [ref]) => {
      const group = await findGroup(c.api, ref!);
      await c.api.delete(`/configurations/${enc(group.id)}`);
    },
  );

  command(
    program,
    "configuration-attach <instance> <configuration>",
    "Attaches a configuration group to an instance.",
    async (c, [instanceRef, groupRef]) => {
      const instance = await findInstance(c.api, instanceRef!);
      const group = await findGroup(c.api, groupRef!);
      await c.api.put(`/instances/${enc(instance.id)}`, { instance: { configuration: group.id } });
    },
  );

  command(
    program,
    "configuration-detach <instance>",
    "Detaches the configuration group from an instance: its parameters go back to the defaults.",
    async (c, [instanceRef]) => {
      const instance = await findInstance(c.api, instanceRef!);
      await c.api.put(`/instances/${enc(instance.id)}`, { instance: {} });
    },
  );

  command(
    program,
    "configuration-instances <configuration_group>",
    "Lists the instances a configuration group is attached to.",
    async (c, [ref]) => {
      const group = await findGroup(c.api, ref!);
      const { instances } = await c.api.get<{ instances: Record<string, unknown>[] }>(
        `/configurations/${enc(group.id)}/instances${pageQuery(c.opts)}`,
      );
      printResult(c.output, c.json, instances, () => listTable(instances, ["id", "name"]));
    },
  )
    .option("--limit <limit>", "Limit the number of results displayed")
    .option("--marker <id>", "Begin after this id");

  command(
    program,
    "configuration-default <instance>",
    "Shows the default configuration of an instance (derived from its flavor).",
    async (c, [instanceRef]) => {
      const instance = await findInstance(c.api, instanceRef!);
      const { instance: body } = await c.api.get<{ instance: { configuration: Record<string, unknown> } }>(
        `/instances/${enc(instance.id)}/configuration`,
      );
      printResult(c.output, c.json, body.configuration, () => propertyTable(body.configuration));
    },
  );

  registerParameterCommands(program);
}

/** The version's parameters: by datastore and version name, or by version id alone. */
function parametersPath(version: string, datastore: unknown): string {
  if (typeof datastore === "string")
    return `/datastores/${enc(datastore)}/versions/${enc(version)}/parameters`;
  if (!/^[0-9a-f-]{32,36}$/i.test(version)) {
    throw new ValidationError(
      "DATASTORE_REQUIRED",
      "The datastore name or id is required to retrieve the parameters for the configuration group by name.",
    );
  }
  return `/datastores/versions/${enc(version)}/parameters`;
}

function registerParameterCommands(program: Command): void {
  command(
    program,
    "configuration-parameter-list <datastore_version>",
    "Lists the parameters a configuration group may set.",
    async (c, [version]) => {
      const body = await c.api.get<{ "configuration-parameters": Record<string, unknown>[] }>(
        parametersPath(version!, c.opts.datastore),
      );
      const params = body["configuration-parameters"];
      const rows = params.map((p) => ({ ...p, min: p.min ?? "-", max: p.max ?? "-" }));
      const fields = ["name", "type", "min", "max", "restart_required"];
      const labels = { min: "Min Size", max: "Max Size" };
      printResult(c.output, c.json, params, () => listTable(rows, fields, { labels }));
    },
  ).option("--datastore <datastore>", "Datastore name or id (optional with a version id)");

  command(
    program,
    "configuration-parameter-show <datastore_version> <parameter>",
    "Shows one parameter a configuration group may set.",
    async (c, [version, name]) => {
      const param = await c.api.get<Record<string, unknown>>(
        `${parametersPath(version!, c.opts.datastore)}/${enc(name!)}`,
      );
      printResult(c.output, c.json, param, () => propertyTable(param));
    },
  ).option("--datastore <datastore>", "Datastore name or id (optional with a version id)");
}
