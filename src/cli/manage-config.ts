import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { ValidationError, parseValidationRules } from "../domain/index.js";
import { loadParameterRules, removeParameterRules } from "../catalog/index.js";
import { createLogger } from "../lib/index.js";
import { openStore, type Store } from "../store/index.js";
import { addConfigFlags, configFromFlags } from "./config-flags.js";

/**
 * trove-manage's configuration-parameter commands. The rules Coffer ships are loaded at the first
 * start; these load an administrator's own file (Trove's validation-rules.json shape, e.g. the
 * shipped dist/src/guestagent/engines/<engine>/validation-rules.json) or remove a version's rules.
 */
export function registerConfigParameterCommands(program: Command): void {
  addConfigFlags(
    program
      .command("db_load_datastore_config_parameters <datastore> <datastore_version> <config_file>")
      .description(
        "Load (upsert) a datastore version's configuration parameter rules from a validation-rules JSON file.",
      ),
  ).action(async (datastore: string, version: string, file: string, opts: Record<string, unknown>) => {
    const text = await readFile(file, "utf8").catch((err: unknown) => {
      throw new ValidationError("RULES_FILE_UNREADABLE", `Cannot read ${file}: ${(err as Error).message}`);
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ValidationError("RULES_FILE_INVALID", `${file} is not JSON.`);
    }
    const rules = parseValidationRules(json, file);
    const loaded = await withStore(opts, (store) => loadParameterRules(store, datastore, version, rules));
    process.stdout.write(`Loaded ${loaded} configuration parameters for ${datastore} ${version}.\n`);
  });
  addConfigFlags(
    program
      .command("db_remove_datastore_config_parameters <datastore> <datastore_version>")
      .description("Remove every configuration parameter rule of a datastore version."),
  ).action(async (datastore: string, version: string, opts: Record<string, unknown>) => {
    const removed = await withStore(opts, (store) => removeParameterRules(store, datastore, version));
    process.stdout.write(`Removed ${removed} configuration parameters of ${datastore} ${version}.\n`);
  });
}

async function withStore<T>(opts: Record<string, unknown>, work: (store: Store) => Promise<T>): Promise<T> {
  const config = configFromFlags(opts);
  const store = await openStore(config.infraDb, { logger: createLogger({ level: config.logLevel }) });
  try {
    await store.migrate();
    return await work(store);
  } finally {
    await store.close();
  }
}
