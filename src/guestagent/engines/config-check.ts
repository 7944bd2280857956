import { rm } from "node:fs/promises";
import { ValidationError } from "../../domain/index.js";
import { run } from "../../lib/index.js";
import { asUser, engineEnv, writeOwnedFile } from "./host.js";
import type { ConfigOverrides, RunAs } from "./engine.js";

/**
 * Running an engine's own configuration check — a program that reads a configuration file the
 * way the server will at start, then exits (`postgres -C`, `mariadbd --help --verbose`) — on a
 * file written aside, so that nothing the engine reads changes until the check has passed.
 */
export interface EngineCheck {
  engine: string;
  /** Where the configuration to check is written (inside the data dir, owned by runAs). */
  asideFile: string;
  content: string;
  program: string;
  args: string[];
  runAs: RunAs;
  overrides: ConfigOverrides;
  /** The lines of the program's output that say what is wrong, without log prefixes. */
  errorLines(output: string): string[];
}

export async function runEngineCheck(check: EngineCheck): Promise<void> {
  await writeOwnedFile(check.asideFile, check.content, check.runAs);
  try {
    const result = await run(check.program, check.args, {
      cwd: "/",
      env: engineEnv(),
      ...asUser(check.runAs),
      timeoutMs: 30_000,
    });
    if (result.code === 0) return;
    throw configRejected(check.engine, check.overrides, check.errorLines(result.stderr + result.stdout));
  } finally {
    await rm(check.asideFile, { force: true });
  }
}

/** Engines write `innodb-buffer-pool-size` as often as `innodb_buffer_pool_size`. */
const normal = (s: string) => s.toLowerCase().replace(/-/g, "_");

/**
 * ENGINE_CONFIG_REJECTED with the engine's own words, naming the override the engine complains
 * about when one of them appears in what it said.
 */
export function configRejected(engine: string, overrides: ConfigOverrides, lines: string[]): ValidationError {
  const names = Object.keys(overrides);
  const mentions = (line: string) =>
    names.find((n) => new RegExp(`(^|[^a-z0-9_])${normal(n)}([^a-z0-9_]|$)`).test(normal(line)));
  const line = lines.find((l) => mentions(l) !== undefined) ?? lines[0];
  const parameter = line === undefined ? undefined : mentions(line);
  const why = line ?? "the engine did not say why";
  const message = parameter
    ? `The value of the configuration parameter ${parameter} is not accepted by ${engine}: ${why}`
    : `${engine} does not accept the configuration: ${why}`;
  return new ValidationError("ENGINE_CONFIG_REJECTED", message, {
    details: { engine, ...(parameter ? { parameter } : {}) },
  });
}
