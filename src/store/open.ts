import { sql, type Kysely } from "kysely";
import type { Logger } from "../lib/index.js";
import { migrateToLatest } from "./migrator.js";
import type { Repositories, Store, StoreTarget } from "./port.js";
import { openPostgres, postgresProfile } from "./postgres.js";
import { translateError, type DialectProfile } from "./profile.js";
import { makeRepositories } from "./repos/index.js";
import type { Schema } from "./schema.js";
import { openSqlite, sqliteProfile } from "./sqlite.js";

/**
 * Opens the infrastructure database. SQLite: creates the file and its directory if needed.
 * PostgreSQL: makes a pool that connects on first use (`ping` checks that it can).
 * Does not migrate: call `migrate()`.
 */
export async function openStore(target: StoreTarget, deps: { logger: Logger }): Promise<Store> {
  const logger = deps.logger.child({ component: "store" });
  if (target.kind === "sqlite") {
    try {
      return new KyselyStore(openSqlite(target.path), sqliteProfile, logger);
    } catch (err) {
      throw translateError(err, sqliteProfile);
    }
  }
  return new KyselyStore(openPostgres(target.url, target.poolSize ?? 10, logger), postgresProfile, logger);
}

class KyselyStore implements Store {
  readonly dialect;
  readonly domains;
  readonly projects;
  readonly users;
  readonly roles;
  readonly roleAssignments;
  readonly tokens;
  readonly quotas;
  readonly quotaUsages;
  readonly datastores;
  readonly datastoreVersions;
  readonly flavors;
  readonly instances;
  readonly serviceStatuses;
  readonly tasks;
  readonly parameterRules;
  readonly configurations;
  readonly rootHistory;
  readonly engineFigures;
  readonly events;
  private closed: Promise<void> | undefined;
  /** Per lock name: the tail of this process's holders, so that one process takes turns too. */
  private readonly held = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly profile: DialectProfile,
    private readonly logger: Logger,
  ) {
    this.dialect = profile.name;
    const repos = makeRepositories({ db, profile });
    this.domains = repos.domains;
    this.projects = repos.projects;
    this.users = repos.users;
    this.roles = repos.roles;
    this.roleAssignments = repos.roleAssignments;
    this.tokens = repos.tokens;
    this.quotas = repos.quotas;
    this.quotaUsages = repos.quotaUsages;
    this.datastores = repos.datastores;
    this.datastoreVersions = repos.datastoreVersions;
    this.flavors = repos.flavors;
    this.instances = repos.instances;
    this.serviceStatuses = repos.serviceStatuses;
    this.tasks = repos.tasks;
    this.parameterRules = repos.parameterRules;
    this.configurations = repos.configurations;
    this.rootHistory = repos.rootHistory;
    this.engineFigures = repos.engineFigures;
    this.events = repos.events;
  }

  async transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    try {
      return await this.db
        .transaction()
        .execute((trx) => fn(makeRepositories({ db: trx, profile: this.profile })));
    } catch (err) {
      // Errors from fn are already translated; this catches BEGIN/COMMIT failures.
      throw translateError(err, this.profile);
    }
  }

  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const across = this.profile.lockAcrossProcesses;
    const run = async (): Promise<T> => {
      if (!across) return fn();
      try {
        return await across(this.db as Kysely<unknown>, name, fn);
      } catch (err) {
        throw translateError(err, this.profile);
      }
    };
    const previous = this.held.get(name) ?? Promise.resolve();
    const mine = previous.then(run, run);
    const tail = mine.catch(() => undefined);
    this.held.set(name, tail);
    try {
      return await mine;
    } finally {
      if (this.held.get(name) === tail) this.held.delete(name);
    }
  }

  async migrate(): Promise<{ applied: string[] }> {
    const result = await migrateToLatest(this.db as Kysely<unknown>, this.profile);
    if (result.applied.length > 0) this.logger.info({ applied: result.applied }, "migrations applied");
    return result;
  }

  async ping(): Promise<void> {
    try {
      await sql`select 1`.execute(this.db);
    } catch (err) {
      throw translateError(err, this.profile);
    }
  }

  close(): Promise<void> {
    return (this.closed ??= this.db.destroy());
  }
}
