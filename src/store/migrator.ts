import { Migrator, type Kysely, type Migration } from "kysely";
import { InternalError, UnavailableError } from "../domain/index.js";
import { MIGRATIONS } from "./migrations/index.js";
import { translateError, type DialectProfile } from "./profile.js";

/**
 * Applies pending migrations with Kysely's Migrator. On PostgreSQL it holds an advisory lock while
 * it runs, so processes starting at once apply each migration exactly once; each migration runs in
 * a transaction (both dialects have transactional DDL).
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  profile: DialectProfile,
): Promise<{ applied: string[] }> {
  const migrator = new Migrator({
    db,
    provider: {
      async getMigrations() {
        const migrations: Record<string, Migration> = {};
        for (const [name, load] of MIGRATIONS) {
          const m = await load();
          migrations[name] = {
            up: (d) => m.up(d, profile.columns),
            down: async (d) => m.down?.(d, profile.columns),
          };
        }
        return migrations;
      },
    },
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === "Error")?.migrationName;
    // An unreachable or busy database is worth retrying; anything else is a broken migration.
    const translated = translateError(error, profile);
    if (translated instanceof UnavailableError) throw translated;
    const why = error instanceof Error ? error.message : JSON.stringify(error);
    throw new InternalError(
      "STORE_MIGRATION_FAILED",
      `Migrating the infrastructure database failed${failed ? ` at ${failed}` : ""}: ${why}`,
      { cause: error },
    );
  }
  return { applied: results.filter((r) => r.status === "Success").map((r) => r.migrationName) };
}
