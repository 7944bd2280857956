import type { Kysely } from "kysely";
import type { ColumnTypes } from "../profile.js";

/**
 * Trove's root_enabled_history: who enabled the engine's superuser on an instance and when, and
 * when it was disabled after that (NULL while enabled). One row per instance, kept when root is
 * disabled (the admin's `GET /mgmt/instances/{id}/root` shows it); gone with the instance row.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("root_enabled_history")
    .addColumn("instance_id", "text", (c) => c.primaryKey().references("instances.id").onDelete("cascade"))
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("enabled_at", t.timestamp, (c) => c.notNull())
    .addColumn("disabled_at", t.timestamp)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("root_enabled_history").execute();
}
