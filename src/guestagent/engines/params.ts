import { configError } from "./errors.js";
import type { ConfigOverrides, EngineSizing } from "./engine.js";

/** One setting of a rendered config file, before the engine's own syntax is applied. */
export type ParamValue = string | number | boolean;
export type Params = Map<string, ParamValue>;

const NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** Config files are line-oriented: a name or value with a line break (or any control character) could add settings. */
function checkValue(name: string, value: ParamValue): void {
  if (typeof value === "number" && !Number.isFinite(value)) throw configError(`${name}: not a finite number`);
  // eslint-disable-next-line no-control-regex
  if (typeof value === "string" && /[\u0000-\u001f\u007f]/.test(value)) {
    throw configError(`${name}: control characters are not allowed in a config value`);
  }
}

/** Normalizes a parameter name the way the engine compares them (MariaDB treats - and _ alike). */
export type NameKey = (name: string) => string;

/**
 * Merges overrides on top of the rendered base. Names are checked, values made safe for a config
 * line, and the parameters the layout owns (address, port, paths) cannot be replaced: an override
 * that moved the data directory or the listen address would break the instance.
 */
export function mergeOverrides(
  base: Params,
  overrides: ConfigOverrides | undefined,
  layoutParameters: readonly string[],
  key: NameKey,
): Params {
  const merged = new Map(base);
  const owned = new Set(layoutParameters.map(key));
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (!NAME.test(name)) throw configError(`"${name}" is not a valid parameter name`);
    if (owned.has(key(name))) throw configError(`${name} is managed by Coffer and cannot be overridden`);
    checkValue(name, value);
    for (const existing of merged.keys()) if (key(existing) === key(name)) merged.delete(existing);
    merged.set(name, value);
  }
  return merged;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(value)));
}

/** Trove's rule of thumb (100 connections per 512 MB), bounded so tiny flavors still work. */
export function maxConnectionsFor(sizing: EngineSizing, max: number): number {
  if (sizing.maxConnections !== undefined) return clamp(sizing.maxConnections, 10, max);
  return clamp((100 * sizing.ramMb) / 512, 20, max);
}

export function checkSizing(sizing: EngineSizing): void {
  if (!(sizing.ramMb >= 32) || !Number.isFinite(sizing.ramMb)) {
    throw configError(`a flavor needs at least 32 MB of RAM (got ${sizing.ramMb})`);
  }
  if (!(sizing.vcpus >= 1) || !Number.isInteger(sizing.vcpus)) {
    throw configError(`vcpus must be a positive integer (got ${sizing.vcpus})`);
  }
}
