import pg from "pg";
import { CofferError } from "../../../domain/index.js";
import { engineError, EngineFailure } from "../errors.js";
import type { Credentials, EngineLayout } from "../engine.js";
import type { Timeouts } from "../readiness.js";

/** The part of a pg client the driver uses; nothing of pg leaves this folder. */
export interface PgSession {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** "name" with quotes doubled: the only way an identifier enters SQL text. */
  ident(name: string): string;
  /** 'value' with quotes escaped: for the few statements (CREATE DATABASE, PASSWORD) that take no parameters. */
  literal(value: string): string;
}

const DOWN_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOENT", // socket file not there yet
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EADDRNOTAVAIL",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up or shutting down
  "53300", // too_many_connections
]);
const AUTH_CODES = new Set(["28P01", "28000"]);

export function classifyPgError(err: unknown): EngineFailure {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && AUTH_CODES.has(code)) return EngineFailure.Auth;
  if (typeof code === "string" && DOWN_CODES.has(code)) return EngineFailure.Down;
  // pg reports its own timeouts and dropped connections without a code.
  const message = err instanceof Error ? err.message : "";
  if (/timeout|Connection terminated|ended unexpectedly/i.test(message)) return EngineFailure.Down;
  return EngineFailure.Query;
}

export type PgTarget =
  | { via: "tcp"; admin: Credentials; database?: string }
  /** The local socket as the bootstrap superuser (trusted there, see renderPgHba). */
  | { via: "socket"; user: string; database?: string };

/** Opens one short-lived session, runs `work`, and always closes it. Errors come out as domain errors. */
export async function withPg<T>(
  layout: EngineLayout,
  target: PgTarget,
  what: string,
  work: (session: PgSession) => Promise<T>,
  timeouts: Timeouts = {},
): Promise<T> {
  const client = new pg.Client({
    host: target.via === "tcp" ? layout.address : layout.runDir,
    port: layout.port,
    user: target.via === "tcp" ? target.admin.username : target.user,
    password: target.via === "tcp" ? target.admin.password : undefined,
    database: target.database ?? "postgres",
    connectionTimeoutMillis: timeouts.connectMs ?? 5000,
    query_timeout: timeouts.queryMs ?? 60_000,
    application_name: "coffer",
  });
  // A dropped connection emits 'error' on the client; without a listener it would crash the process.
  client.on("error", () => undefined);
  try {
    await client.connect();
    return await work({
      query: async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) =>
        (await client.query<R>(text, values)).rows,
      ident: (name) => client.escapeIdentifier(name),
      literal: (value) => client.escapeLiteral(value),
    });
  } catch (err) {
    if (err instanceof CofferError) throw err;
    throw engineError("postgresql", classifyPgError(err), what, err);
  } finally {
    await client.end().catch(() => undefined);
  }
}
