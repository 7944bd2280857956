import { join } from "node:path";
import { sleep } from "../../../lib/index.js";
import { configRejected, runEngineCheck } from "../config-check.js";
import { requireProgram } from "../host.js";
import type { ConfigOverrides, Credentials, EngineLayout, EngineSizing } from "../engine.js";
import { withPg } from "./client.js";
import { renderPostgresqlConf } from "./config.js";

/**
 * Configuration changes on a PostgreSQL that may be running. The check is `postgres -C` on the new
 * postgresql.conf written aside: it parses the file exactly as the server does at start (names,
 * types, ranges, enum values, locales, time zones) and exits, also beside a running server.
 * Applying is a reload: parameters of context sighup/user/superuser take effect, postmaster ones
 * wait, and `pg_settings.pending_restart` says so — the engine's own answer, not a guess.
 */

export async function checkPostgresqlConfig(
  layout: EngineLayout,
  sizing: EngineSizing,
  overrides: ConfigOverrides,
): Promise<void> {
  const asideFile = join(layout.dataDir, "postgresql.conf.coffer-check");
  await runEngineCheck({
    engine: "postgresql",
    asideFile,
    content: renderPostgresqlConf(layout, sizing, overrides),
    program: requireProgram(layout.binDir, "postgres"),
    args: ["-D", layout.dataDir, `--config-file=${asideFile}`, "-C", "max_connections"],
    runAs: layout.runAs,
    overrides,
    errorLines: (output) =>
      output
        .split("\n")
        .map((l) => /(?:LOG|FATAL|ERROR|DETAIL|HINT):\s+(.*)$/.exec(l)?.[1]?.trim())
        .filter((l): l is string => !!l && !/^configuration file ".*" contains errors/.test(l)),
  });
}

export async function applyPostgresqlConfig(
  layout: EngineLayout,
  admin: Credentials,
  overrides: ConfigOverrides,
): Promise<{ restartRequired: boolean }> {
  return withPg(layout, { via: "tcp", admin }, "apply the configuration", async (s) => {
    const [before] = await s.query<{ t: string }>("SELECT pg_conf_load_time()::text AS t");
    await s.query("SELECT pg_reload_conf()");
    // The postmaster re-reads the files, then signals each backend; this session has taken the
    // new files once its own load time moves.
    for (let waited = 0; ; waited += 10) {
      const [now] = await s.query<{ reloaded: boolean }>(
        "SELECT pg_conf_load_time() > $1::timestamptz AS reloaded",
        [before!.t],
      );
      if (now?.reloaded) break;
      if (waited > 10_000) throw configRejected("postgresql", overrides, ["the reload did not happen"]);
      await sleep(10);
    }
    // A value the server could not take on reload (checked before, so only what a reload adds).
    const errors = await s.query<{ name: string; error: string }>(
      `SELECT name, error FROM pg_file_settings
        WHERE error IS NOT NULL AND error <> 'setting could not be applied'`,
    );
    if (errors.length > 0) {
      throw configRejected(
        "postgresql",
        overrides,
        errors.map((e) => `${e.name}: ${e.error}`),
      );
    }
    const pending = await s.query("SELECT name FROM pg_settings WHERE pending_restart");
    return { restartRequired: pending.length > 0 };
  });
}
