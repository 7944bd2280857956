import { sql, type Kysely } from "kysely";
import type { ColumnTypes } from "../profile.js";

/**
 * Configuration groups (trove-api.md §2.10, §2.11): the parameter rules of each datastore version
 * (Trove's `datastore_configuration_parameters`) and the groups users attach to instances.
 *
 * A group's values are one JSON object on its row rather than a row per value (Trove's
 * `configuration_parameters`): they are always read and replaced together, and one row makes a
 * replace atomic without a transaction. Rules go with their version; a group keeps its version
 * from being deleted. `instances.configuration_id` (migration 0002) stays a plain column.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("datastore_configuration_parameters")
    .addColumn("datastore_version_id", "text", (c) =>
      c.notNull().references("datastore_versions.id").onDelete("cascade"),
    )
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("data_type", "text", (c) => c.notNull())
    .addColumn("restart_required", t.bool, (c) => c.notNull())
    // "double precision": some bounds (MariaDB's sizes) pass PostgreSQL's bigint.
    .addColumn("min_value", "double precision")
    .addColumn("max_value", "double precision")
    .addColumn("unit", "text")
    .addPrimaryKeyConstraint("datastore_configuration_parameters_pkey", ["datastore_version_id", "name"])
    .addCheckConstraint(
      "datastore_configuration_parameters_type_known",
      sql`data_type in ('integer', 'float', 'string', 'boolean')`,
    )
    .execute();
  await db.schema
    .createTable("configurations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("datastore_version_id", "text", (c) =>
      c.notNull().references("datastore_versions.id").onDelete("restrict"),
    )
    .addColumn("parameter_values", t.json, (c) => c.notNull())
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("updated_at", t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("configurations_project_id")
    .on("configurations")
    .column("project_id")
    .execute();
  await db.schema
    .createIndex("instances_configuration_id")
    .on("instances")
    .column("configuration_id")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("instances_configuration_id").execute();
  await db.schema.dropTable("configurations").execute();
  await db.schema.dropTable("datastore_configuration_parameters").execute();
}
