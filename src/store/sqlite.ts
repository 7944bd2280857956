import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect, type SqliteDatabase } from "kysely";
import type { DialectProfile, ErrorClass } from "./profile.js";
import type { Schema } from "./schema.js";

/** SQLite stores timestamps as ISO-8601 text (which sorts as time does), booleans as 0/1, JSON as text. */
export const sqliteProfile: DialectProfile = {
  name: "sqlite",
  columns: { timestamp: "text", bool: "integer", json: "text" },
  codec: {
    timestamp: { encode: (d) => d.toISOString(), decode: (v) => new Date(v) },
    bool: { encode: (b) => (b ? 1 : 0), decode: (v) => v === 1 || v === true },
    json: { encode: (v) => JSON.stringify(v), decode: (v) => JSON.parse(String(v)) as unknown },
  },
  classify(err: unknown): ErrorClass | undefined {
    if (!(err instanceof Database.SqliteError)) return undefined;
    const code = err.code;
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") return "unique";
    if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") return "reference";
    // An ON DELETE RESTRICT key fails as a trigger constraint, with the foreign-key message.
    if (code === "SQLITE_CONSTRAINT_TRIGGER" && err.message.includes("FOREIGN KEY")) return "reference";
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "busy";
    if (code.startsWith("SQLITE_CANTOPEN")) return "unavailable";
    return "other";
  },
};

/** Opens (creating it and its directory if needed) the database file with WAL and foreign keys on. */
export function openSqlite(path: string): Kysely<Schema> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  // WAL lets readers run while one writer writes; foreign keys are off by default in SQLite;
  // the busy timeout makes a second process wait for the write lock instead of failing at once.
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 5000");
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
}

/**
 * Kysely's SQLite driver prepares every statement anew; the API runs the same few queries on every
 * request, and preparing was a sixth of the CPU of `GET /instances` (docs/performance.md). This
 * keeps prepared statements by their SQL text (SQL with bound parameters: the text repeats). A
 * statement still being iterated (a stream) is not shared: the caller gets a fresh one.
 */
export function withStatementCache(database: Database.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => {
      cache.clear();
      database.close();
    },
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached && !cached.busy) return cached;
      const statement = database.prepare(sql);
      if (!cached) {
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
