import { ValidationError } from "../../domain/index.js";
import type { DatabaseSpec, EngineCapabilities, UserSpec } from "./engine.js";
import { checkDatabaseName, checkDatabaseOptions, checkPassword, checkUserRef, userKey } from "./rules.js";

/**
 * Checks databases a request asks for against the engine's rules (rules.ts) before anything is
 * changed: valid and unreserved names, known character sets, no name twice. Returns them with
 * only the keys that are set.
 */
export function checkDatabaseSpecs(
  caps: EngineCapabilities,
  databases: readonly DatabaseSpec[],
): DatabaseSpec[] {
  const seen = new Set<string>();
  return databases.map((db) => {
    checkDatabaseName(caps, db.name);
    checkDatabaseOptions(caps, db);
    if (seen.has(db.name)) {
      throw new ValidationError("DATABASE_DUPLICATE", `Database "${db.name}" is listed more than once.`, {
        details: { name: db.name },
      });
    }
    seen.add(db.name);
    return {
      name: db.name,
      ...(db.characterSet !== undefined ? { characterSet: db.characterSet } : {}),
      ...(db.collate !== undefined ? { collate: db.collate } : {}),
    };
  });
}

/**
 * The same for users: valid names and hosts, passwords, no account (`name@host`) twice, and
 * databases named at most once each. Returns them normalized (host `%` where hosts exist).
 */
export function checkUserSpecs(caps: EngineCapabilities, users: readonly UserSpec[]): UserSpec[] {
  const seen = new Set<string>();
  return users.map((user) => {
    const ref = checkUserRef(caps, user);
    const key = userKey(ref);
    checkPassword(user.password, `user "${key}"`);
    if (seen.has(key)) {
      throw new ValidationError("USER_DUPLICATE", `User "${key}" is listed more than once.`, {
        details: { user: key },
      });
    }
    seen.add(key);
    return { ...ref, password: user.password, databases: checkGrantList(caps, user.databases, key) };
  });
}

/** Databases to grant: valid, unreserved names, each once. */
export function checkGrantList(
  caps: EngineCapabilities,
  databases: readonly string[],
  user: string,
): string[] {
  const seen = new Set<string>();
  for (const name of databases) {
    checkDatabaseName(caps, name);
    if (seen.has(name)) {
      throw new ValidationError(
        "DATABASE_DUPLICATE",
        `Database "${name}" is listed more than once for user "${user}".`,
        { details: { name, user } },
      );
    }
    seen.add(name);
  }
  return [...databases];
}

/**
 * A whole create request (POST /instances): the databases and users, and every database a user
 * is to get access to must be one of the databases created with it (the instance has no other).
 */
export function checkSpecs(
  caps: EngineCapabilities,
  databases: readonly DatabaseSpec[],
  users: readonly UserSpec[],
): { databases: DatabaseSpec[]; users: UserSpec[] } {
  const dbs = checkDatabaseSpecs(caps, databases);
  const checked = checkUserSpecs(caps, users);
  const names = new Set(dbs.map((d) => d.name));
  for (const user of checked) {
    const unknown = user.databases.find((d) => !names.has(d));
    if (unknown !== undefined) {
      throw new ValidationError(
        "DATABASE_NOT_LISTED",
        `User "${userKey(user)}" is granted database "${unknown}", which is not among the databases to create.`,
        { details: { user: userKey(user), database: unknown } },
      );
    }
  }
  return { databases: dbs, users: checked };
}
