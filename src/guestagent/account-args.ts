import type { JsonValue } from "../bus/index.js";
import { argsError } from "./errors.js";
import { list, names, object, optStr, parseDatabaseSpec, parseUserSpec, str, type Obj } from "./args.js";
import type { DatabaseSpec, PageArgs, UserChanges, UserRef, UserSpec } from "./rpc.js";

/**
 * The shapes of the database, user and root calls (GUEST_ARGS_INVALID when malformed). What the
 * values may be (names, hosts, passwords) is checked next, against the engine's rules.
 */

const request = (m: string, args: JsonValue): Obj => object(m, args, "the request");

export function parsePage(m: string, args: JsonValue): PageArgs {
  const o = request(m, args);
  const page: PageArgs = {};
  const marker = optStr(m, o, "marker");
  if (marker !== undefined) page.marker = marker;
  if (o.limit !== undefined && o.limit !== null) {
    if (typeof o.limit !== "number" || !Number.isInteger(o.limit) || o.limit < 1) {
      throw argsError(m, "limit must be a positive integer");
    }
    page.limit = o.limit;
  }
  return page;
}

function userRef(m: string, value: unknown): UserRef {
  const o = object(m, value, "user");
  const ref: UserRef = { name: str(m, o, "name") };
  const host = optStr(m, o, "host");
  if (host !== undefined) ref.host = host;
  return ref;
}

export function parseUser(m: string, args: JsonValue): UserRef {
  return userRef(m, request(m, args).user);
}

export function parseDatabases(m: string, args: JsonValue): DatabaseSpec[] {
  return list(m, request(m, args), "databases").map((d) => parseDatabaseSpec(m, d));
}

export function parseDatabaseName(m: string, args: JsonValue): string {
  return str(m, request(m, args), "name");
}

export function parseUsers(m: string, args: JsonValue): UserSpec[] {
  return list(m, request(m, args), "users").map((u) => parseUserSpec(m, u));
}

export function parseUpdate(m: string, args: JsonValue): { user: UserRef; changes: UserChanges } {
  const o = request(m, args);
  const c = object(m, o.changes, "changes");
  const changes: UserChanges = {};
  for (const key of ["name", "host", "password"] as const) {
    const value = optStr(m, c, key);
    if (value !== undefined) changes[key] = value;
  }
  return { user: userRef(m, o.user), changes };
}

export function parsePasswords(m: string, args: JsonValue): (UserRef & { password: string })[] {
  return list(m, request(m, args), "users").map((u) => ({
    ...userRef(m, u),
    password: str(m, object(m, u, "each user"), "password"),
  }));
}

export function parseGrant(m: string, args: JsonValue): { user: UserRef; databases: string[] } {
  const o = request(m, args);
  return { user: userRef(m, o.user), databases: names(m, list(m, o, "databases"), "databases") };
}

export function parseRevoke(m: string, args: JsonValue): { user: UserRef; database: string } {
  const o = request(m, args);
  return { user: userRef(m, o.user), database: str(m, o, "database") };
}

export function parseRootPassword(m: string, args: JsonValue): string | undefined {
  return optStr(m, request(m, args), "password");
}
