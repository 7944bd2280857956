import { sql, type Kysely } from "kysely";
import type { ColumnTypes } from "../profile.js";

/**
 * The instance side: datastores and their versions, flavors, instances, the guest agents' service
 * statuses and the task manager's durable tasks.
 *
 * `datastores.default_version_id` is plain text, not a foreign key: with versions referring to
 * their datastore, a key back would make a cycle that neither dialect creates or drops simply.
 * Flavors and datastore versions restrict deletion while any instance (deleted ones included:
 * they are kept for audit) refers to them.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("datastores")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("default_version_id", "text")
    .execute();

  await db.schema
    .createTable("datastore_versions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("datastore_id", "text", (c) => c.notNull().references("datastores.id").onDelete("restrict"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("manager", "text", (c) => c.notNull())
    .addColumn("image", "text", (c) => c.notNull())
    .addColumn("packages", t.json, (c) => c.notNull())
    .addColumn("active", t.bool, (c) => c.notNull().defaultTo(sql`true`))
    .addUniqueConstraint("datastore_versions_datastore_id_name_key", ["datastore_id", "name"])
    .execute();

  await db.schema
    .createTable("flavors")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("ram_mb", "integer", (c) => c.notNull())
    .addColumn("vcpus", "integer", (c) => c.notNull())
    .addColumn("disk_gb", "integer", (c) => c.notNull())
    .addColumn("ephemeral_gb", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("instances")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("flavor_id", "text", (c) => c.notNull().references("flavors.id").onDelete("restrict"))
    .addColumn("datastore_version_id", "text", (c) =>
      c.notNull().references("datastore_versions.id").onDelete("restrict"),
    )
    .addColumn("volume_size_gb", "integer", (c) => c.notNull())
    // A fraction of a GB; "double precision" has REAL affinity on SQLite and is float8 on PostgreSQL.
    .addColumn("volume_used_gb", "double precision")
    .addColumn("task_status", "text", (c) => c.notNull())
    .addColumn("server_status", "text", (c) => c.notNull())
    .addColumn("host", "text")
    .addColumn("address", "text")
    .addColumn("is_public", t.bool, (c) => c.notNull().defaultTo(sql`false`))
    .addColumn("allowed_cidrs", t.json, (c) => c.notNull())
    .addColumn("availability_zone", "text")
    .addColumn("configuration_id", "text")
    .addColumn("fault", t.json)
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("updated_at", t.timestamp, (c) => c.notNull())
    .addColumn("deleted_at", t.timestamp)
    .execute();
  // Like quotas, instances carry a project id without a key to `projects` (an external Keystone).
  await db.schema.createIndex("instances_project_id").on("instances").column("project_id").execute();
  await db.schema.createIndex("instances_host").on("instances").column("host").execute();

  await db.schema
    .createTable("service_statuses")
    .addColumn("instance_id", "text", (c) => c.primaryKey().references("instances.id").onDelete("cascade"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("updated_at", t.timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("tasks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("instance_id", "text", (c) => c.references("instances.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("step", "text")
    .addColumn("data", t.json, (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("lease_owner", "text")
    .addColumn("lease_until", t.timestamp)
    .addColumn("error", "text")
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("updated_at", t.timestamp, (c) => c.notNull())
    .addCheckConstraint(
      "tasks_state_known",
      sql`state in ('pending', 'running', 'succeeded', 'failed', 'cancelled')`,
    )
    .execute();
  // What `claim` looks for: pending tasks, and running ones whose lease ran out.
  await db.schema
    .createIndex("tasks_state_lease_until")
    .on("tasks")
    .columns(["state", "lease_until"])
    .execute();
  // At most one active task per instance, enforced by the database itself, so two API requests
  // racing to act on one instance cannot both record a task (the loser gets TASK_ACTIVE).
  await db.schema
    .createIndex("tasks_one_active_per_instance")
    .on("tasks")
    .column("instance_id")
    .unique()
    .where(sql.ref("state"), "in", ["pending", "running"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const tables = ["tasks", "service_statuses", "instances", "flavors", "datastore_versions", "datastores"];
  for (const table of tables) await db.schema.dropTable(table).execute();
}
