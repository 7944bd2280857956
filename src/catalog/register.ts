import { DEFAULT_FLAVORS, type Manager } from "../domain/index.js";
import { allEngines } from "../guestagent/index.js";
import type { Logger } from "../lib/index.js";
import type { Store } from "../store/index.js";
import { updateDatastore, updateDatastoreVersion } from "./admin.js";

/**
 * First start: registers a datastore version for every engine installed on this host and makes
 * it the default, and creates the default flavors. Later starts change nothing an administrator
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
}

async function firstInstallation<T>(dirs: readonly string[], probe: (dir: string) => Promise<T | undefined>) {
  for (const dir of dirs) {
    const found = await probe(dir);
    if (found) return found;
  }
  return undefined;
}
