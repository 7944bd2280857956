import { ValidationError } from "../../domain/index.js";
import type { DatabaseSpec, EngineCapabilities, UserSpec } from "./engine.js";
import { checkNames } from "./names.js";

/**
 * Checks databases and users a request asks for against the engine's rules before anything is
 * changed: valid and unreserved names, no duplicates, a host part only where the engine has one.
 */
export function checkSpecs(
  caps: EngineCapabilities,
  databases: readonly DatabaseSpec[],
  users: readonly UserSpec[],
): void {
  checkNames(
    caps,
    "database",
    databases.map((d) => d.name),
  );
  checkNames(
    caps,
    "user",
    users.map((u) => u.name),
  );
  const dbNames = new Set<string>();
  for (const db of databases) {
    if (dbNames.has(db.name)) {
      throw new ValidationError("DATABASE_DUPLICATE", `Database "${db.name}" is listed more than once.`);
    }
    dbNames.add(db.name);
  }
  const userKeys = new Set<string>();
  for (const user of users) {
    if (user.host !== undefined && !caps.userHosts) {
      throw new ValidationError("USER_HOST_UNSUPPORTED", `Users of ${caps.name} have no host part.`);
    }
    const key = `${user.name}@${caps.userHosts ? (user.host ?? "%") : ""}`;
    if (userKeys.has(key))
      throw new ValidationError("USER_DUPLICATE", `User "${user.name}" is listed more than once.`);
    userKeys.add(key);
    checkNames(caps, "database", user.databases);
  }
}
