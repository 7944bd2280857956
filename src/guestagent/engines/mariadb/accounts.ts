import { checkNames } from "../names.js";
import { mysqlNativeHash } from "../secrets.js";
import type { Credentials, DatabaseInfo, DatabaseSpec, EngineLayout, UserInfo, UserSpec } from "../engine.js";
import { mariadbCapabilities as caps } from "./capabilities.js";
import { socketUser, withMy, type MySession } from "./client.js";

/** In GRANT, `_` and `%` in a database name are wildcards: escape them so a grant names one database. */
function grantDatabase(s: MySession, name: string): string {
  return s.ident(name.replace(/[\\_%]/g, (c) => `\\${c}`));
}
const unescapeGrant = (pattern: string): string => pattern.replace(/\\([\\_%])/g, "$1");

/** Creates the account or resets its password; the hash is computed here, so no clear password is sent. */
async function ensureAccount(s: MySession, name: string, host: string, password: string): Promise<void> {
  const found = await s.query("SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?", [name, host]);
  const verb = found.length > 0 ? "ALTER" : "CREATE";
  await s.query(`${verb} USER ?@? IDENTIFIED BY PASSWORD ?`, [name, host, mysqlNativeHash(password)]);
}

/**
 * Over the socket as the control plane's own OS account (unix_socket auth): the admin account gets
 * its password and every grant; anonymous accounts, root over TCP and the test database go.
 */
export async function secureMariadb(layout: EngineLayout, admin: Credentials): Promise<void> {
  await withMy(layout, { via: "socket" }, "secure the admin account", async (s) => {
    await ensureAccount(s, admin.username, "%", admin.password);
    await s.query("GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION", [admin.username]);
    const strays = await s.query<{ User: string; Host: string }>(
      "SELECT User, Host FROM mysql.user WHERE User = '' OR (User = ? AND Host <> 'localhost')",
      [caps.rootUser],
    );
    for (const { User, Host } of strays) await s.query("DROP USER ?@?", [User, Host]);
    await s.query("DROP DATABASE IF EXISTS test");
    // install-db grants root@<hostname> a proxy right; with skip-name-resolve it only logs a warning at each start.
    await s.query("DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost'");
    await s.query("FLUSH PRIVILEGES");
  });
}

export async function createMariadbDatabases(
  layout: EngineLayout,
  admin: Credentials,
  databases: DatabaseSpec[],
): Promise<void> {
  checkNames(
    caps,
    "database",
    databases.map((d) => d.name),
  );
  await withMy(layout, { via: "tcp", admin }, "create databases", async (s) => {
    for (const db of databases) {
      await s.query(`CREATE DATABASE IF NOT EXISTS ${s.ident(db.name)} CHARACTER SET ? COLLATE ?`, [
        db.characterSet ?? caps.defaultCharacterSet,
        db.collate ?? caps.defaultCollation,
      ]);
    }
  });
}

export async function createMariadbUsers(
  layout: EngineLayout,
  admin: Credentials,
  users: UserSpec[],
): Promise<void> {
  checkNames(
    caps,
    "user",
    users.map((u) => u.name),
  );
  await withMy(layout, { via: "tcp", admin }, "create users", async (s) => {
    for (const user of users) {
      const host = user.host ?? "%";
      await ensureAccount(s, user.name, host, user.password);
      for (const db of user.databases) {
        await s.query(`GRANT ALL PRIVILEGES ON ${grantDatabase(s, db)}.* TO ?@?`, [user.name, host]);
      }
    }
  });
}

export async function listMariadbDatabases(
  layout: EngineLayout,
  admin: Credentials,
): Promise<DatabaseInfo[]> {
  return withMy(layout, { via: "tcp", admin }, "list databases", (s) =>
    s.query<DatabaseInfo>(
      `SELECT SCHEMA_NAME AS name, DEFAULT_CHARACTER_SET_NAME AS characterSet, DEFAULT_COLLATION_NAME AS \`collate\`
         FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (?) ORDER BY SCHEMA_NAME`,
      [caps.systemDatabases],
    ),
  );
}

export async function listMariadbUsers(layout: EngineLayout, admin: Credentials): Promise<UserInfo[]> {
  const hidden = [...caps.systemUsers, socketUser()];
  return withMy(layout, { via: "tcp", admin }, "list users", async (s) => {
    const users = await s.query<{ name: string; host: string }>(
      `SELECT User AS name, Host AS host FROM mysql.user
        WHERE User <> '' AND is_role = 'N' AND User NOT IN (?) ORDER BY User, Host`,
      [hidden],
    );
    const grants = await s.query<{ User: string; Host: string; Db: string }>(
      "SELECT User, Host, Db FROM mysql.db ORDER BY Db",
    );
    return users.map((u) => ({
      name: u.name,
      host: u.host,
      databases: grants.filter((g) => g.User === u.name && g.Host === u.host).map((g) => unescapeGrant(g.Db)),
    }));
  });
}
