import type { Kysely } from "kysely";
import type { ColumnTypes } from "../profile.js";

/**
 * One migration: `up` (and optionally `down`) given the database and the dialect's column types
 * (`t.timestamp`, `t.bool`, `t.json`), so one file serves both SQLite and PostgreSQL.
 */
export interface MigrationModule {
  up(db: Kysely<unknown>, t: ColumnTypes): Promise<void>;
  down?(db: Kysely<unknown>, t: ColumnTypes): Promise<void>;
}

/**
 * Every migration, oldest first. To add one, write `NNNN_what.ts` beside this file and add one line
 * here. Names sort in order of application; a database that has applied a migration missing from
 * this list (a newer Coffer ran on it) is refused.
 */
export const MIGRATIONS: ReadonlyArray<readonly [name: string, load: () => Promise<MigrationModule>]> = [
  ["0001_identity", () => import("./0001_identity.js")],
  ["0002_instances", () => import("./0002_instances.js")],
  ["0003_root_history", () => import("./0003_root_history.js")],
  ["0004_configurations", () => import("./0004_configurations.js")],
  ["0005_public_addresses", () => import("./0005_public_addresses.js")],
  ["0006_engine_figures", () => import("./0006_engine_figures.js")],
  ["0007_events", () => import("./0007_events.js")],
];
