import type { Kysely } from "kysely";
import type { ColumnTypes } from "../profile.js";

/**
 * The last figures each instance's engine reported with a heartbeat (connections, running totals
 * of queries and transactions, …; domain/engine-figures.ts), as one JSON object so that a new
 * figure needs no migration. One row per instance, replaced by each heartbeat.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("engine_figures")
    .addColumn("instance_id", "text", (c) => c.primaryKey().references("instances.id").onDelete("cascade"))
    .addColumn("figures", t.json, (c) => c.notNull())
    .addColumn("measured_at", t.timestamp, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("engine_figures").execute();
}
