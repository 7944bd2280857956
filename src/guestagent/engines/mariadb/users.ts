import { checkNames } from "../names.js";
import { paginate } from "../pages.js";
import { userKey } from "../rules.js";
import { mysqlNativeHash } from "../secrets.js";
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
import {
  ensureAccount,
  grantDatabase,
  grantPattern,
  hostOf,
  killSessions,
  unescapeGrant,
} from "./accounts.js";
import { mariadbCapabilities as caps } from "./capabilities.js";
import { socketUser, withMy, type MySession } from "./client.js";

/**
 * Accounts as the API shows them: not the system's, not Coffer's own socket account, not
 * anonymous ones, not `localhost` ones (the socket: only Coffer logs in there), as Trove hides them.
 */
async function visibleUsers(s: MySession): Promise<UserInfo[]> {
  const hidden = new Set([...caps.systemUsers, socketUser()]);
  const accounts = await s.query<{ User: string; Host: string }>(
    "SELECT User, Host FROM mysql.user WHERE is_role = 'N'",
  );
  const grants = await s.query<{ User: string; Host: string; Db: string }>(
    "SELECT User, Host, Db FROM mysql.db",
  );
  return accounts
    .filter((a) => a.User !== "" && !hidden.has(a.User) && a.Host !== "localhost")
    .map((a) => ({
      name: a.User,
      host: a.Host,
      databases: grants
        .filter((g) => g.User === a.User && g.Host === a.Host)
        .map((g) => unescapeGrant(g.Db))
        .filter((db) => !caps.systemDatabases.includes(db))
        .sort(),
    }));
}

const refOf = (user: UserInfo): UserRef => ({ name: user.name, host: hostOf(user) });

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
  await withMy(layout, { via: "tcp", admin }, "create users", (s) =>
    withUndo(async (undo) => {
      for (const user of users) {
        const host = hostOf(user);
        if (await ensureAccount(s, user.name, host, user.password)) {
          undo(() => s.query("DROP USER IF EXISTS ?@?", [user.name, host]));
        }
        await grant(s, { name: user.name, host }, user.databases, undo);
      }
    }),
  );
}

/** Grants each database not granted yet; registers how to take each new grant back. */
async function grant(s: MySession, ref: UserRef, databases: readonly string[], undo: Undo): Promise<void> {
  const host = hostOf(ref);
  for (const db of databases) {
    const had = await s.query("SELECT 1 FROM mysql.db WHERE User = ? AND Host = ? AND Db = ?", [
      ref.name,
      host,
      grantPattern(db),
    ]);
    if (had.length > 0) continue;
    await s.query(`GRANT ALL PRIVILEGES ON ${grantDatabase(s, db)}.* TO ?@?`, [ref.name, host]);
    undo(() => s.query(`REVOKE ALL PRIVILEGES ON ${grantDatabase(s, db)}.* FROM ?@?`, [ref.name, host]));
  }
}

export async function listMariadbUsers(
  layout: EngineLayout,
  admin: Credentials,
  page?: PageRequest,
): Promise<Page<UserInfo>> {
  const all = await withMy(layout, { via: "tcp", admin }, "list users", visibleUsers);
  return paginate(all, (u) => userKey(refOf(u)), page);
}

export async function getMariadbUser(
  layout: EngineLayout,
  admin: Credentials,
  ref: UserRef,
): Promise<UserInfo | undefined> {
  const all = await withMy(layout, { via: "tcp", admin }, "show a user", visibleUsers);
  return all.find((u) => u.name === ref.name && u.host === hostOf(ref));
}

/** RENAME USER moves the grants along; a new password is set on the renamed account. */
export async function updateMariadbUser(
  layout: EngineLayout,
  admin: Credentials,
  ref: UserRef,
  changes: UserChanges,
): Promise<void> {
  const from = { name: ref.name, host: hostOf(ref) };
  const to = { name: changes.name ?? from.name, host: changes.host ?? from.host };
  checkNames(caps, "user", [to.name]);
  await withMy(layout, { via: "tcp", admin }, "update a user", (s) =>
    withUndo(async (undo) => {
      const renamed = to.name !== from.name || to.host !== from.host;
      if (renamed) {
        await s.query("RENAME USER ?@? TO ?@?", [from.name, from.host, to.name, to.host]);
        undo(() => s.query("RENAME USER ?@? TO ?@?", [to.name, to.host, from.name, from.host]));
      }
      if (changes.password !== undefined) {
        await s.query("ALTER USER ?@? IDENTIFIED BY PASSWORD ?", [
          to.name,
          to.host,
          mysqlNativeHash(changes.password),
        ]);
      }
      // Sessions of an account that no longer exists under its old name end with it.
      if (renamed) await killSessions(s, from.name);
    }),
  );
}

/** All or none: each account's old password hash is put back if a later one fails. */
export async function changeMariadbPasswords(
  layout: EngineLayout,
  admin: Credentials,
  users: (UserRef & { password: string })[],
): Promise<void> {
  await withMy(layout, { via: "tcp", admin }, "change passwords", (s) =>
    withUndo(async (undo) => {
      for (const user of users) {
        const host = hostOf(user);
        const [old] = await s.query<{ hash: string }>(
          "SELECT authentication_string AS hash FROM mysql.user WHERE User = ? AND Host = ?",
          [user.name, host],
        );
        await s.query("ALTER USER ?@? IDENTIFIED BY PASSWORD ?", [
          user.name,
          host,
          mysqlNativeHash(user.password),
        ]);
        if (old?.hash)
          undo(() => s.query("ALTER USER ?@? IDENTIFIED BY PASSWORD ?", [user.name, host, old.hash]));
      }
    }),
  );
}

export async function deleteMariadbUser(
  layout: EngineLayout,
  admin: Credentials,
  ref: UserRef,
): Promise<void> {
  checkNames(caps, "user", [ref.name]);
  await withMy(layout, { via: "tcp", admin }, "delete a user", async (s) => {
    await s.query("DROP USER IF EXISTS ?@?", [ref.name, hostOf(ref)]);
    await killSessions(s, ref.name);
  });
}

export async function grantMariadbAccess(
  layout: EngineLayout,
  admin: Credentials,
  ref: UserRef,
  databases: string[],
): Promise<void> {
  await withMy(layout, { via: "tcp", admin }, "grant access", (s) =>
    withUndo((undo) => grant(s, ref, databases, undo)),
  );
}

export async function revokeMariadbAccess(
  layout: EngineLayout,
  admin: Credentials,
  ref: UserRef,
  database: string,
): Promise<void> {
  const host = hostOf(ref);
  await withMy(layout, { via: "tcp", admin }, "revoke access", async (s) => {
    const had = await s.query("SELECT 1 FROM mysql.db WHERE User = ? AND Host = ? AND Db = ?", [
      ref.name,
      host,
      grantPattern(database),
    ]);
    if (had.length > 0) {
      await s.query(`REVOKE ALL PRIVILEGES ON ${grantDatabase(s, database)}.* FROM ?@?`, [ref.name, host]);
    }
    // A session keeps a database it is using until it disconnects: end it.
    await killSessions(s, ref.name, database);
  });
}
