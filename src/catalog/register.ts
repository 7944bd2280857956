import { DEFAULT_FLAVORS, type Manager } from "../domain/index.js";
import { allEngines, engineFor } from "../guestagent/index.js";
import type { Logger } from "../lib/index.js";
import type { Store } from "../store/index.js";
import { updateDatastore, updateDatastoreVersion } from "./admin.js";

/**
 * First start: registers a datastore version for every engine installed on this host and makes
 * it the default, creates the default flavors, and gives each version without configuration
 * parameter rules the ones its engine driver ships. Later starts change nothing an administrator
 * set: only what is missing is added.
 */
export async function registerCatalog(store: Store, logger: Logger): Promise<void> {
  if ((await store.flavors.list()).length === 0) {
    for (const flavor of DEFAULT_FLAVORS) await store.flavors.create(flavor);
    logger.info({ flavors: DEFAULT_FLAVORS.length }, "registered the default flavors");
  }
  for (const engine of allEngines()) {
    const found = await firstInstallation(engine.capabilities.installDirs, (dir) => engine.probe(dir));
    if (!found) {
      logger.info({ engine: engine.capabilities.name }, "engine not installed; no datastore registered");
      continue;
    }
    for (const manager of engine.capabilities.managers as readonly Manager[]) {
      const datastore = await store.datastores.getByName(manager);
      if (datastore?.defaultVersionId) continue;
      const name = found.version
        .split(".")
        .slice(0, manager === "postgresql" ? 1 : 2)
        .join(".");
      const packages = manager === "mysql" ? [`served by MariaDB ${found.version}`] : [];
      await updateDatastoreVersion(store, {
        datastore: manager,
        name,
        manager,
        image: found.binDir,
        packages,
        active: true,
        version: found.version,
      });
      await updateDatastore(store, manager, name);
      logger.info(
        { datastore: manager, version: found.version, image: found.binDir },
        "registered datastore version",
      );
    }
  }
  await registerParameterRules(store, logger);
}

/** The driver's shipped rules for each version that has none yet (an administrator's are kept). */
async function registerParameterRules(store: Store, logger: Logger): Promise<void> {
  for (const version of await store.datastoreVersions.list()) {
    if ((await store.parameterRules.list(version.id)).length > 0) continue;
    const rules = engineFor(version.manager).capabilities.parameterRules;
    await store.transaction(async (tx) => {
      for (const rule of rules) await tx.parameterRules.upsert(version.id, rule);
    });
    logger.info({ version: version.id, rules: rules.length }, "loaded the configuration parameter rules");
  }
}

async function firstInstallation<T>(dirs: readonly string[], probe: (dir: string) => Promise<T | undefined>) {
  for (const dir of dirs) {
    const found = await probe(dir);
    if (found) return found;
  }
  return undefined;
}
