/**
 * engines: one driver per database engine behind the `Engine` port (engine.ts). A driver renders
 * configuration, says how to launch the server and talks to it (health, databases, users); the
 * compute provider supervises the process. Differences between engines are the data in
 * `EngineCapabilities`, never a check of the manager's name elsewhere.
 *
 * `engineFor(manager)` maps a Trove datastore manager to its driver: `postgresql` → PostgreSQL,
 * `mariadb` and `mysql` → MariaDB (the wire protocol and SQL are compatible). Drivers hold no
 * state and open nothing until called; every call opens and closes its own connection.
 */
import { NotFoundError } from "../../domain/index.js";
import type { Engine, EngineCapabilities } from "./engine.js";

import { createMariadbEngine } from "./mariadb/mariadb.js";
import { createPostgresqlEngine } from "./postgresql/postgresql.js";

export type * from "./engine.js";
export { BackupKind, ReplicationKind, listenAddresses } from "./engine.js";

const FACTORIES: readonly (() => Engine)[] = [createPostgresqlEngine, createMariadbEngine];

/** Every driver, for registering the installed ones as datastore versions. */
export function allEngines(): Engine[] {
  return FACTORIES.map((create) => create());
}

/** The managers Coffer can serve. */
export function supportedManagers(): string[] {
  return allEngines().flatMap((e) => [...e.capabilities.managers]);
}

/** The driver for a Trove datastore manager; NotFoundError (ENGINE_NOT_FOUND) for any other. */
export function engineFor(manager: string): Engine {
  const engine = allEngines().find((e) => e.capabilities.managers.includes(manager));
  if (!engine) {
    throw new NotFoundError("ENGINE_NOT_FOUND", `no engine driver for datastore manager "${manager}"`, {
      details: { manager, supported: supportedManagers() },
    });
  }
  return engine;
}

export function capabilitiesOf(manager: string): EngineCapabilities {
  return engineFor(manager).capabilities;
}
