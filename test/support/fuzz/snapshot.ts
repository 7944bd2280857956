import Database from "better-sqlite3";

/**
 * What the infrastructure database holds, read through a second, read-only connection to the
 * SQLite file (the store's port has no "dump everything" and should not grow one for tests).
 * `PRAGMA data_version` changes whenever another connection commits, so "did anything change?"
 * costs one pragma; the full dump is read only when it did.
 */

/**
 * Columns a refused request may legitimately change: Keystone's lockout counts failed logins
 * (a 401 for a wrong password is recorded, so that guessing locks the user out).
 */
const MAY_CHANGE_ON_REFUSAL: Record<string, readonly string[]> = {
  users: ["failed_logins", "locked_until"],
};

export type Dump = Map<string, Map<string, string>>;

export class StoreSnapshots {
  private readonly db: Database.Database;
  private version = -1;
  private dump: Dump = new Map();

  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
  }

  private dataVersion(): number {
    return this.db.pragma("data_version", { simple: true }) as number;
  }

  /** Whether anything was committed since the last `current()`. */
  changed(): boolean {
    return this.dataVersion() !== this.version;
  }

  /** The database as it is now (read again only if something changed). */
  current(): Dump {
    const version = this.dataVersion();
    if (version === this.version) return this.dump;
    const tables = this.db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%'",
      )
      .all() as { name: string }[];
    const dump: Dump = new Map();
    for (const { name } of tables) {
      const rows = this.db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[];
      const byKey = new Map<string, string>();
      for (const row of rows) byKey.set(JSON.stringify(row), JSON.stringify(row));
      dump.set(name, byKey);
    }
    this.version = version;
    this.dump = dump;
    return dump;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * The rows that differ between two dumps, ignoring the columns a refusal may change; each as
 * `table: -row` / `table: +row`. Empty when nothing else changed.
 */
export function differences(before: Dump, after: Dump, ignore = MAY_CHANGE_ON_REFUSAL): string[] {
  const out: string[] = [];
  const strip = (table: string, row: string) => {
    const cols = ignore[table];
    if (!cols) return row;
    const parsed = JSON.parse(row) as Record<string, unknown>;
    for (const c of cols) delete parsed[c];
    return JSON.stringify(parsed);
  };
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const a = new Set([...(before.get(table)?.keys() ?? [])].map((r) => strip(table, r)));
    const b = new Set([...(after.get(table)?.keys() ?? [])].map((r) => strip(table, r)));
    for (const row of a) if (!b.has(row)) out.push(`${table}: -${row}`);
    for (const row of b) if (!a.has(row)) out.push(`${table}: +${row}`);
  }
  return out;
}

/** The rows of a dump that mention any of the given ids (another project's things). */
export function rowsMentioning(dump: Dump, ids: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const [table, rows] of dump) {
    for (const row of rows.keys()) if (ids.some((id) => row.includes(id))) out.add(`${table}: ${row}`);
  }
  return out;
}
