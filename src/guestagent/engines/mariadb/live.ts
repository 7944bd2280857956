import { join } from "node:path";
import { configRejected, runEngineCheck } from "../config-check.js";
import { requireProgram } from "../host.js";
import type { ConfigOverrides, Credentials, EngineLayout, EngineSizing, LiveConfig } from "../engine.js";
import type { ParamValue } from "../params.js";
import { withMy } from "./client.js";
import { mariadbDefaults, optionKey, renderMyCnf } from "./config.js";

/**
 * Configuration changes on a MariaDB that may be running. The check is `mariadbd --help --verbose`
 * on the new my.cnf written aside: it reads every option as the server does at start (unknown
 * names, bad numbers, enum values, character sets) and exits. Applying is SET GLOBAL for each
 * dynamic variable whose running value differs from the one wanted; a read-only variable that
 * differs waits for a restart (`information_schema.SYSTEM_VARIABLES.READ_ONLY`, the engine's own
 * catalogue).
 */

export async function checkMariadbConfig(
  layout: EngineLayout,
  sizing: EngineSizing,
  overrides: ConfigOverrides,
): Promise<void> {
  const asideFile = join(layout.dataDir, "my.cnf.coffer-check");
  await runEngineCheck({
    engine: "mariadb",
    asideFile,
    content: renderMyCnf(layout, sizing, overrides),
    program: requireProgram(layout.binDir, "mariadbd"),
    // --defaults-file must come first; --help --verbose parses every option, then exits.
    args: [`--defaults-file=${asideFile}`, "--help", "--verbose"],
    runAs: layout.runAs,
    overrides,
    errorLines: (output) =>
      output
        .split("\n")
        .filter((l) => /\[ERROR\]/.test(l) || /^\/\S*mariadbd: /.test(l))
        .map((l) =>
          l
            .replace(/^.*?\[ERROR\]\s*/, "")
            .replace(/^Buffered error:\s*/, "")
            .replace(/^\/\S*mariadbd:\s*/, "")
            .trim(),
        )
        .filter((l) => l !== "" && l !== "Aborting"),
  });
}

interface Variable {
  name: string;
  readOnly: string;
  type: string;
  value: string | null;
  def: string | null;
}

const SUFFIX: Record<string, number> = { K: 1, M: 2, G: 3, T: 4, P: 5, E: 6 };

/** A number as option files write it ("150M", "8K", "0.5"); undefined when it is none. */
function asNumber(value: ParamValue | null): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return undefined;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([KMGTPE]?)\s*$/i.exec(value);
  if (!m) return undefined;
  return Number(m[1]) * 1024 ** (SUFFIX[(m[2] ?? "").toUpperCase()] ?? 0);
}

const isNumeric = (type: string) => /INT|DOUBLE|DECIMAL|FLOAT/.test(type);
const onOff = (v: ParamValue | null) => (/^(on|1|true|yes)$/i.test(String(v)) ? "ON" : "OFF");

function sameValue(v: Variable, wanted: ParamValue | null): boolean {
  if (v.type === "BOOLEAN") return onOff(v.value) === onOff(wanted);
  if (isNumeric(v.type)) return asNumber(v.value) === asNumber(wanted);
  return (v.value ?? "").toLowerCase() === String(wanted ?? "").toLowerCase();
}

/** What SET GLOBAL takes for a value: numbers as numbers (a quoted number is refused), flags as ON/OFF. */
function sqlValue(v: Variable, value: ParamValue): string | number {
  if (v.type === "BOOLEAN") return onOff(value);
  if (isNumeric(v.type)) return asNumber(value) ?? String(value);
  return String(value);
}

export async function applyMariadbConfig(
  layout: EngineLayout,
  admin: Credentials,
  config: LiveConfig,
): Promise<{ restartRequired: boolean }> {
  const base = new Map([...mariadbDefaults(config.sizing)].map(([k, v]) => [optionKey(k), v]));
  const configured = (overrides: ConfigOverrides) => {
    const values = new Map(base);
    for (const [k, v] of Object.entries(overrides)) values.set(optionKey(k), v);
    return values;
  };
  const wanted = configured(config.overrides);
  const started = configured(config.started);
  const names = [...new Set(config.keys.map(optionKey))];
  if (names.length === 0) return { restartRequired: false };
  return withMy(layout, { via: "tcp", admin }, "apply the configuration", async (s) => {
    const rows = await s.query<Variable>(
      `SELECT LOWER(VARIABLE_NAME) AS name, READ_ONLY AS readOnly, VARIABLE_TYPE AS type,
              GLOBAL_VALUE AS value, DEFAULT_VALUE AS def
         FROM information_schema.SYSTEM_VARIABLES WHERE LOWER(VARIABLE_NAME) IN (?)`,
      [names],
    );
    const byName = new Map(rows.map((r) => [r.name, r]));
    let restartRequired = false;
    for (const name of names) {
      const variable = byName.get(name);
      // An option that is no system variable can only be read at start.
      if (!variable) {
        restartRequired = true;
        continue;
      }
      const value = wanted.get(name);
      if (variable.readOnly === "YES") {
        // Compared as configured, not as running: auto-sized variables (back_log…) run with a
        // value no option file names, and only a restart can change them anyway.
        const was = started.get(name);
        const same =
          value === undefined || was === undefined
            ? value === was
            : sameValue({ ...variable, value: String(was) }, value);
        if (!same) restartRequired = true;
        continue;
      }
      // Neither the group nor the flavor sets it: SET … = DEFAULT gives the compiled-in default.
      if (sameValue(variable, value ?? variable.def)) continue;
      try {
        if (value === undefined) await s.query(`SET GLOBAL ${s.ident(name)} = DEFAULT`);
        else await s.query(`SET GLOBAL ${s.ident(name)} = ?`, [sqlValue(variable, value)]);
      } catch (err) {
        // The running engine refuses the value (e.g. a buffer pool it cannot allocate).
        const why = err instanceof Error ? err.message : String(err);
        throw configRejected("mariadb", config.overrides, [`${name}: ${why}`]);
      }
    }
    return { restartRequired };
  });
}
