import type { Command } from "commander";
import { ValidationError } from "../domain/index.js";
import { apiCommand, apiContext } from "./api-command.js";
import { listTable, printResult, propertyTable } from "./output.js";

/** `coffer datastore-list`, `datastore-show`, `datastore-version-list`, `datastore-version-show`. */

interface VersionRef {
  id: string;
  name: string;
  version?: string;
}
type DatastoreView = { id: string; name: string; default_version?: string; versions: VersionRef[] } & Record<
  string,
  unknown
>;
type VersionView = VersionRef & Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const enc = encodeURIComponent;

export function registerDatastoreCommands(program: Command): void {
  apiCommand(program, "datastore-list", "List the datastores and their versions.").action(
    async (_opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const { datastores } = await ctx.api.get<{ datastores: DatastoreView[] }>("/datastores");
      printResult(ctx.output, ctx.json, datastores, () => datastoreListTable(datastores));
    },
  );

  apiCommand(program, "datastore-show <datastore>", "Show a datastore, named by id or name.").action(
    async (ref: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const { datastore } = await ctx.api.get<{ datastore: DatastoreView }>(`/datastores/${enc(ref)}`);
      printResult(ctx.output, ctx.json, datastore, () => propertyTable(datastoreProperties(datastore)));
    },
  );

  apiCommand(program, "datastore-version-list <datastore>", "List a datastore's versions.").action(
    async (ref: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const path = `/datastores/${enc(ref)}/versions`;
      const { versions } = await ctx.api.get<{ versions: VersionView[] }>(path);
      printResult(ctx.output, ctx.json, versions, () => listTable(versions, ["id", "name", "version"]));
    },
  );

  apiCommand(
    program,
    "datastore-version-show <datastore_version>",
    "Show a datastore version (by name needs --datastore).",
  )
    .option("--datastore <datastore>", "Datastore name or id (optional if the version is an id)")
    .action(async (ref: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const ds = ctx.opts.datastore as string | undefined;
      if (ds === undefined && !UUID.test(ref)) {
        throw new ValidationError(
          "USAGE",
          "The datastore name or id is required to retrieve a datastore version by name (--datastore).",
        );
      }
      const path = ds ? `/datastores/${enc(ds)}/versions/${enc(ref)}` : `/datastores/versions/${enc(ref)}`;
      const { version } = await ctx.api.get<{ version: VersionView }>(path);
      const { links: _links, ...shown } = version;
      printResult(ctx.output, ctx.json, version, () => propertyTable(shown));
    });
}

export function datastoreListTable(datastores: readonly DatastoreView[]): string {
  const rows = datastores.map((d) => ({
    ...d,
    default_version: d.versions.find((v) => v.id === d.default_version)?.name ?? "",
    versions: d.versions.map((v) => v.name).join(", "),
  }));
  return listTable(rows, ["id", "name", "default_version", "versions"], { sortBy: "name" });
}

/** As trove: versions as "name (id)" lines, and the default version by name. */
export function datastoreProperties(ds: DatastoreView): Record<string, unknown> {
  const { links: _links, versions, ...rest } = ds;
  const info: Record<string, unknown> = {
    ...rest,
    "versions (id)": versions.map((v) => `${v.name} (${v.id})`).join("\n"),
  };
  if (ds.default_version !== undefined) {
    info.default_version = versions.find((v) => v.id === ds.default_version)?.name ?? ds.default_version;
  }
  return info;
}
