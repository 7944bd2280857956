import type { Handler, JsonValue } from "../bus/index.js";
import { ConflictError } from "../domain/index.js";
import { parseDatabaseName, parseDatabases, parsePage, parseRootPassword } from "./account-args.js";
import { databaseNames, databaseNotFound, preparedHandler } from "./account-checks.js";
import { checkDatabaseName, checkPassword } from "./engines/rules.js";
import { checkDatabaseSpecs } from "./engines/specs.js";
import type { GuestAgent, Prepared } from "./guest-agent.js";
import type { DatabasePage, RootCredentials } from "./rpc.js";

/**
 * The database and root methods of `guestagent.<id>`. Like every operation they run one at a time
 * per instance and need a prepared instance; requests are checked in full before the engine is
 * changed (see account-checks.ts).
 */
export function databaseHandlers(agent: GuestAgent): Record<string, Handler> {
  const on = (method: string, operation: (p: Prepared, args: JsonValue) => Promise<unknown>): Handler =>
    preparedHandler(agent, method, operation);
  return {
    list_databases: on("list_databases", async (p, args): Promise<DatabasePage> => {
      const page = await p.engine.listDatabases(p.layout, p.state.admin, parsePage("list_databases", args));
      return {
        databases: page.items,
        ...(page.nextMarker !== undefined ? { nextMarker: page.nextMarker } : {}),
      };
    }),

    create_database: on("create_database", async (p, args) => {
      const databases = checkDatabaseSpecs(p.engine.capabilities, parseDatabases("create_database", args));
      const existing = await databaseNames(p);
      const taken = databases.find((d) => existing.has(d.name));
      if (taken) {
        throw new ConflictError(
          "DATABASE_EXISTS",
          `A database with the name "${taken.name}" already exists.`,
          {
            details: { name: taken.name },
          },
        );
      }
      await p.engine.createDatabases(p.layout, p.state.admin, databases);
      agent.log.info({ databases: databases.map((d) => d.name) }, "databases created");
    }),

    delete_database: on("delete_database", async (p, args) => {
      const name = parseDatabaseName("delete_database", args);
      checkDatabaseName(p.engine.capabilities, name);
      if (!(await databaseNames(p)).has(name)) throw databaseNotFound(name);
      await p.engine.deleteDatabase(p.layout, p.state.admin, name);
      agent.log.info({ database: name }, "database deleted");
    }),

    enable_root: on("enable_root", async (p, args): Promise<RootCredentials> => {
      const given = parseRootPassword("enable_root", args);
      if (given !== undefined) checkPassword(given, "root");
      const password = given ?? agent.ctx.newPassword();
      await p.engine.enableRoot(p.layout, p.state.admin, password);
      agent.log.info("root enabled");
      return { name: p.engine.capabilities.rootUser, password };
    }),

    disable_root: on("disable_root", async (p) => {
      await p.engine.disableRoot(p.layout, p.state.admin);
      agent.log.info("root disabled");
    }),

    is_root_enabled: on("is_root_enabled", (p) => p.engine.isRootEnabled(p.layout, p.state.admin)),
  };
}
