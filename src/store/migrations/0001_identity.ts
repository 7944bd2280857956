import { sql, type Kysely } from "kysely";
import type { ColumnTypes } from "../profile.js";

/**
 * Identity (Keystone's domains, projects, users, roles, role assignments, tokens) and quotas.
 * Quota tables carry a project id without a foreign key: projects may one day live in an external
 * Keystone, as Trove's own quota tables assume.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("domains")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("enabled", t.bool, (c) => c.notNull().defaultTo(sql`true`))
    .execute();
  await sql`insert into domains (id, name, description, enabled)
            values ('default', 'Default', 'The default domain', true)`.execute(db);

  await db.schema
    .createTable("projects")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("domain_id", "text", (c) => c.notNull().references("domains.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("enabled", t.bool, (c) => c.notNull().defaultTo(sql`true`))
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addUniqueConstraint("projects_domain_id_name_key", ["domain_id", "name"])
    .execute();

  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("domain_id", "text", (c) => c.notNull().references("domains.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("enabled", t.bool, (c) => c.notNull().defaultTo(sql`true`))
    .addColumn("default_project_id", "text", (c) => c.references("projects.id").onDelete("set null"))
    .addColumn("email", "text")
    .addColumn("failed_logins", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", t.timestamp)
    .addColumn("password_changed_at", t.timestamp)
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addUniqueConstraint("users_domain_id_name_key", ["domain_id", "name"])
    .execute();

  await db.schema
    .createTable("roles")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .execute();

  await db.schema
    .createTable("role_assignments")
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role_id", "text", (c) => c.notNull().references("roles.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("role_assignments_pkey", ["project_id", "user_id", "role_id"])
    .execute();
  await db.schema.createIndex("role_assignments_user_id").on("role_assignments").column("user_id").execute();
  await db.schema.createIndex("role_assignments_role_id").on("role_assignments").column("role_id").execute();

  await db.schema
    .createTable("tokens")
    .addColumn("id_hash", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("project_id", "text", (c) => c.references("projects.id").onDelete("cascade"))
    .addColumn("methods", t.json, (c) => c.notNull())
    .addColumn("audit_id", "text", (c) => c.notNull())
    .addColumn("issued_at", t.timestamp, (c) => c.notNull())
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .addColumn("revoked_at", t.timestamp)
    .execute();
  await db.schema.createIndex("tokens_user_id").on("tokens").column("user_id").execute();
  await db.schema.createIndex("tokens_project_id").on("tokens").column("project_id").execute();
  await db.schema.createIndex("tokens_expires_at").on("tokens").column("expires_at").execute();

  await db.schema
    .createTable("quotas")
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("resource", "text", (c) => c.notNull())
    .addColumn("hard_limit", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("quotas_pkey", ["project_id", "resource"])
    .execute();

  await db.schema
    .createTable("quota_usages")
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("resource", "text", (c) => c.notNull())
    .addColumn("in_use", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("reserved", "integer", (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint("quota_usages_pkey", ["project_id", "resource"])
    .addCheckConstraint("quota_usages_not_negative", sql`in_use >= 0 and reserved >= 0`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const tables = [
    "quota_usages",
    "quotas",
    "tokens",
    "role_assignments",
    "roles",
    "users",
    "projects",
    "domains",
  ];
  for (const table of tables) await db.schema.dropTable(table).execute();
}
