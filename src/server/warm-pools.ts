import type { Config } from "../config/index.js";
import { flavorFromRef, resolveDatastoreVersion } from "../catalog/index.js";
import type { PoolSpec } from "../guestagent/index.js";
import type { Logger } from "../lib/index.js";
import type { Store } from "../store/index.js";

/**
 * The configured warm pools (`--warm-pools`, by datastore, version and flavor names) as the
 * shapes a compute host keeps: the engine installation and the flavor's sizes. A pool that names
 * something unknown is logged and left out; it does not stop the host.
 */
export async function resolveWarmPools(store: Store, config: Config, log: Logger): Promise<PoolSpec[]> {
  const specs: PoolSpec[] = [];
  for (const pool of config.warmPools) {
    try {
      const { version } = await resolveDatastoreVersion(
        store,
        { type: pool.datastore, version: pool.version },
        config.defaultDatastore,
      );
      const flavor = await flavorFromRef(store, pool.flavorId);
      specs.push({
        manager: version.manager,
        image: version.image,
        version: version.version,
        ramMb: flavor.ramMb,
        vcpus: flavor.vcpus,
        volumeSizeGb: pool.volumeGb,
        size: pool.size,
      });
    } catch (err) {
      log.error({ err, pool }, "warm pool left out: it names an unknown datastore, version or flavor");
    }
  }
  return specs;
}
