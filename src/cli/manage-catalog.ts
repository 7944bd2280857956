import type { Command } from "commander";
import type * as CatalogModule from "../catalog/index.js";
import type { Store } from "../store/index.js";

type Catalog = typeof CatalogModule;
import { commaList, flag01, nonNegativeInt, positiveInt } from "./args.js";
import { addConfigFlags, configFromFlags } from "./config-flags.js";
import { listTable, printResult, processOutput } from "./output.js";

/**
 * coffer-manage's catalog commands, with trove-manage's positional arguments (underscore and dash
 * spellings both work). Like trove-manage they work on the infrastructure database directly, so
 * they need no running server; they migrate the schema first if needed. The store and catalog are
 * imported when a command runs, so that merely building the program (as `coffer` does) stays light.
 */
export function registerCatalogCommands(program: Command): void {
  const command = (name: string, alias: string, description: string) =>
    addConfigFlags(program.command(name).alias(alias).description(description));

  command("datastore_update", "datastore-update", "Create a datastore if missing; set its default version.")
    .argument("<datastore_name>", "Name of the datastore")
    .argument("<default_version>", 'Name or id of its default version, or "" for none')
    .action((name: string, version: string, opts: Record<string, unknown>) =>
      withStore(opts, async (store, catalog) => {
        await catalog.updateDatastore(store, name, version);
        say(`Datastore '${name}' updated.`);
      }),
    );

  command("datastore_version_update", "datastore-version-update", "Create or update a datastore version.")
    .argument("<datastore>", "Name of the datastore (created if missing)")
    .argument("<version_name>", "Name of the version, e.g. 15 or 10.11")
    .argument("<manager>", "Engine driver: postgresql, mysql or mariadb")
    .argument("<image_id>", "Directory holding the engine's binaries")
    .argument("<packages>", 'Comma-separated packages, or ""', commaList)
    .argument("<active>", "1 if users may create instances of it, else 0", flag01)
    .option("--version <version>", "The engine's full version (default: the name)")
    .option("--image-tags <tags>", "Accepted for trove-manage compatibility; Coffer has no image service")
    .action(
      (
        datastore: string,
        name: string,
        manager: string,
        image: string,
        packages: string[],
        active: boolean,
        opts: Record<string, unknown>,
      ) =>
        withStore(opts, async (store, catalog) => {
          const version = typeof opts.version === "string" ? opts.version : undefined;
          await catalog.updateDatastoreVersion(store, {
            datastore,
            name,
            manager,
            image,
            packages,
            active,
            ...(version ? { version } : {}),
          });
          say(`Datastore version '${name}' updated.`);
        }),
    );

  command("flavor-create", "flavor_create", "Create a flavor.")
    .argument("<id>", "Flavor id (digits, or letters, digits, '.', '_', '-')")
    .argument("<name>", "Flavor name, e.g. m1.small")
    .argument("<ram>", "RAM in MB", positiveInt)
    .argument("<vcpus>", "Number of vCPUs", positiveInt)
    .option("--disk <gb>", "Root disk in GB (informational)", nonNegativeInt, 0)
    .option("--ephemeral <gb>", "Ephemeral disk in GB (informational)", nonNegativeInt, 0)
    .action((id: string, name: string, ram: number, vcpus: number, opts: Record<string, unknown>) =>
      withStore(opts, async (store, catalog) => {
        const diskGb = opts.disk as number;
        const ephemeralGb = opts.ephemeral as number;
        await catalog.createFlavor(store, { id, name, ramMb: ram, vcpus, diskGb, ephemeralGb });
        say(`Flavor '${name}' (${id}) created.`);
      }),
    );

  command("flavor-delete", "flavor_delete", "Delete a flavor.")
    .argument("<id>", "Flavor id")
    .action((id: string, opts: Record<string, unknown>) =>
      withStore(opts, async (store, catalog) => {
        await catalog.deleteFlavor(store, id);
        say(`Flavor ${id} deleted.`);
      }),
    );

  command("datastore-list", "datastore_list", "List datastores and their versions, inactive ones too.")
    .option("--json", "Print JSON")
    .action((opts: Record<string, unknown>) =>
      withStore(opts, async (store) => {
        const rows = await versionRows(store);
        printResult(processOutput, opts.json === true, rows, () =>
          listTable(
            rows,
            ["datastore", "name", "version", "manager", "active", "default", "image", "packages"],
            {
              labels: { name: "Version Name" },
            },
          ),
        );
      }),
    );

  command("flavor-list", "flavor_list", "List flavors.")
    .option("--json", "Print JSON")
    .action((opts: Record<string, unknown>) =>
      withStore(opts, async (store) => {
        const flavors = (await store.flavors.list()).map((f) => ({ ...f }));
        printResult(processOutput, opts.json === true, flavors, () =>
          listTable(flavors, ["id", "name", "ramMb", "vcpus", "diskGb", "ephemeralGb"], {
            labels: { ramMb: "RAM", vcpus: "vCPUs", diskGb: "Disk", ephemeralGb: "Ephemeral" },
            sortBy: "ramMb",
          }),
        );
      }),
    );
}

/** Every version with its datastore, and datastores that have none yet. */
async function versionRows(store: Store): Promise<Record<string, unknown>[]> {
  const versions = await store.datastoreVersions.list();
  const rows: Record<string, unknown>[] = [];
  for (const ds of (await store.datastores.list()).sort((a, b) => a.name.localeCompare(b.name))) {
    const own = versions.filter((v) => v.datastoreId === ds.id);
    if (own.length === 0) rows.push({ datastore: ds.name, datastore_id: ds.id });
    for (const v of own.sort((a, b) => a.name.localeCompare(b.name))) {
      rows.push({
        datastore: ds.name,
        datastore_id: ds.id,
        id: v.id,
        name: v.name,
        version: v.version,
        manager: v.manager,
        active: v.active,
        default: ds.defaultVersionId === v.id,
        image: v.image,
        packages: v.packages,
      });
    }
  }
  return rows;
}

/** Opens the configured infrastructure database (logs on stderr), migrates, runs `fn`, closes. */
async function withStore(
  opts: Record<string, unknown>,
  fn: (store: Store, catalog: Catalog) => Promise<void>,
): Promise<void> {
  const config = configFromFlags(opts);
  // Loaded on use, so that `coffer`'s API commands start without the store in memory.
  const [{ createLogger }, { openStore }, catalog] = await Promise.all([
    import("../lib/index.js"),
    import("../store/index.js"),
    import("../catalog/index.js"),
  ]);
  const logger = createLogger({ level: config.logLevel, destination: process.stderr });
  const store = await openStore(config.infraDb, { logger });
  try {
    await store.migrate();
    await fn(store, catalog);
  } finally {
    await store.close();
  }
}

function say(line: string): void {
  processOutput.out(`${line}\n`);
}
