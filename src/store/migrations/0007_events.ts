import type { Kysely } from "kysely";
import type { ColumnTypes } from "../profile.js";

/**
 * Instance events (domain/events.ts): time, kind, the instance and project they concern, the
 * cause in words and small details as JSON. No reference to the instance row: an instance's
 * events outlive it until the retention removes them. Read newest first, per instance or per
 * project; pruned by time.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("at", t.timestamp, (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("instance_id", "text")
    .addColumn("project_id", "text")
    .addColumn("cause", "text", (c) => c.notNull())
    .addColumn("details", t.json, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("events_at").on("events").columns(["at", "id"]).execute();
  await db.schema.createIndex("events_instance_at").on("events").columns(["instance_id", "at"]).execute();
  await db.schema.createIndex("events_project_at").on("events").columns(["project_id", "at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("events").execute();
}
