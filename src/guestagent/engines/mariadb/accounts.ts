import { mysqlNativeHash } from "../secrets.js";
import type { Credentials, EngineLayout, UserRef } from "../engine.js";
import { mariadbCapabilities as caps } from "./capabilities.js";
import { withMy, type MySession } from "./client.js";

/** In GRANT, `_` and `%` in a database name are wildcards: escape them so a grant names one database. */
export function grantDatabase(s: MySession, name: string): string {
  return s.ident(grantPattern(name));
}
/** How mysql.db stores a grant on exactly this database. */
export const grantPattern = (name: string): string => name.replace(/[\\_%]/g, (c) => `\\${c}`);
export const unescapeGrant = (pattern: string): string => pattern.replace(/\\([\\_%])/g, "$1");

/** The host of a ref on MariaDB: `%` when absent. */
export const hostOf = (ref: UserRef): string => ref.host ?? "%";

/** Creates the account or resets its password; the hash is computed here, so no clear password is sent. */
export async function ensureAccount(
  s: MySession,
  name: string,
  host: string,
  password: string,
): Promise<boolean> {
  const found = await s.query("SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?", [name, host]);
  const verb = found.length > 0 ? "ALTER" : "CREATE";
  await s.query(`${verb} USER ?@? IDENTIFIED BY PASSWORD ?`, [name, host, mysqlNativeHash(password)]);
  return found.length === 0;
}

/**
 * Ends the sessions of a user name (all its hosts: the process list shows the client's address,
 * not the account it matched), or only those using `database`. A revoked or dropped account
 * would otherwise keep what it had until it disconnects.
 */
export async function killSessions(s: MySession, name: string, database?: string): Promise<void> {
  const rows = await s.query<{ ID: number }>(
    `SELECT ID FROM information_schema.PROCESSLIST
      WHERE BINARY USER = ? AND ID <> CONNECTION_ID()${database === undefined ? "" : " AND BINARY DB = ?"}`,
    database === undefined ? [name] : [name, database],
  );
  for (const { ID } of rows) {
    await s.query("KILL CONNECTION ?", [ID]).catch((err: unknown) => {
      // ER_NO_SUCH_THREAD: it ended on its own meanwhile.
      if ((err as { errno?: number }).errno !== 1094) throw err;
    });
  }
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

/** The engine's superuser over TCP (root@%): Trove's enable-root. */
export async function enableMariadbRoot(
  layout: EngineLayout,
  admin: Credentials,
  password: string,
): Promise<void> {
  await withMy(layout, { via: "tcp", admin }, "enable root", async (s) => {
    await ensureAccount(s, caps.rootUser, "%", password);
    await s.query("GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION", [caps.rootUser]);
  });
}

/** root@% goes (root@localhost, the socket account, stays); its TCP sessions end. */
export async function disableMariadbRoot(layout: EngineLayout, admin: Credentials): Promise<void> {
  await withMy(layout, { via: "tcp", admin }, "disable root", async (s) => {
    await s.query("DROP USER IF EXISTS ?@'%'", [caps.rootUser]);
    const rows = await s.query<{ ID: number }>(
      `SELECT ID FROM information_schema.PROCESSLIST
        WHERE USER = ? AND HOST <> 'localhost' AND ID <> CONNECTION_ID()`,
      [caps.rootUser],
    );
    for (const { ID } of rows) await s.query("KILL CONNECTION ?", [ID]).catch(() => undefined);
  });
}

export async function isMariadbRootEnabled(layout: EngineLayout, admin: Credentials): Promise<boolean> {
  return withMy(layout, { via: "tcp", admin }, "check root", async (s) => {
    const rows = await s.query("SELECT 1 FROM mysql.user WHERE User = ? AND Host = '%'", [caps.rootUser]);
    return rows.length > 0;
  });
}
