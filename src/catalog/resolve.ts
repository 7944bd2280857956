import {
  NotFoundError,
  ValidationError,
  type Datastore,
  type DatastoreVersion,
  type Flavor,
} from "../domain/index.js";
import type { Repositories } from "../store/index.js";

/**
 * Resolving what a request names — a flavor by id or href, a datastore and version by id or
 * name (trove-api.md §6.2) — shared by the instance, flavor and datastore routes.
 */

/** A flavor from `flavorRef`: an id, or an href ending in `/flavors/<id>`. Unknown → 400 (it is the body that is wrong). */
export async function flavorFromRef(repos: Repositories, ref: string | number): Promise<Flavor> {
  const id = String(ref).split("/").pop() ?? "";
  const flavor = (await repos.flavors.get(id)) ?? (await repos.flavors.getByName(id));
  if (!flavor) throw new ValidationError("FLAVOR_NOT_FOUND", `Flavor ${String(ref)} could not be found.`);
  return flavor;
}

export async function datastoreByIdOrName(repos: Repositories, ref: string): Promise<Datastore> {
  const ds = (await repos.datastores.get(ref)) ?? (await repos.datastores.getByName(ref));
  if (!ds) throw new NotFoundError("DATASTORE_NOT_FOUND", `Datastore '${ref}' cannot be found.`);
  return ds;
}

export interface ResolvedVersion {
  datastore: Datastore;
  version: DatastoreVersion;
}

/**
 * The datastore version a create asks for: the datastore by id or name (the configured default
 * when none is given), the version by id or name (the datastore's default when none), active
 * unless `allowInactive` (configuration groups may be made for an inactive version, §6.2).
 */
export async function resolveDatastoreVersion(
  repos: Repositories,
  request: { type?: string | null; version?: string | null },
  defaultDatastore: string,
  options: { allowInactive?: boolean } = {},
): Promise<ResolvedVersion> {
  const type = request.type ?? defaultDatastore;
  const datastore = await datastoreByIdOrName(repos, type).catch((err: unknown) => {
    if (request.type) throw err;
    throw new ValidationError(
      "DATASTORE_DEFAULT_MISSING",
      `Please specify datastore. Default datastore '${defaultDatastore}' cannot be found.`,
    );
  });
  const versionRef = request.version ?? datastore.defaultVersionId;
  if (!versionRef) {
    throw new ValidationError(
      "DATASTORE_NO_DEFAULT_VERSION",
      `Default version for datastore '${datastore.name}' not found.`,
    );
  }
  const version = await versionByIdOrName(repos, datastore, versionRef);
  if (!version.active && !options.allowInactive) {
    throw new ValidationError(
      "DATASTORE_VERSION_INACTIVE",
      `Datastore version '${version.name}' is not active.`,
    );
  }
  return { datastore, version };
}

export async function versionByIdOrName(
  repos: Repositories,
  datastore: Datastore,
  ref: string,
): Promise<DatastoreVersion> {
  const byId = await repos.datastoreVersions.get(ref);
  if (byId && byId.datastoreId === datastore.id) return byId;
  const byName = await repos.datastoreVersions.getByName(datastore.id, ref);
  if (byName) return byName;
  throw new ValidationError("DATASTORE_VERSION_NOT_FOUND", `Datastore version '${ref}' cannot be found.`);
}

/** Every version with its datastore's name, for rendering views without a lookup per row. */
export async function versionIndex(
  repos: Repositories,
): Promise<Map<string, { version: DatastoreVersion; datastoreName: string }>> {
  const names = new Map((await repos.datastores.list()).map((d) => [d.id, d.name]));
  const index = new Map<string, { version: DatastoreVersion; datastoreName: string }>();
  for (const v of await repos.datastoreVersions.list()) {
    index.set(v.id, { version: v, datastoreName: names.get(v.datastoreId) ?? "" });
  }
  return index;
}
