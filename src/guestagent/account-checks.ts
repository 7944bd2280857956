import type { Handler, JsonValue } from "../bus/index.js";
import { ConflictError, NotFoundError } from "../domain/index.js";
import type { UserInfo, UserRef } from "./engines/index.js";
import { userKey } from "./engines/rules.js";
import type { GuestAgent, Prepared } from "./guest-agent.js";

/**
 * What a database or user request is checked against once its values passed the engine's rules:
 * what the engine holds. Everything is looked at before anything is changed, so a refused request
 * changes nothing. (Operations on one instance run one at a time, so nothing changes in between
 * through Coffer.)
 */

/** A bus handler that runs `operation` alone on the instance, which must be prepared. */
export function preparedHandler(
  agent: GuestAgent,
  method: string,
  operation: (p: Prepared, args: JsonValue) => Promise<unknown>,
): Handler {
  return (args) =>
    agent.exclusive(async () => (await operation(agent.prepared(method), args)) as JsonValue | void);
}

export async function databaseNames(p: Prepared): Promise<Set<string>> {
  const { items } = await p.engine.listDatabases(p.layout, p.state.admin);
  return new Set(items.map((d) => d.name));
}

export function databaseNotFound(name: string): NotFoundError {
  return new NotFoundError("DATABASE_NOT_FOUND", `Database "${name}" cannot be found on the instance.`, {
    details: { name },
  });
}

/** Each name must be a database of the instance. */
export async function requireDatabases(p: Prepared, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const existing = await databaseNames(p);
  const missing = names.find((n) => !existing.has(n));
  if (missing !== undefined) throw databaseNotFound(missing);
}

export function userExists(ref: UserRef): ConflictError {
  return new ConflictError("USER_EXISTS", `A user with the name "${userKey(ref)}" already exists.`, {
    details: { user: userKey(ref) },
  });
}

/** The account as the API may see it; USER_NOT_FOUND when absent or hidden (the system's, Coffer's). */
export async function requireUser(p: Prepared, ref: UserRef): Promise<UserInfo> {
  const user = await p.engine.getUser(p.layout, p.state.admin, ref);
  if (!user) {
    throw new NotFoundError("USER_NOT_FOUND", `User ${userKey(ref)} cannot be found on the instance.`, {
      details: { user: userKey(ref) },
    });
  }
  return user;
}

/** Keys (`name@host` or name) of the visible accounts. */
export async function userKeys(p: Prepared): Promise<Set<string>> {
  const { items } = await p.engine.listUsers(p.layout, p.state.admin);
  return new Set(items.map((u) => userKey(u)));
}
