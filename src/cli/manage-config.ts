import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type * as CatalogModule from "../catalog/index.js";
import { ValidationError, parseValidationRules } from "../domain/index.js";
import type { Store } from "../store/index.js";
import { addConfigFlags, configFromFlags } from "./config-flags.js";
import { processOutput } from "./output.js";

type Catalog = typeof CatalogModule;

/**
 * trove-manage's configuration-parameter commands (underscore and dash spellings both work). The
 * rules Coffer ships are loaded at the first start; these load an administrator's own file
 * (Trove's validation-rules.json shape, e.g. the shipped
 * dist/src/guestagent/engines/<engine>/validation-rules.json) or remove a version's rules. Like
 * the catalog commands they work on the infrastructure database directly, loaded when they run.
 */
export function registerConfigParameterCommands(program: Command): void {
  const command = (name: string, description: string) =>
    addConfigFlags(program.command(name).alias(name.replace(/_/g, "-")).description(description));

  command(
    "db_load_datastore_config_parameters",
    "Load (upsert) a datastore version's configuration parameter rules from a validation-rules JSON file.",
  )
    .argument("<datastore>", "Name or id of the datastore")
    .argument("<datastore_version>", "Name or id of the version")
    .argument(
      "<config_file>",
      'A JSON file: {"configuration-parameters": [{name, type, restart_required, min, max}]}',
    )
    .action(async (datastore: string, version: string, file: string, opts: Record<string, unknown>) => {
      const rules = parseValidationRules(await readJson(file), file);
      await withStore(opts, async (store, catalog) => {
        const loaded = await catalog.loadParameterRules(store, datastore, version, rules);
        processOutput.out(`Loaded ${loaded} configuration parameters for ${datastore} ${version}.\n`);
      });
    });

  command(
    "db_remove_datastore_config_parameters",
    "Remove every configuration parameter rule of a datastore version.",
  )
    .argument("<datastore>", "Name or id of the datastore")
    .argument("<datastore_version>", "Name or id of the version")
    .action(async (datastore: string, version: string, opts: Record<string, unknown>) => {
      await withStore(opts, async (store, catalog) => {
        const removed = await catalog.removeParameterRules(store, datastore, version);
        processOutput.out(`Removed ${removed} configuration parameters of ${datastore} ${version}.\n`);
      });
    });
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, "utf8").catch((err: unknown) => {
    throw new ValidationError("RULES_FILE_UNREADABLE", `Cannot read ${file}: ${(err as Error).message}`);
  });
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError("RULES_FILE_INVALID", `${file} is not JSON.`);
  }
}

/** Opens the configured infrastructure database (logs on stderr), migrates, runs `fn`, closes. */
async function withStore(
  opts: Record<string, unknown>,
  fn: (store: Store, catalog: Catalog) => Promise<void>,
): Promise<void> {
  const config = configFromFlags(opts);
  const [{ createLogger }, { openStore }, catalog] = await Promise.all([
    import("../lib/index.js"),
    import("../store/index.js"),
    import("../catalog/index.js"),
  ]);
  const store = await openStore(config.infraDb, {
    logger: createLogger({ level: config.logLevel, destination: process.stderr }),
  });
  try {
    await store.migrate();
    await fn(store, catalog);
  } finally {
    await store.close();
  }
}
