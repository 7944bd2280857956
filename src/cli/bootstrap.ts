import type { Command } from "commander";
import { systemClock, uuidGenerator } from "../domain/index.js";
import { addConfigFlags, configFromFlags } from "./config-flags.js";

/**
 * `coffer-manage bootstrap [--reset-admin-password]`: what the first server start does, on
 * demand: the Default domain, the admin/member/reader roles, the admin project and user, and
 * `<data-dir>/admin-openrc.sh`. With --reset-admin-password, the admin gets a new password
 * (COFFER_ADMIN_PASSWORD or generated), is unlocked and enabled, and its tokens are revoked.
 */
export function registerBootstrapCommand(program: Command): void {
  addConfigFlags(
    program
      .command("bootstrap")
      .description("Create the admin project, user and roles if missing, and write admin-openrc.sh.")
      .option(
        "--reset-admin-password",
        "Give the existing admin a new password (COFFER_ADMIN_PASSWORD or generated)",
      ),
  ).action(async (opts: Record<string, unknown>) => {
    const config = configFromFlags(opts);
    // Loaded on use: building the command line (for `coffer` too) stays light.
    const { createIdentity } = await import("../identity/index.js");
    const { openStore } = await import("../store/index.js");
    const { createLogger } = await import("../lib/index.js");
    const store = await openStore(config.infraDb, { logger: createLogger({ level: config.logLevel }) });
    try {
      await store.migrate();
      const identity = createIdentity({ store, clock: systemClock, ids: uuidGenerator, config });
      const adminPassword = process.env.COFFER_ADMIN_PASSWORD;
      const result = await identity.bootstrap({
        resetAdminPassword: opts.resetAdminPassword === true,
        ...(adminPassword ? { adminPassword } : {}),
      });
      const lines = result.changed.length
        ? result.changed.map((c) => `created or set: ${c}`)
        : ["nothing to do"];
      if (result.openrcPath) lines.push(`admin credentials written to ${result.openrcPath}`);
      else if (!result.passwordSet)
        lines.push("the admin exists; use --reset-admin-password to set a new password");
      process.stdout.write(lines.join("\n") + "\n");
    } finally {
      await store.close();
    }
  });
}
