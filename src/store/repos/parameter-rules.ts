import type { Selectable } from "kysely";
import type { ParameterType } from "../../domain/index.js";
import type { ParameterRuleRepository } from "../configuration-port.js";
import type { ParameterRule } from "../configuration-records.js";
import type { DatastoreConfigurationParametersTable } from "../schema.js";
import { translated, type RepoContext } from "./context.js";

export function parameterRuleRepository({ db, profile }: RepoContext): ParameterRuleRepository {
  const { bool } = profile.codec;
  const toRule = (r: Selectable<DatastoreConfigurationParametersTable>): ParameterRule => ({
    name: r.name,
    // Checked by the table's constraint.
    type: r.data_type as ParameterType,
    restartRequired: bool.decode(r.restart_required),
    // pg returns float8 as numbers; SQLite REAL as numbers.
    min: r.min_value === null ? null : Number(r.min_value),
    max: r.max_value === null ? null : Number(r.max_value),
    unit: r.unit,
  });
  const table = "datastore_configuration_parameters" as const;
  const select = () => db.selectFrom(table).selectAll();

  const repo: ParameterRuleRepository = {
    async upsert(versionId, rule) {
      const values = {
        data_type: rule.type,
        restart_required: bool.encode(rule.restartRequired),
        min_value: rule.min,
        max_value: rule.max,
        unit: rule.unit,
      };
      const row = await db
        .insertInto(table)
        .values({ datastore_version_id: versionId, name: rule.name, ...values })
        .onConflict((oc) => oc.columns(["datastore_version_id", "name"]).doUpdateSet(values))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRule(row);
    },
    async get(versionId, name) {
      const row = await select()
        .where("datastore_version_id", "=", versionId)
        .where("name", "=", name)
        .executeTakeFirst();
      return row && toRule(row);
    },
    async list(versionId) {
      const rows = await select().where("datastore_version_id", "=", versionId).orderBy("name").execute();
      return rows.map(toRule);
    },
    async delete(versionId, name) {
      const result = await db
        .deleteFrom(table)
        .where("datastore_version_id", "=", versionId)
        .where("name", "=", name)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    async deleteAll(versionId) {
      const result = await db
        .deleteFrom(table)
        .where("datastore_version_id", "=", versionId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
  return translated(repo, profile);
}
