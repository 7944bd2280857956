import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Logger } from "../lib/index.js";
import type { DialectProfile, ErrorClass } from "./profile.js";
import type { Schema } from "./schema.js";

/** Errors pg raises without a code when a connection is lost or cannot be made in time. */
const CONNECTION_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Connection ended unexpectedly",
];
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

/** PostgreSQL keeps native types: timestamptz, boolean and jsonb. */
export const postgresProfile: DialectProfile = {
  name: "postgres",
  columns: { timestamp: "timestamptz", bool: "boolean", json: "jsonb" },
  codec: {
    timestamp: { encode: (d) => d, decode: (v) => (v instanceof Date ? v : new Date(v)) },
    bool: { encode: (b) => b, decode: (v) => v === true || v === 1 },
    // pg would send a JS array as a PostgreSQL array literal, so JSON goes as text.
    json: { encode: (v) => JSON.stringify(v), decode: (v) => v },
  },
  classify(err: unknown): ErrorClass | undefined {
    if (err instanceof pg.DatabaseError) {
      const code = err.code ?? "";
      if (code === "23505") return "unique";
      if (code === "23503") return "reference";
      // serialization failure, deadlock, lock not available
      if (code === "40001" || code === "40P01" || code === "55P03") return "busy";
      // connection exceptions, too many connections, shutting down / starting up; and a read-only
      // server behind the primary-following address (a standby, mid-switchover): the primary comes back
      if (code.startsWith("08") || code === "53300" || code.startsWith("57P") || code === "25006")
        return "unavailable";
      return "other";
    }
    if (!(err instanceof Error)) return undefined;
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && SOCKET_CODES.has(code)) return "unavailable";
    if (CONNECTION_MESSAGES.some((m) => err.message.includes(m))) return "unavailable";
    return undefined;
  },
  lockAcrossProcesses: advisoryLock,
};

/** The first key of Coffer's advisory locks (the second is the lock name's hash): "coff". */
const LOCK_CLASS = 0x636f6666;

/**
 * A session advisory lock on a connection of its own, held while `fn` runs (which uses the pool's
 * other connections). PostgreSQL lets it go if this process dies or its connection drops.
 */
async function advisoryLock<T>(db: Kysely<unknown>, name: string, fn: () => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${LOCK_CLASS}::int4, hashtext(${name}))`.execute(conn);
    try {
      return await fn();
    } finally {
      await sql`select pg_advisory_unlock(${LOCK_CLASS}::int4, hashtext(${name}))`
        .execute(conn)
        .catch(() => undefined);
    }
  });
}

export function openPostgres(url: string, poolSize: number, logger: Logger): Kysely<Schema> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 10_000,
    // Behind a primary-following address (docs/scale-out.md), a connection made before a switchover
    // may outlive it on a server that is a standby now; none is kept longer than this.
    maxLifetimeSeconds: 300,
  });
  // An idle client whose server went away emits here; without a listener the process would crash.
  pool.on("error", (err) => logger.warn({ err: err.message }, "store: idle PostgreSQL connection failed"));
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}
