import { ValidationError } from "../../domain/index.js";
import type { DatabaseSpec, EngineCapabilities, UserRef } from "./engine.js";

/**
 * What a name, host, password or database option may be when it comes from a user (the API and
 * the guest agent's RPC check the same rules, so a request is refused before anything changes).
 * Quoting already makes any name safe in SQL; these rules keep out what would surprise people
 * elsewhere: in shells, in connection strings, in Trove's `name@host` URLs, in option files.
 * The drivers accept more (names.ts): they are also used by Coffer itself.
 */

/** ASCII letters, digits and `_ - $ .`, starting with a letter, digit or `_`. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_$.-]*$/;
const NAME_WORDS = "ASCII letters, digits and _ - $ . (starting with a letter, digit or _)";
const OPTION = /^[A-Za-z0-9_.@-]{1,64}$/;
const PASSWORD_MAX = 255;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;

type Kind = "database" | "user";
const CODE = { database: "DATABASE", user: "USER" } as const;
const LABEL = { database: "Database", user: "User" } as const;

function checkName(caps: EngineCapabilities, kind: Kind, name: string): void {
  const max = caps.maxNameLength[kind];
  if (name.length === 0 || name.length > max || !NAME.test(name)) {
    throw new ValidationError(
      `${CODE[kind]}_NAME_INVALID`,
      `${LABEL[kind]} name "${printable(name)}" is not valid: use 1 to ${max} ${NAME_WORDS}.`,
      { details: { name } },
    );
  }
  const reserved = kind === "database" ? caps.systemDatabases : caps.systemUsers;
  const lower = name.toLowerCase();
  const prefix = kind === "user" ? caps.reservedUserPrefixes.find((p) => lower.startsWith(p)) : undefined;
  if (reserved.some((r) => r.toLowerCase() === lower) || prefix !== undefined) {
    throw new ValidationError(
      `${CODE[kind]}_NAME_RESERVED`,
      prefix !== undefined
        ? `${LABEL[kind]} name "${name}" is reserved: names starting with "${prefix}" belong to ${caps.name}.`
        : `${LABEL[kind]} name "${name}" is reserved for the system (${reserved.join(", ")}).`,
      { details: { name } },
    );
  }
}

export function checkDatabaseName(caps: EngineCapabilities, name: string): void {
  checkName(caps, "database", name);
}

export function checkUserName(caps: EngineCapabilities, name: string): void {
  checkName(caps, "user", name);
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const isIpv4 = (s: string): boolean => {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
};

/**
 * A host part: `%` (any), an IPv4 address, a pattern with `%` for its last parts (`10.0.%`,
 * `192.168.1.%`), or address/netmask (`10.0.0.0/255.255.0.0`). Names are refused: the engine
 * never resolves them (skip_name_resolve), so such an account could never log in; `localhost` is
 * the engine's own socket, where only Coffer logs in.
 */
function validHost(host: string): boolean {
  if (host === "%") return true;
  const slash = host.split("/");
  if (slash.length === 2) return isIpv4(slash[0]!) && isIpv4(slash[1]!);
  const parts = host.split(".");
  if (parts.length < 1 || parts.length > 4) return false;
  const wildcard = parts.findIndex((p) => p === "%");
  if (wildcard === -1) return parts.length === 4 && parts.every((p) => OCTET.test(p));
  return wildcard === parts.length - 1 && parts.slice(0, -1).every((p) => OCTET.test(p));
}

/**
 * The host a user ref stands for: `%` when absent on engines with hosts; none on engines without
 * (where `%`, "any host", is all a user can be and is accepted as such).
 */
export function checkHost(caps: EngineCapabilities, host: string | undefined): string | undefined {
  if (!caps.userHosts) {
    if (host === undefined || host === "%") return undefined;
    throw new ValidationError(
      "USER_HOST_UNSUPPORTED",
      `Users of ${caps.name} have no host part (got "${printable(host)}").`,
      { details: { host } },
    );
  }
  if (host === undefined) return "%";
  if (!validHost(host)) {
    throw new ValidationError(
      "USER_HOST_INVALID",
      `Host "${printable(host)}" is not valid: use %, an IPv4 address, a pattern such as 10.0.%, or address/netmask.`,
      { details: { host } },
    );
  }
  return host;
}

/** A checked, normalized account reference (host `%` by default where hosts exist, none elsewhere). */
export function checkUserRef(caps: EngineCapabilities, ref: UserRef): UserRef {
  checkUserName(caps, ref.name);
  const host = checkHost(caps, ref.host);
  return host === undefined ? { name: ref.name } : { name: ref.name, host };
}

/**
 * A user id from a URL (already URL-decoded): `name` or `name@host`, split on the last `@`, as
 * Trove does; `name@` means host `%`.
 */
export function parseUserId(caps: EngineCapabilities, id: string): UserRef {
  const at = id.lastIndexOf("@");
  if (at === -1) return checkUserRef(caps, { name: id });
  const host = id.slice(at + 1);
  return checkUserRef(caps, { name: id.slice(0, at), host: host === "" ? "%" : host });
}

/** The key users sort, page and compare by: `name@host` where hosts exist, else the name. */
export function userKey(ref: UserRef): string {
  return ref.host === undefined ? ref.name : `${ref.name}@${ref.host}`;
}

/** A password: 1 to 255 characters, no control characters (a NUL would cut it short somewhere). */
export function checkPassword(password: string, whose: string): void {
  if (password.length === 0 || password.length > PASSWORD_MAX || password.search(CONTROL) !== -1) {
    throw new ValidationError(
      "USER_PASSWORD_INVALID",
      `The password of ${whose} must be 1 to ${PASSWORD_MAX} characters without control characters.`,
    );
  }
}

/** Engines compare these names ignoring case (and PostgreSQL also `-` and `_`). */
const bare = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/** A database's character set must be one the engine has; a collation must at least look like one. */
export function checkDatabaseOptions(caps: EngineCapabilities, db: DatabaseSpec): void {
  if (db.characterSet !== undefined) {
    const wanted = bare(db.characterSet);
    if (!OPTION.test(db.characterSet) || !caps.characterSets.some((c) => bare(c) === wanted)) {
      throw new ValidationError(
        "DATABASE_OPTIONS_INVALID",
        `Database "${db.name}": ${caps.name} has no character set "${printable(db.characterSet)}".`,
        { details: { name: db.name, characterSet: db.characterSet } },
      );
    }
  }
  if (db.collate !== undefined && !OPTION.test(db.collate)) {
    throw new ValidationError(
      "DATABASE_OPTIONS_INVALID",
      `Database "${db.name}": "${printable(db.collate)}" is not a collation name.`,
      { details: { name: db.name, collate: db.collate } },
    );
  }
}

/** A name as it can safely appear in a message: control characters shown as escapes, long ones cut. */
function printable(value: string): string {
  const shown = value.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}
