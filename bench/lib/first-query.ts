/**
 * A user's first query: connect to the instance's reported address on the engine's standard port
 * with the credentials given at create, run `SELECT 1`. Tried again every `intervalMs` until it
 * works, which is what a user's client with a retry loop would see.
 */
import pg from "pg";
import mysql from "mysql2/promise";

export interface UserCredentials {
  host: string;
  user: string;
  password: string;
  database: string;
}

const PORTS: Record<string, number> = { postgresql: 5432, mariadb: 3306, mysql: 3306 };

export async function queryOnce(manager: string, c: UserCredentials): Promise<void> {
  if (manager === "postgresql") {
    const client = new pg.Client({ ...c, port: PORTS.postgresql, connectionTimeoutMillis: 2000 });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.query("SELECT 1");
    } finally {
      await client.end().catch(() => undefined);
    }
    return;
  }
  const conn = await mysql.createConnection({ ...c, port: PORTS[manager] ?? 3306, connectTimeout: 2000 });
  try {
    await conn.query("SELECT 1");
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** Resolves once a query works; rejects with the last error after `timeoutMs`. */
export async function untilFirstQuery(
  manager: string,
  credentials: () => UserCredentials | undefined,
  { intervalMs = 10, timeoutMs = 120_000 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const c = credentials();
    if (c) {
      try {
        return await queryOnce(manager, c);
      } catch (err) {
        last = err;
      }
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`no successful query within ${timeoutMs} ms: ${String(last)}`);
}
