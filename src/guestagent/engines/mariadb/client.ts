import { userInfo } from "node:os";
import mysql from "mysql2/promise";
import { CofferError } from "../../../domain/index.js";
import { engineError, EngineFailure } from "../errors.js";
import type { Credentials, EngineLayout } from "../engine.js";
import type { Timeouts } from "../readiness.js";
import { socketFile } from "./config.js";

/** The part of a mysql2 connection the driver uses; nothing of mysql2 leaves this folder. */
export interface MySession {
  /** `?` placeholders are filled by mysql2 with escaped values (strings quoted, arrays expanded). */
  query<R>(sql: string, values?: unknown[]): Promise<R[]>;
  /** `name` with backticks doubled: the only way an identifier enters SQL text. */
  ident(name: string): string;
}

const DOWN_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOENT", // socket file not there yet
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EADDRNOTAVAIL",
  "EPIPE",
  "PROTOCOL_CONNECTION_LOST",
  "ER_SERVER_SHUTDOWN",
  "ER_CON_COUNT_ERROR",
  "ER_CONNECTION_KILLED",
  "PROTOCOL_SEQUENCE_TIMEOUT", // the query timeout: the server stopped answering
]);
const AUTH_CODES = new Set(["ER_ACCESS_DENIED_ERROR", "ER_ACCESS_DENIED_NO_PASSWORD_ERROR"]);

export function classifyMysqlError(err: unknown): EngineFailure {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && AUTH_CODES.has(code)) return EngineFailure.Auth;
  if (typeof code === "string" && DOWN_CODES.has(code)) return EngineFailure.Down;
  return EngineFailure.Query;
}

/**
 * The OS account the control plane runs as. mariadb-install-db gives it a superuser account that
 * authenticates by unix_socket (the peer's uid), which is how secure() gets in the first time.
 */
export function socketUser(): string {
  return userInfo().username;
}

export type MyTarget = { via: "tcp"; admin: Credentials; database?: string } | { via: "socket" };

/** Opens one short-lived session, runs `work`, and always closes it. Errors come out as domain errors. */
export async function withMy<T>(
  layout: EngineLayout,
  target: MyTarget,
  what: string,
  work: (session: MySession) => Promise<T>,
  timeouts: Timeouts = {},
): Promise<T> {
  let conn: mysql.Connection | undefined;
  try {
    conn = await mysql.createConnection({
      ...(target.via === "tcp"
        ? {
            host: layout.address,
            port: layout.port,
            user: target.admin.username,
            password: target.admin.password,
          }
        : { socketPath: socketFile(layout), user: socketUser() }),
      database: target.via === "tcp" ? target.database : undefined,
      connectTimeout: timeouts.connectMs ?? 5000,
      charset: "utf8mb4_general_ci",
      multipleStatements: false,
    });
    const c = conn;
    return await work({
      query: async <R>(sql: string, values?: unknown[]) =>
        (await c.query({ sql, values, timeout: timeouts.queryMs ?? 60_000 }))[0] as R[],
      ident: (name) => c.escapeId(name),
    });
  } catch (err) {
    if (err instanceof CofferError) throw err;
    throw engineError("mariadb", classifyMysqlError(err), what, err);
  } finally {
    await conn?.end().catch(() => undefined);
  }
}
