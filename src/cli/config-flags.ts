import type { Command } from "commander";
import { OPTIONS, resolveConfig, type Config, type OptionKey } from "../config/index.js";

/** Adds every server option as a flag (`--data-dir` …), documented with its env variable. */
export function addConfigFlags(command: Command): Command {
  command.option("--config <file>", "JSON config file (default: <data-dir>/coffer.json if present)");
  for (const spec of OPTIONS) {
    command.option(`--${spec.flag} <value>`, `${spec.doc} [env ${spec.env}]`);
  }
  return command;
}

/** The resolved configuration from the flags commander parsed, the environment and the file. */
export function configFromFlags(opts: Record<string, unknown>): Config {
  const flags: Partial<Record<OptionKey, string>> = {};
  for (const spec of OPTIONS) {
    const value = opts[spec.key];
    if (typeof value === "string") flags[spec.key] = value;
  }
  const configFile = typeof opts.config === "string" ? opts.config : undefined;
  return resolveConfig(configFile === undefined ? { flags } : { flags, configFile });
}
