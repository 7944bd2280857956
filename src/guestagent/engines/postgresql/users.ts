import { checkNames } from "../names.js";
import { paginate } from "../pages.js";
import { withUndo, type Undo } from "../undo.js";
import type {
  Credentials,
  EngineLayout,
  Page,
  PageRequest,
  UserChanges,
  UserInfo,
  UserRef,
  UserSpec,
} from "../engine.js";
import { inTransaction, passwordClause, roleExists, terminateSessions } from "./accounts.js";
import { postgresqlCapabilities as caps } from "./capabilities.js";
import { withPg, type PgSession } from "./client.js";

type Target = { layout: EngineLayout; admin: Credentials };

/** Login roles as the API shows them (no system or `pg_` roles), each with the databases it may connect to. */
async function visibleUsers(s: PgSession): Promise<UserInfo[]> {
  return s.query<UserInfo>(
    `SELECT r.rolname AS name,
            COALESCE(array_agg(d.datname::text ORDER BY d.datname) FILTER (WHERE d.datname IS NOT NULL), ARRAY[]::text[]) AS databases
       FROM pg_roles r
       LEFT JOIN pg_database d
         ON NOT d.datistemplate AND NOT (d.datname = ANY($2)) AND has_database_privilege(r.oid, d.oid, 'CONNECT')
      WHERE r.rolcanlogin AND NOT (r.rolname = ANY($1)) AND r.rolname NOT LIKE 'pg\\_%'
      GROUP BY r.rolname`,
    [caps.systemUsers, caps.systemDatabases],
  );
}

/**
 * Database-level rights, then (since PostgreSQL 15 only the owner may create in schema public)
 * the schema inside it, over a session in that database. Registers how to take back each new grant.
 */
async function grant(
  t: Target,
  s: PgSession,
  role: string,
  databases: readonly string[],
  undo: Undo,
): Promise<void> {
  for (const db of databases) {
    const had = await s.query(
      `SELECT 1 FROM pg_database d, aclexplode(d.datacl) a
        WHERE d.datname = $1 AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $2)`,
      [db, role],
    );
    if (had.length > 0) continue;
    await s.query(`GRANT ALL PRIVILEGES ON DATABASE ${s.ident(db)} TO ${s.ident(role)}`);
    undo(() => s.query(`REVOKE ALL ON DATABASE ${s.ident(db)} FROM ${s.ident(role)}`));
    await inDatabase(t, db, `grant schema public in ${db}`, (d) =>
      d.query(`GRANT ALL ON SCHEMA public TO ${d.ident(role)}`),
    );
    undo(() =>
      inDatabase(t, db, "undo", (d) => d.query(`REVOKE ALL ON SCHEMA public FROM ${d.ident(role)}`)),
    );
  }
}

const inDatabase = <T>(t: Target, database: string, what: string, work: (s: PgSession) => Promise<T>) =>
  withPg(t.layout, { via: "tcp", admin: t.admin, database }, what, work);

/**
 * Drops a role and everything that holds on to it: in each database what it owns passes to the
 * admin (its data is kept) and its privileges go (DROP OWNED), then the role itself.
 */
async function dropRole(t: Target, s: PgSession, role: string): Promise<void> {
  if (!(await roleExists(s, role))) return;
  await terminateSessions(s, role);
  const dbs = await s.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datallowconn");
  for (const { datname } of dbs) {
    await inDatabase(t, datname, `release what ${role} holds in ${datname}`, async (d) => {
      await d.query(`REASSIGN OWNED BY ${d.ident(role)} TO ${d.ident(t.admin.username)}`);
      await d.query(`DROP OWNED BY ${d.ident(role)}`);
    });
  }
  await s.query(`DROP ROLE IF EXISTS ${s.ident(role)}`);
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
  const t = { layout, admin };
  await withPg(layout, { via: "tcp", admin }, "create users", (s) =>
    withUndo(async (undo) => {
      for (const user of users) {
        const exists = await roleExists(s, user.name);
        const verb = exists ? "ALTER" : "CREATE";
        await s.query(`${verb} ROLE ${s.ident(user.name)} WITH LOGIN ${passwordClause(s, user.password)}`);
        if (!exists) undo(() => dropRole(t, s, user.name));
        await grant(t, s, user.name, user.databases, undo);
      }
    }),
  );
}

export async function listPostgresqlUsers(
  layout: EngineLayout,
  admin: Credentials,
  page?: PageRequest,
): Promise<Page<UserInfo>> {
  const all = await withPg(layout, { via: "tcp", admin }, "list users", visibleUsers);
  return paginate(all, (u) => u.name, page);
}

export async function getPostgresqlUser(layout: EngineLayout, admin: Credentials, ref: UserRef) {
  const all = await withPg(layout, { via: "tcp", admin }, "show a user", visibleUsers);
  return all.find((u) => u.name === ref.name);
}

/** Rename and password in one transaction; grants belong to the role, not its name. */
export async function updatePostgresqlUser(
  layout: EngineLayout,
  admin: Credentials,
  ref: UserRef,
  changes: UserChanges,
): Promise<void> {
  const to = changes.name ?? ref.name;
  checkNames(caps, "user", [to]);
  await withPg(layout, { via: "tcp", admin }, "update a user", (s) =>
    inTransaction(s, async () => {
      if (to !== ref.name) await s.query(`ALTER ROLE ${s.ident(ref.name)} RENAME TO ${s.ident(to)}`);
      if (changes.password !== undefined) {
        await s.query(`ALTER ROLE ${s.ident(to)} WITH ${passwordClause(s, changes.password)}`);
      }
    }),
  );
}

export async function changePostgresqlPasswords(
  layout: EngineLayout,
  admin: Credentials,
  users: (UserRef & { password: string })[],
): Promise<void> {
  await withPg(layout, { via: "tcp", admin }, "change passwords", (s) =>
    inTransaction(s, async () => {
      for (const user of users) {
        await s.query(`ALTER ROLE ${s.ident(user.name)} WITH ${passwordClause(s, user.password)}`);
      }
    }),
  );
}

export async function deletePostgresqlUser(
  layout: EngineLayout,
  admin: Credentials,
  ref: UserRef,
): Promise<void> {
  checkNames(caps, "user", [ref.name]);
  await withPg(layout, { via: "tcp", admin }, "delete a user", (s) =>
    dropRole({ layout, admin }, s, ref.name),
  );
}

export async function grantPostgresqlAccess(
  layout: EngineLayout,
  admin: Credentials,
  ref: UserRef,
  databases: string[],
): Promise<void> {
  await withPg(layout, { via: "tcp", admin }, "grant access", (s) =>
    withUndo((undo) => grant({ layout, admin }, s, ref.name, databases, undo)),
  );
}

/** No more CONNECT (nor rights on its schema public), and its sessions in that database end. */
export async function revokePostgresqlAccess(
  layout: EngineLayout,
  admin: Credentials,
  ref: UserRef,
  database: string,
): Promise<void> {
  const t = { layout, admin };
  await withPg(layout, { via: "tcp", admin }, "revoke access", (s) =>
    withUndo(async (undo) => {
      const role = s.ident(ref.name);
      await inDatabase(t, database, `revoke schema public in ${database}`, (d) =>
        d.query(`REVOKE ALL ON SCHEMA public FROM ${d.ident(ref.name)}`),
      );
      undo(() =>
        inDatabase(t, database, "undo", (d) => d.query(`GRANT ALL ON SCHEMA public TO ${d.ident(ref.name)}`)),
      );
      await s.query(`REVOKE ALL ON DATABASE ${s.ident(database)} FROM ${role}`);
      await terminateSessions(s, ref.name, { database });
    }),
  );
}
