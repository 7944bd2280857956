import { ValidationError } from "../../../domain/index.js";
import { checkNames } from "../names.js";
import { paginate } from "../pages.js";
import { withUndo } from "../undo.js";
import type { Credentials, DatabaseInfo, DatabaseSpec, EngineLayout, Page, PageRequest } from "../engine.js";
import { postgresqlCapabilities as caps } from "./capabilities.js";
import { withPg, type PgSession } from "./client.js";
import { takeSpareDatabase } from "./spare.js";

/**
 * wrong_object_type (a locale the host lacks), undefined_object (no such encoding),
 * invalid_parameter_value (a locale of another encoding).
 */
const OPTION_ERRORS = new Set(["42809", "42704", "22023"]);

/**
 * ENCODING and LC_COLLATE/LC_CTYPE. A locale of another encoding is refused by the server, so
 * with only an encoding given the locale is C.UTF-8 for UTF8 and C (fits every encoding) else;
 * with only a collation given, the encoding is template0's (UTF8).
 */
function optionsClause(s: PgSession, db: DatabaseSpec): string {
  const encoding = db.characterSet ?? (db.collate === undefined ? caps.defaultCharacterSet : undefined);
  const utf8 = encoding === undefined || encoding.toLowerCase().replace(/[^a-z0-9]/g, "") === "utf8";
  const locale = db.collate ?? (utf8 ? caps.defaultCollation : "C");
  return (
    (encoding === undefined ? "" : ` ENCODING ${s.literal(encoding)}`) +
    ` LC_COLLATE ${s.literal(locale)} LC_CTYPE ${s.literal(locale)}`
  );
}

const dropDatabase = (s: PgSession, name: string) =>
  s.query(`DROP DATABASE IF EXISTS ${s.ident(name)} WITH (FORCE)`);

/** Creates those that do not exist; if one cannot be created, the ones created before it are dropped. */
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
  await withPg(layout, { via: "tcp", admin }, "create databases", (s) =>
    withUndo(async (undo) => {
      for (const db of databases) {
        const found = await s.query("SELECT 1 FROM pg_database WHERE datname = $1", [db.name]);
        if (found.length > 0) continue;
        // The template's spare database, renamed, is much quicker than a copy of template0.
        if (await takeSpareDatabase(s, db, admin.username)) {
          undo(() => dropDatabase(s, db.name));
          continue; // the spare is already closed to PUBLIC
        }
        try {
          // CREATE DATABASE takes no parameters: every name and value goes through ident/literal.
          await s.query(`CREATE DATABASE ${s.ident(db.name)} TEMPLATE template0${optionsClause(s, db)}`);
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code !== undefined && OPTION_ERRORS.has(code)) {
            throw new ValidationError(
              "DATABASE_OPTIONS_INVALID",
              `Database "${db.name}": ${(err as Error).message}.`,
              { details: { name: db.name } },
            );
          }
          throw err;
        }
        undo(() => dropDatabase(s, db.name));
        // PostgreSQL lets everyone connect to a new database; Coffer grants access per user.
        await s.query(`REVOKE ALL ON DATABASE ${s.ident(db.name)} FROM PUBLIC`);
      }
    }),
  );
}

export async function listPostgresqlDatabases(
  layout: EngineLayout,
  admin: Credentials,
  page?: PageRequest,
): Promise<Page<DatabaseInfo>> {
  const all = await withPg(layout, { via: "tcp", admin }, "list databases", (s) =>
    s.query<DatabaseInfo>(
      `SELECT datname AS name, pg_encoding_to_char(encoding) AS "characterSet", datcollate AS collate
         FROM pg_database WHERE NOT datistemplate AND NOT (datname = ANY($1))`,
      [caps.systemDatabases],
    ),
  );
  return paginate(all, (d) => d.name, page);
}

/** Drops it, ending its sessions first (WITH FORCE); grants on it go with it. */
export async function deletePostgresqlDatabase(
  layout: EngineLayout,
  admin: Credentials,
  name: string,
): Promise<void> {
  checkNames(caps, "database", [name]);
  await withPg(layout, { via: "tcp", admin }, "delete a database", (s) => dropDatabase(s, name));
}
