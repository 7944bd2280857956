import { checkNames } from "../names.js";
import { scramSha256Verifier } from "../secrets.js";
import { takeSpareDatabase } from "./spare.js";
import type { Credentials, DatabaseInfo, DatabaseSpec, EngineLayout, UserInfo, UserSpec } from "../engine.js";
import { postgresqlCapabilities as caps } from "./capabilities.js";
import { withPg, type PgSession } from "./client.js";

/** PASSWORD clause: a SCRAM verifier computed here when possible, so no clear password reaches the server. */
function passwordClause(s: PgSession, password: string): string {
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

async function roleExists(s: PgSession, name: string): Promise<boolean> {
  return (await s.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).length > 0;
}

/**
 * Over the socket as the bootstrap superuser (trusted only there): the admin role gets its
 * password, and PUBLIC loses the right to connect to the maintenance databases, so users reach
 * only the databases granted to them.
 */
export async function securePostgresql(layout: EngineLayout, admin: Credentials): Promise<void> {
  await withPg(layout, { via: "socket", user: caps.rootUser }, "secure the admin account", async (s) => {
    const verb = (await roleExists(s, admin.username)) ? "ALTER" : "CREATE";
    await s.query(
      `${verb} ROLE ${s.ident(admin.username)} WITH SUPERUSER LOGIN PASSWORD ${s.literal(adminVerifier(admin.password))}`,
    );
    await s.query("REVOKE ALL ON DATABASE postgres FROM PUBLIC");
    await s.query("REVOKE ALL ON DATABASE template1 FROM PUBLIC");
  });
}

export async function createPostgresqlDatabases(
  layout: EngineLayout,
  admin: Credentials,
  databases: DatabaseSpec[],
): Promise<void> {
  checkNames(
    caps,
    "database",
    databases.map((d) => d.name),
  );
  await withPg(layout, { via: "tcp", admin }, "create databases", async (s) => {
    for (const db of databases) {
      const found = await s.query("SELECT 1 FROM pg_database WHERE datname = $1", [db.name]);
      if (found.length > 0) continue;
      if (await takeSpareDatabase(s, db, admin.username)) continue; // already closed to PUBLIC
      const collate = s.literal(db.collate ?? caps.defaultCollation);
      // CREATE DATABASE takes no parameters: every name and value goes through ident/literal.
      await s.query(
        `CREATE DATABASE ${s.ident(db.name)} TEMPLATE template0` +
          ` ENCODING ${s.literal(db.characterSet ?? caps.defaultCharacterSet)}` +
          ` LC_COLLATE ${collate} LC_CTYPE ${collate}`,
      );
      // PostgreSQL lets everyone connect to a new database; Coffer grants access per user.
      await s.query(`REVOKE ALL ON DATABASE ${s.ident(db.name)} FROM PUBLIC`);
    }
  });
}

export async function createPostgresqlUsers(
  layout: EngineLayout,
  admin: Credentials,
  users: UserSpec[],
): Promise<void> {
  checkNames(
    caps,
    "user",
    users.map((u) => u.name),
  );
  await withPg(layout, { via: "tcp", admin }, "create users", async (s) => {
    for (const user of users) {
      const verb = (await roleExists(s, user.name)) ? "ALTER" : "CREATE";
      await s.query(`${verb} ROLE ${s.ident(user.name)} WITH LOGIN ${passwordClause(s, user.password)}`);
      for (const db of user.databases) {
        await s.query(`GRANT ALL PRIVILEGES ON DATABASE ${s.ident(db)} TO ${s.ident(user.name)}`);
      }
    }
  });
  // Since PostgreSQL 15 only the owner may create objects in schema public; a granted user should be able to.
  const byDatabase = new Map<string, string[]>();
  for (const user of users) {
    for (const db of user.databases) byDatabase.set(db, [...(byDatabase.get(db) ?? []), user.name]);
  }
  for (const [db, names] of byDatabase) {
    await withPg(layout, { via: "tcp", admin, database: db }, `grant schema public in ${db}`, async (s) => {
      await s.query(`GRANT ALL ON SCHEMA public TO ${names.map((n) => s.ident(n)).join(", ")}`);
    });
  }
}

export async function listPostgresqlDatabases(
  layout: EngineLayout,
  admin: Credentials,
): Promise<DatabaseInfo[]> {
  return withPg(layout, { via: "tcp", admin }, "list databases", (s) =>
    s.query<DatabaseInfo>(
      `SELECT datname AS name, pg_encoding_to_char(encoding) AS "characterSet", datcollate AS collate
         FROM pg_database WHERE NOT datistemplate AND NOT (datname = ANY($1)) ORDER BY datname`,
      [caps.systemDatabases],
    ),
  );
}

export async function listPostgresqlUsers(layout: EngineLayout, admin: Credentials): Promise<UserInfo[]> {
  return withPg(layout, { via: "tcp", admin }, "list users", (s) =>
    s.query<UserInfo>(
      `SELECT r.rolname AS name,
              COALESCE(array_agg(d.datname::text ORDER BY d.datname) FILTER (WHERE d.datname IS NOT NULL), ARRAY[]::text[]) AS databases
         FROM pg_roles r
         LEFT JOIN pg_database d
           ON NOT d.datistemplate AND NOT (d.datname = ANY($2)) AND has_database_privilege(r.oid, d.oid, 'CONNECT')
        WHERE r.rolcanlogin AND NOT (r.rolname = ANY($1)) AND r.rolname NOT LIKE 'pg\\_%'
        GROUP BY r.rolname ORDER BY r.rolname`,
      [caps.systemUsers, caps.systemDatabases],
    ),
  );
}
