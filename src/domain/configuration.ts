import { UnprocessableError, ValidationError } from "./errors.js";

/**
 * Configuration groups (trove-api.md §2.10, §2.11, §6.4): the rules a datastore version gives its
 * engine parameters, in Trove's validation-rules.json shape, and the check of a group's values
 * against them. Pure: the rules come from the store or from the file an engine driver ships.
 *
 * One extension to Trove's shape: a numeric rule may name the engine's `unit` (PostgreSQL's
 * `pg_settings.unit`: B, kB, 8kB, MB, ms, s, min). Its min and max are then in that unit, and a
 * value may be a number in that unit (as the engine reads a bare number) or a string with a unit
 * of the same kind, e.g. '256MB' or '30s', converted and checked as the engine would.
 */

export const PARAMETER_TYPES = ["integer", "float", "string", "boolean"] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export type ConfigValue = string | number | boolean;
export type ConfigValues = Record<string, ConfigValue>;

export interface ParameterRule {
  /** Lower case, as Coffer stores it; engines compare names case-insensitively. */
  name: string;
  type: ParameterType;
  /** Whether a change takes effect only after the engine restarts. */
  restartRequired: boolean;
  min: number | null;
  max: number | null;
  /** The engine's unit for min, max and bare numbers; null when the value has none. */
  unit: string | null;
}

const BYTES: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const MILLIS: Record<string, number> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A unit such as "8kB" as a multiple of its kind's smallest unit; undefined when it is none. */
function unitScale(unit: string): { kind: "memory" | "time"; scale: number } | undefined {
  const m = /^(\d*)([A-Za-z]+)$/.exec(unit);
  if (!m) return undefined;
  const factor = m[1] ? Number(m[1]) : 1;
  const base = m[2]!;
  if (BYTES[base] !== undefined) return { kind: "memory", scale: factor * BYTES[base] };
  if (MILLIS[base] !== undefined) return { kind: "time", scale: factor * MILLIS[base] };
  return undefined;
}

export function isKnownUnit(unit: string): boolean {
  return unitScale(unit) !== undefined;
}

/**
 * A value in the rule's unit: a number as it is, or a string like "256MB" converted (rounded to
 * the nearest whole unit for integers, as PostgreSQL does). Undefined when it cannot be read.
 */
export function inRuleUnit(rule: ParameterRule, value: string | number): number | undefined {
  if (typeof value === "number") return value;
  const m = /^\s*([+-]?\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!m[2]) return n;
  const base = rule.unit === null ? undefined : unitScale(rule.unit);
  const given = unitScale(m[2]);
  if (!base || !given || given.kind !== base.kind) return undefined;
  const converted = (n * given.scale) / base.scale;
  return rule.type === "integer" ? Math.round(converted) : converted;
}

function invalid(code: string, message: string, parameter: string): UnprocessableError {
  return new UnprocessableError(code, message, { details: { parameter } });
}

/** One value against its rule; the value comes back as given (the engine reads it as the user wrote it). */
function checkValue(rule: ParameterRule, value: unknown): ConfigValue {
  const notOfType = () =>
    invalid(
      "CONFIGURATION_VALUE_INVALID",
      `The value provided for the configuration parameter ${rule.name} is not of type ${rule.type}.`,
      rule.name,
    );
  if (rule.type === "boolean") {
    if (typeof value !== "boolean") throw notOfType();
    return value;
  }
  if (rule.type === "string") {
    if (typeof value !== "string") throw notOfType();
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      throw invalid(
        "CONFIGURATION_VALUE_INVALID",
        `The value of the configuration parameter ${rule.name} may not contain control characters.`,
        rule.name,
      );
    }
    return value;
  }
  // integer or float; unlike Trove, a float parameter accepts an integer literal (1 for 1.0).
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && rule.unit !== null) n = inRuleUnit(rule, value);
  if (n === undefined || !Number.isFinite(n)) throw notOfType();
  if (rule.type === "integer" && typeof value === "number" && !Number.isInteger(value)) throw notOfType();
  const unit = rule.unit ? ` ${rule.unit}` : "";
  if (rule.min !== null && n < rule.min) {
    throw invalid(
      "CONFIGURATION_VALUE_OUT_OF_RANGE",
      `The value for the configuration parameter ${rule.name} is less than the minimum allowed: ${rule.min}${unit}.`,
      rule.name,
    );
  }
  if (rule.max !== null && n > rule.max) {
    throw invalid(
      "CONFIGURATION_VALUE_OUT_OF_RANGE",
      `The value for the configuration parameter ${rule.name} is greater than the maximum allowed: ${rule.max}${unit}.`,
      rule.name,
    );
  }
  return value as number | string;
}

/**
 * A group's values checked against the version's rules, as Trove does: no rules at all, an
 * unknown name (compared case-insensitively), a value of the wrong type or out of range is a 422
 * naming the parameter. Names come back as the rules spell them.
 */
export function validateConfigValues(
  rules: readonly ParameterRule[],
  values: Readonly<Record<string, unknown>>,
): ConfigValues {
  if (rules.length === 0) {
    throw new UnprocessableError(
      "CONFIGURATION_UNSUPPORTED",
      "Configuration groups are not supported for this datastore version: it has no parameter rules.",
    );
  }
  const byName = new Map(rules.map((r) => [r.name.toLowerCase(), r]));
  const out: ConfigValues = {};
  for (const [key, value] of Object.entries(values)) {
    const rule = byName.get(key.toLowerCase());
    if (!rule) {
      throw invalid(
        "CONFIGURATION_PARAMETER_UNKNOWN",
        `The configuration parameter ${key} is not supported for this datastore version.`,
        key,
      );
    }
    out[rule.name] = checkValue(rule, value);
  }
  return out;
}

function ruleError(source: string, message: string): ValidationError {
  return new ValidationError("PARAMETER_RULE_INVALID", `${source}: ${message}`);
}

/** One rule as Trove writes it (`restart_required`, `type`, optional `min`/`max`, and `unit`). */
export function parseRule(raw: unknown, source = "rule"): ParameterRule {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw ruleError(source, "a rule must be an object");
  }
  const r = raw as Record<string, unknown>;
  if (typeof r.name !== "string" || !/^[A-Za-z][A-Za-z0-9_.]*$/.test(r.name)) {
    throw ruleError(source, `"${String(r.name)}" is not a parameter name`);
  }
  const name = r.name.toLowerCase();
  if (typeof r.type !== "string" || !(PARAMETER_TYPES as readonly string[]).includes(r.type)) {
    throw ruleError(source, `${name}: type must be one of ${PARAMETER_TYPES.join(", ")}`);
  }
  const type = r.type as ParameterType;
  const restart = r.restart_required;
  if (typeof restart !== "boolean" && restart !== 0 && restart !== 1) {
    throw ruleError(source, `${name}: restart_required must be true or false`);
  }
  const bound = (key: "min" | "max"): number | null => {
    const v = r[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== "number" || !Number.isFinite(v))
      throw ruleError(source, `${name}: ${key} must be a number`);
    if (type !== "integer" && type !== "float")
      throw ruleError(source, `${name}: only numbers have a ${key}`);
    return v;
  };
  const min = bound("min");
  const max = bound("max");
  if (min !== null && max !== null && max < min) throw ruleError(source, `${name}: max is less than min`);
  const unit = r.unit === undefined || r.unit === null ? null : r.unit;
  if (
    unit !== null &&
    (typeof unit !== "string" || !isKnownUnit(unit) || type === "string" || type === "boolean")
  ) {
    throw ruleError(
      source,
      `${name}: unit must be a memory or time unit of a number (B, kB, 8kB, MB, ms, s, min…)`,
    );
  }
  return { name, type, restartRequired: restart === true || restart === 1, min, max, unit };
}

/** A validation-rules.json file: `{"configuration-parameters": [rule, …]}`, names unique. */
export function parseValidationRules(file: unknown, source = "validation rules"): ParameterRule[] {
  const list = (file as Record<string, unknown> | null)?.["configuration-parameters"];
  if (!Array.isArray(list)) throw ruleError(source, `expected {"configuration-parameters": [...]}`);
  const rules = list.map((raw, i) => parseRule(raw, `${source}, rule ${i + 1}`));
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule.name)) throw ruleError(source, `${rule.name} appears more than once`);
    seen.add(rule.name);
  }
  return rules;
}
