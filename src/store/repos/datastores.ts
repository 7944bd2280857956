import type { Selectable } from "kysely";
import type { DatastoreRepository } from "../instance-port.js";
import type { Datastore } from "../instance-records.js";
import type { DatastoresTable } from "../schema.js";
import { translated, type RepoContext } from "./context.js";

export function datastoreRepository({ db, profile }: RepoContext): DatastoreRepository {
  const toDatastore = (r: Selectable<DatastoresTable>): Datastore => ({
    id: r.id,
    name: r.name,
    defaultVersionId: r.default_version_id,
  });
  const select = () => db.selectFrom("datastores").selectAll();

  const repo: DatastoreRepository = {
    async create(d) {
      const row = await db
        .insertInto("datastores")
        .values({ id: d.id, name: d.name, default_version_id: d.defaultVersionId })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toDatastore(row);
    },
    async get(id) {
      const row = await select().where("id", "=", id).executeTakeFirst();
      return row && toDatastore(row);
    },
    async getByName(name) {
      const row = await select().where("name", "=", name).executeTakeFirst();
      return row && toDatastore(row);
    },
    async list() {
      return (await select().orderBy("name").execute()).map(toDatastore);
    },
    async setDefaultVersion(id, versionId) {
      const row = await db
        .updateTable("datastores")
        .set({ default_version_id: versionId })
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row && toDatastore(row);
    },
    async delete(id) {
      const result = await db.deleteFrom("datastores").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
  return translated(repo, profile, {
    code: "DATASTORE_EXISTS",
    message: "A datastore with this name already exists.",
  });
}
