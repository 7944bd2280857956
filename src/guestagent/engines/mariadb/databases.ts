import { ValidationError } from "../../../domain/index.js";
import { checkNames } from "../names.js";
import { paginate } from "../pages.js";
import { withUndo } from "../undo.js";
import type { Credentials, DatabaseInfo, DatabaseSpec, EngineLayout, Page, PageRequest } from "../engine.js";
import { grantDatabase, grantPattern } from "./accounts.js";
import { mariadbCapabilities as caps } from "./capabilities.js";
import { withMy, type MySession } from "./client.js";

const ER_DB_CREATE_EXISTS = 1007;
/** Unknown character set, unknown collation, collation of another character set. */
const OPTION_ERRORS = new Set([1115, 1273, 1253]);

/** CHARACTER SET and COLLATE as given; the defaults only when neither is (one implies the other). */
function optionsClause(db: DatabaseSpec): { sql: string; values: string[] } {
  if (db.characterSet === undefined && db.collate === undefined) {
    return { sql: " CHARACTER SET ? COLLATE ?", values: [caps.defaultCharacterSet, caps.defaultCollation] };
  }
  const parts: string[] = [];
  const values: string[] = [];
  if (db.characterSet !== undefined) {
    parts.push(" CHARACTER SET ?");
    values.push(db.characterSet);
  }
  if (db.collate !== undefined) {
    parts.push(" COLLATE ?");
    values.push(db.collate);
  }
  return { sql: parts.join(""), values };
}

/** Creates those that do not exist; if one cannot be created, the ones created before it are dropped. */
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
  await withMy(layout, { via: "tcp", admin }, "create databases", (s) =>
    withUndo(async (undo) => {
      for (const db of databases) {
        const options = optionsClause(db);
        try {
          await s.query(`CREATE DATABASE ${s.ident(db.name)}${options.sql}`, options.values);
        } catch (err) {
          const errno = (err as { errno?: number }).errno;
          if (errno === ER_DB_CREATE_EXISTS) continue;
          if (errno !== undefined && OPTION_ERRORS.has(errno)) {
            throw new ValidationError(
              "DATABASE_OPTIONS_INVALID",
              `Database "${db.name}": ${(err as Error).message}.`,
              { details: { name: db.name } },
            );
          }
          throw err;
        }
        undo(() => s.query(`DROP DATABASE IF EXISTS ${s.ident(db.name)}`));
      }
    }),
  );
}

async function allDatabases(s: MySession): Promise<DatabaseInfo[]> {
  const rows = await s.query<DatabaseInfo>(
    `SELECT SCHEMA_NAME AS name, DEFAULT_CHARACTER_SET_NAME AS characterSet, DEFAULT_COLLATION_NAME AS \`collate\`
       FROM information_schema.SCHEMATA`,
  );
  // Compared here, exactly: SCHEMATA's collation ignores case, and `MYSQL` is a user's database.
  return rows.filter((r) => !caps.systemDatabases.includes(r.name));
}

export async function listMariadbDatabases(
  layout: EngineLayout,
  admin: Credentials,
  page?: PageRequest,
): Promise<Page<DatabaseInfo>> {
  const all = await withMy(layout, { via: "tcp", admin }, "list databases", allDatabases);
  return paginate(all, (d) => d.name, page);
}

/**
 * Ends the sessions using it, drops it, then takes away the grants on it: MariaDB keeps them,
 * and a database created later under the same name would otherwise be open to its old users.
 */
export async function deleteMariadbDatabase(
  layout: EngineLayout,
  admin: Credentials,
  name: string,
): Promise<void> {
  checkNames(caps, "database", [name]);
  await withMy(layout, { via: "tcp", admin }, "delete a database", async (s) => {
    const sessions = await s.query<{ ID: number }>(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE BINARY DB = ? AND ID <> CONNECTION_ID()",
      [name],
    );
    for (const { ID } of sessions) await s.query("KILL CONNECTION ?", [ID]).catch(() => undefined);
    await s.query(`DROP DATABASE IF EXISTS ${s.ident(name)}`);
    const grants = await s.query<{ User: string; Host: string }>(
      "SELECT User, Host FROM mysql.db WHERE Db = ?",
      [grantPattern(name)],
    );
    for (const g of grants) {
      await s.query(`REVOKE ALL PRIVILEGES ON ${grantDatabase(s, name)}.* FROM ?@?`, [g.User, g.Host]);
    }
  });
}
