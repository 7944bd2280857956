import { scramSha256Verifier } from "../secrets.js";
import type { Credentials, EngineLayout } from "../engine.js";
import { BOOTSTRAP_USER, postgresqlCapabilities as caps } from "./capabilities.js";
import { withPg, type PgSession } from "./client.js";

/** PASSWORD clause: a SCRAM verifier computed here when possible, so no clear password reaches the server. */
export function passwordClause(s: PgSession, password: string): string {
  return `PASSWORD ${s.literal(scramSha256Verifier(password) ?? password)}`;
}

/**
 * The admin's verifier, with few PBKDF2 iterations. Iterations only slow down guessing a weak
 * password; the admin's is 192 random bits. Every heartbeat logs in as the admin, and both sides
 * pay the iterations each time: 4096 made a beat cost 5.7 ms of Coffer's CPU, 16 make it 3.5 ms
 * (docs/performance.md).
 */
function adminVerifier(password: string): string {
  return scramSha256Verifier(password, ADMIN_SCRAM_ITERATIONS) ?? password;
}
const ADMIN_SCRAM_ITERATIONS = 16;

export async function roleExists(s: PgSession, name: string): Promise<boolean> {
  return (await s.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).length > 0;
}

/** Runs `work` in one transaction: role statements and GRANTs are transactional in PostgreSQL. */
export async function inTransaction<T>(s: PgSession, work: () => Promise<T>): Promise<T> {
  await s.query("BEGIN");
  try {
    const result = await work();
    await s.query("COMMIT");
    return result;
  } catch (err) {
    await s.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

/** Ends the role's sessions (only those in `database`, when given; only over TCP, when `tcpOnly`). */
export async function terminateSessions(
  s: PgSession,
  role: string,
  options: { database?: string; tcpOnly?: boolean } = {},
): Promise<void> {
  await s.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE usename = $1 AND pid <> pg_backend_pid()
        AND ($2::text IS NULL OR datname = $2) AND (NOT $3 OR client_addr IS NOT NULL)`,
    [role, options.database ?? null, options.tcpOnly ?? false],
  );
}

/**
 * Over the socket as the bootstrap superuser (trusted only there): the admin role gets its
 * password, and PUBLIC loses the right to connect to the maintenance databases, so users reach
 * only the databases granted to them.
 */
export async function securePostgresql(layout: EngineLayout, admin: Credentials): Promise<void> {
  await withPg(layout, { via: "socket", user: BOOTSTRAP_USER }, "secure the admin account", async (s) => {
    const verb = (await roleExists(s, admin.username)) ? "ALTER" : "CREATE";
    await s.query(
      `${verb} ROLE ${s.ident(admin.username)} WITH SUPERUSER LOGIN PASSWORD ${s.literal(adminVerifier(admin.password))}`,
    );
    await s.query("REVOKE ALL ON DATABASE postgres FROM PUBLIC");
    await s.query("REVOKE ALL ON DATABASE template1 FROM PUBLIC");
  });
}

/**
 * Root is a superuser named `root`, as upstream Trove makes it: created at the first enable, given
 * a new password at each. Disabled, it keeps its role but has no password, so it cannot log in
 * (pg_hba asks everyone over TCP for one; the socket trusts only the bootstrap superuser).
 * `postgres` (initdb's superuser) never gets a password; an instance made before root had its own
 * role may have given it one, which disable clears too.
 */
export async function enablePostgresqlRoot(
  layout: EngineLayout,
  admin: Credentials,
  password: string,
): Promise<void> {
  await withPg(layout, { via: "tcp", admin }, "enable root", async (s) => {
    const verb = (await roleExists(s, caps.rootUser)) ? "ALTER" : "CREATE";
    await s.query(
      `${verb} ROLE ${s.ident(caps.rootUser)} WITH SUPERUSER LOGIN ${passwordClause(s, password)}`,
    );
  });
}

export async function disablePostgresqlRoot(layout: EngineLayout, admin: Credentials): Promise<void> {
  await withPg(layout, { via: "tcp", admin }, "disable root", async (s) => {
    for (const role of [caps.rootUser, BOOTSTRAP_USER]) {
      if (!(await roleExists(s, role))) continue;
      await s.query(`ALTER ROLE ${s.ident(role)} WITH PASSWORD NULL`);
      await terminateSessions(s, role, { tcpOnly: true });
    }
  });
}

export async function isPostgresqlRootEnabled(layout: EngineLayout, admin: Credentials): Promise<boolean> {
  return withPg(layout, { via: "tcp", admin }, "check root", async (s) => {
    const rows = await s.query<{ enabled: boolean }>(
      "SELECT rolpassword IS NOT NULL AS enabled FROM pg_authid WHERE rolname = $1",
      [caps.rootUser],
    );
    return rows[0]?.enabled === true;
  });
}
