import type { Command } from "commander";
import { registerAuditCommand } from "./manage-audit.js";
import { registerBootstrapCommand } from "./bootstrap.js";
import { addConfigFlags, configFromFlags } from "./config-flags.js";
import { registerCatalogCommands } from "./manage-catalog.js";
import { registerConfigParameterCommands } from "./manage-config.js";

/** coffer-manage: trove-manage's administration commands. */
export function registerManageCommands(program: Command): void {
  registerBootstrapCommand(program);
  addConfigFlags(
    program
      .command("db-sync")
      .alias("db_sync")
      .description("Create or upgrade the infrastructure database schema."),
  ).action(async (opts: Record<string, unknown>) => {
    const config = configFromFlags(opts);
    const { openStore } = await import("../store/index.js");
    const { createLogger } = await import("../lib/index.js");
    const store = await openStore(config.infraDb, { logger: createLogger({ level: config.logLevel }) });
    try {
      const { applied } = await store.migrate();
      process.stdout.write(applied.length ? `applied: ${applied.join(", ")}\n` : "schema is up to date\n");
    } finally {
      await store.close();
    }
  });
  registerCatalogCommands(program);
  registerConfigParameterCommands(program);
  registerAuditCommand(program);
}
