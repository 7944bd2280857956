import { InvalidArgumentError } from "commander";

/**
 * Parsers for command-line values, shared by the commands (commander calls them and prints
 * their message on a bad value).
 */

/** A whole number ≥ 1 (volume sizes, RAM, vCPUs). */
export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError(`expected a whole number of at least 1, got '${value}'.`);
  }
  return Number(value);
}

/** A whole number ≥ 0 (disk, ephemeral). */
export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got '${value}'.`);
  return Number(value);
}

/** A number of seconds > 0, fractions allowed (`--timeout 0.5`). */
export function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive number of seconds, got '${value}'.`);
  }
  return n;
}

/** trove-manage's ACTIVE argument: 0 or 1 (true/false also accepted). */
export function flag01(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === "1" || v === "true") return true;
  if (v === "0" || v === "false") return false;
  throw new InvalidArgumentError(`expected 0 or 1, got '${value}'.`);
}

/** A comma list, `""` meaning none: `"a, b,"` → `["a", "b"]`. */
export function commaList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export interface UserArg {
  name: string;
  password: string;
}

/**
 * `--users u1:p1 u2:p2`: the name is what comes before the first colon, the password is the rest
 * (so a password may itself hold colons, unlike trove's client which cut it at the second).
 */
export function parseUser(value: string): UserArg {
  const at = value.indexOf(":");
  if (at <= 0 || at === value.length - 1) {
    throw new InvalidArgumentError(`expected <user:password>, got '${value}'.`);
  }
  return { name: value.slice(0, at), password: value.slice(at + 1) };
}

/** For variadic or repeatable options: commander calls it once per value. */
export function collect<T>(parse: (value: string) => T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), parse(value)];
}
