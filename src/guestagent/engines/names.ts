import { ValidationError } from "../../domain/index.js";
import type { EngineCapabilities } from "./engine.js";

/**
 * The last line of defence for names that reach an engine: quoting already makes any name safe
 * in SQL, so this only refuses what the engine would choke on or what belongs to Coffer itself
 * (recreating os_admin would reset the control plane's own password). The API validates first.
 */
export function checkNames(
  caps: EngineCapabilities,
  kind: "database" | "user",
  names: readonly string[],
): void {
  const system = kind === "database" ? caps.systemDatabases : caps.systemUsers;
  for (const name of names) {
    if (name.length === 0 || Buffer.byteLength(name) > caps.maxNameLength[kind]) {
      throw new ValidationError(
        kind === "database" ? "DATABASE_NAME_INVALID" : "USER_NAME_INVALID",
        `${kind} name "${name}" must be 1 to ${caps.maxNameLength[kind]} bytes long`,
      );
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000]/.test(name)) {
      throw new ValidationError(
        kind === "database" ? "DATABASE_NAME_INVALID" : "USER_NAME_INVALID",
        `${kind} name may not contain NUL`,
      );
    }
    if (system.includes(name)) {
      throw new ValidationError(
        kind === "database" ? "DATABASE_NAME_RESERVED" : "USER_NAME_RESERVED",
        `${kind} "${name}" is reserved for the system`,
      );
    }
  }
}
