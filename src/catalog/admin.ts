import { randomUUID } from "node:crypto";
import {
  NotFoundError,
  ValidationError,
  isManager,
  type Datastore,
  type DatastoreVersion,
  type Flavor,
  type ParameterRule,
} from "../domain/index.js";
import { engineFor } from "../guestagent/index.js";
import type { Repositories, Store } from "../store/index.js";
import { datastoreByIdOrName, versionByIdOrName } from "./resolve.js";

/**
 * The administrator's operations on datastores, versions and flavors, shared by coffer-manage
 * (trove-manage's positional commands) and the /mgmt API.
 */

/** trove-manage datastore_update NAME DEFAULT_VERSION: creates the datastore if missing; "" leaves no default. */
export async function updateDatastore(
  store: Store,
  name: string,
  defaultVersion: string,
): Promise<Datastore> {
  return store.transaction(async (tx) => {
    const ds =
      (await tx.datastores.getByName(name)) ??
      (await tx.datastores.create({ id: randomUUID(), name, defaultVersionId: null }));
    if (defaultVersion === "") return ds;
    const version = await versionByIdOrName(tx, ds, defaultVersion);
    if (!version.active) {
      throw new ValidationError(
        "DATASTORE_VERSION_INACTIVE",
        `Datastore version '${defaultVersion}' is not active.`,
      );
    }
    return (await tx.datastores.setDefaultVersion(ds.id, version.id)) ?? ds;
  });
}

export interface VersionUpdate {
  datastore: string;
  name: string;
  manager: string;
  image: string;
  packages: string[];
  active: boolean;
  /** The engine's full version; defaults to the name. */
  version?: string;
  /** Also make it the datastore's default. */
  makeDefault?: boolean;
}

/**
 * trove-manage datastore_version_update: creates or updates a version (keyed by datastore and
 * name). A new version starts with the configuration parameter rules its engine driver ships, as
 * the versions registered at the first start do (db_load/remove_datastore_config_parameters
 * change them): without rules a version could not have configuration groups at all.
 */
export async function updateDatastoreVersion(store: Store, u: VersionUpdate): Promise<DatastoreVersion> {
  if (!isManager(u.manager)) {
    throw new ValidationError(
      "MANAGER_UNKNOWN",
      `Unknown datastore manager '${u.manager}'; use postgresql, mysql or mariadb.`,
    );
  }
  const manager = u.manager;
  if (u.name.trim() === "")
    throw new ValidationError("VERSION_NAME_INVALID", "The version name may not be empty.");
  return store.transaction(async (tx) => {
    const ds =
      (await tx.datastores.getByName(u.datastore)) ??
      (await tx.datastores.create({ id: randomUUID(), name: u.datastore, defaultVersionId: null }));
    const fields = {
      name: u.name,
      version: u.version ?? u.name,
      manager,
      image: u.image,
      packages: u.packages,
      active: u.active,
    };
    const existing = await tx.datastoreVersions.getByName(ds.id, u.name);
    const version = existing
      ? ((await tx.datastoreVersions.update(existing.id, fields)) ?? existing)
      : await tx.datastoreVersions.create({ id: randomUUID(), datastoreId: ds.id, ...fields });
    if (!existing) {
      for (const rule of engineFor(manager).capabilities.parameterRules) {
        await tx.parameterRules.upsert(version.id, rule);
      }
    }
    if (u.makeDefault) await tx.datastores.setDefaultVersion(ds.id, version.id);
    return version;
  });
}

export async function deleteDatastore(repos: Repositories, ref: string): Promise<void> {
  const ds = await datastoreByIdOrName(repos, ref);
  if ((await repos.datastoreVersions.list({ datastoreId: ds.id })).length > 0) {
    throw new ValidationError("DATASTORE_HAS_VERSIONS", `Datastore '${ds.name}' still has versions.`);
  }
  await repos.datastores.delete(ds.id);
}

export async function createFlavor(repos: Repositories, flavor: Flavor): Promise<Flavor> {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(flavor.id)) {
    throw new ValidationError(
      "FLAVOR_ID_INVALID",
      "A flavor id is 1 to 64 letters, digits, '.', '_' or '-'.",
    );
  }
  for (const [field, value, min] of [
    ["ram", flavor.ramMb, 64],
    ["vcpus", flavor.vcpus, 1],
    ["disk", flavor.diskGb, 0],
    ["ephemeral", flavor.ephemeralGb, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < min) {
      throw new ValidationError(
        "FLAVOR_INVALID",
        `Flavor ${field} must be a whole number of at least ${min}.`,
      );
    }
  }
  if (flavor.name.trim() === "") throw new ValidationError("FLAVOR_INVALID", "A flavor needs a name.");
  return repos.flavors.create(flavor);
}

export async function deleteFlavor(repos: Repositories, id: string): Promise<void> {
  if (!(await repos.flavors.get(id)))
    throw new NotFoundError("FLAVOR_NOT_FOUND", `Flavor ${id} could not be found.`);
  await repos.flavors.delete(id);
}

/**
 * trove-manage db_load_datastore_config_parameters: upserts each rule into the version's rules
 * (rules the file does not name are kept, as Trove does). Resolves how many were loaded.
 */
export async function loadParameterRules(
  store: Store,
  datastore: string,
  version: string,
  rules: readonly ParameterRule[],
): Promise<number> {
  return store.transaction(async (tx) => {
    const found = await versionByIdOrName(tx, await datastoreByIdOrName(tx, datastore), version);
    for (const rule of rules) await tx.parameterRules.upsert(found.id, rule);
    return rules.length;
  });
}

/** trove-manage db_remove_datastore_config_parameters: resolves how many rules went. */
export async function removeParameterRules(
  store: Store,
  datastore: string,
  version: string,
): Promise<number> {
  const found = await versionByIdOrName(store, await datastoreByIdOrName(store, datastore), version);
  return store.parameterRules.deleteAll(found.id);
}
