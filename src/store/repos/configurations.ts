import type { Selectable } from "kysely";
import type { ConfigurationRepository } from "../configuration-port.js";
import type { Configuration, ConfigValues } from "../configuration-records.js";
import type { ConfigurationsTable } from "../schema.js";
import { defined, translated, type RepoContext } from "./context.js";

export function configurationRepository({ db, profile }: RepoContext): ConfigurationRepository {
  const { json, timestamp } = profile.codec;
  const toConfiguration = (r: Selectable<ConfigurationsTable>): Configuration => ({
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    description: r.description,
    datastoreVersionId: r.datastore_version_id,
    values: json.decode(r.parameter_values) as ConfigValues,
    createdAt: timestamp.decode(r.created_at),
    updatedAt: timestamp.decode(r.updated_at),
  });
  const select = () => db.selectFrom("configurations").selectAll();

  const repo: ConfigurationRepository = {
    async create(c) {
      const created = timestamp.encode(c.createdAt);
      const row = await db
        .insertInto("configurations")
        .values({
          id: c.id,
          project_id: c.projectId,
          name: c.name,
          description: c.description,
          datastore_version_id: c.datastoreVersionId,
          parameter_values: json.encode(c.values),
          created_at: created,
          updated_at: created,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toConfiguration(row);
    },
    async get(id) {
      const row = await select().where("id", "=", id).executeTakeFirst();
      return row && toConfiguration(row);
    },
    async list(filter = {}) {
      let q = select().orderBy("id");
      if (filter.projectId !== undefined) q = q.where("project_id", "=", filter.projectId);
      if (filter.afterId !== undefined) q = q.where("id", ">", filter.afterId);
      if (filter.limit !== undefined) q = q.limit(filter.limit);
      return (await q.execute()).map(toConfiguration);
    },
    async update(id, patch) {
      const row = await db
        .updateTable("configurations")
        .set(
          defined({
            name: patch.name,
            description: patch.description,
            parameter_values: patch.values === undefined ? undefined : json.encode(patch.values),
            updated_at: timestamp.encode(patch.updatedAt),
          }),
        )
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row && toConfiguration(row);
    },
    async delete(id) {
      const result = await db.deleteFrom("configurations").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
  return translated(repo, profile, {
    code: "CONFIGURATION_EXISTS",
    message: "A configuration group with this id already exists.",
  });
}
