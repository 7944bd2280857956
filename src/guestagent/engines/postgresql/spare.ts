import { engineCommandError } from "../errors.js";
import { requireProgram, runAsEngineUser } from "../host.js";
import type { DatabaseSpec, DataDirTarget } from "../engine.js";
import { postgresqlCapabilities as caps } from "./capabilities.js";
import type { PgSession } from "./client.js";

/**
 * A spare database, made once in the template: the first database an instance is given with the
 * default character set and collation is this one renamed, since CREATE DATABASE copies template0
 * through the WAL (80–170 ms on a busy host, the largest cost of a create after the engine's own
 * start) and a rename is a catalog update. It is a system database: hidden from listings, its
 * name refused to users, and while unused it stays (7.5 MB) — the same in every instance, pooled
 * or cold. The template still holds no secret: made in single-user mode, nothing listens.
 */
export const SPARE_DATABASE = "coffer_spare";

/** Creates the spare in a stopped, initialised data directory (PostgreSQL's single-user mode). */
export async function addSpareDatabase(target: DataDirTarget): Promise<void> {
  const postgres = requireProgram(target.binDir, "postgres");
  const sql =
    `CREATE DATABASE ${SPARE_DATABASE} TEMPLATE template0 ENCODING '${caps.defaultCharacterSet}'` +
    ` LC_COLLATE '${caps.defaultCollation}' LC_CTYPE '${caps.defaultCollation}'\n` +
    `REVOKE ALL ON DATABASE ${SPARE_DATABASE} FROM PUBLIC\n`;
  const args = [
    "--single",
    "-D",
    target.dataDir,
    "-c",
    "listen_addresses=",
    "-c",
    "unix_socket_directories=",
  ];
  await runAsEngineUser(postgres, [...args, "postgres"], target.runAs, {
    input: sql,
    timeoutMs: 120_000,
  }).catch((err: unknown) => {
    throw engineCommandError(caps.name, "create the spare database", err);
  });
}

/**
 * Gives the spare the name of a database being created, when it has the spare's settings and the
 * spare is still there; returns whether it did. It then belongs to the admin, as a created one would.
 */
export async function takeSpareDatabase(s: PgSession, db: DatabaseSpec, owner: string): Promise<boolean> {
  const charset = (db.characterSet ?? caps.defaultCharacterSet).toUpperCase().replace("-", "");
  const collate = db.collate ?? caps.defaultCollation;
  if (charset !== caps.defaultCharacterSet || collate !== caps.defaultCollation) return false;
  const found = await s.query("SELECT 1 FROM pg_database WHERE datname = $1", [SPARE_DATABASE]);
  if (found.length === 0) return false;
  await s.query(`ALTER DATABASE ${SPARE_DATABASE} RENAME TO ${s.ident(db.name)}`);
  await s.query(`ALTER DATABASE ${s.ident(db.name)} OWNER TO ${s.ident(owner)}`);
  return true;
}
