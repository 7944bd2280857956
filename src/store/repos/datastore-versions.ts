import type { Selectable } from "kysely";
import type { Manager } from "../../domain/index.js";
import type { DatastoreVersionRepository } from "../instance-port.js";
import type { DatastoreVersion } from "../instance-records.js";
import type { DatastoreVersionsTable } from "../schema.js";
import { defined, translated, type RepoContext } from "./context.js";

export function datastoreVersionRepository({ db, profile }: RepoContext): DatastoreVersionRepository {
  const { bool, json } = profile.codec;
  const toVersion = (r: Selectable<DatastoreVersionsTable>): DatastoreVersion => ({
    id: r.id,
    datastoreId: r.datastore_id,
    name: r.name,
    version: r.version,
    // Written only from a Manager by this repository.
    manager: r.manager as Manager,
    image: r.image,
    packages: json.decode(r.packages) as string[],
    active: bool.decode(r.active),
  });
  const select = () => db.selectFrom("datastore_versions").selectAll();

  const repo: DatastoreVersionRepository = {
    async create(v) {
      const row = await db
        .insertInto("datastore_versions")
        .values({
          id: v.id,
          datastore_id: v.datastoreId,
          name: v.name,
          version: v.version,
          manager: v.manager,
          image: v.image,
          packages: json.encode(v.packages),
          active: bool.encode(v.active),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toVersion(row);
    },
    async get(id) {
      const row = await select().where("id", "=", id).executeTakeFirst();
      return row && toVersion(row);
    },
    async getByName(datastoreId, name) {
      const row = await select()
        .where("datastore_id", "=", datastoreId)
        .where("name", "=", name)
        .executeTakeFirst();
      return row && toVersion(row);
    },
    async list(filter = {}) {
      let q = select().orderBy("datastore_id").orderBy("name");
      if (filter.datastoreId !== undefined) q = q.where("datastore_id", "=", filter.datastoreId);
      if (filter.active !== undefined) q = q.where("active", "=", bool.encode(filter.active));
      return (await q.execute()).map(toVersion);
    },
    async update(id, patch) {
      const values = defined({
        name: patch.name,
        version: patch.version,
        manager: patch.manager,
        image: patch.image,
        packages: patch.packages === undefined ? undefined : json.encode(patch.packages),
        active: patch.active === undefined ? undefined : bool.encode(patch.active),
      });
      if (Object.keys(values).length === 0) return repo.get(id);
      const row = await db
        .updateTable("datastore_versions")
        .set(values)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row && toVersion(row);
    },
    async delete(id) {
      const result = await db.deleteFrom("datastore_versions").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
  return translated(repo, profile, {
    code: "DATASTORE_VERSION_EXISTS",
    message: "The datastore already has a version with this name.",
  });
}
