import type { Command } from "commander";
import { addConfigFlags, configFromFlags } from "./config-flags.js";

/**
 * `coffer-manage audit [--repair] [--json]`: compares what this compute host holds with the
 * infrastructure database (src/server/audit.ts). Run it on the host, with the server's options.
 * Exits 1 while drift remains (after `--repair`, the drift it could not repair).
 */
export function registerAuditCommand(program: Command): void {
  addConfigFlags(
    program
      .command("audit")
      .description(
        "Compare this compute host with the infrastructure database: orphans (engine processes, volumes, loop devices, mounts, addresses, cgroups, WAL dirs, firewall tables of no live instance) and instances missing parts.",
      )
      .option(
        "--repair",
        "remove orphans, re-establish lost mounts/cgroups/public addresses, mark lost instances ERROR",
      )
      .option("--json", "print the report as JSON"),
  ).action(async (opts: Record<string, unknown>) => {
    const config = configFromFlags(opts);
    const { openStore } = await import("../store/index.js");
    const { createLogger } = await import("../lib/index.js");
    const { auditHost, formatAudit } = await import("../server/index.js");
    // Warnings go to stderr: stdout is the report (JSON with --json).
    const logger = createLogger({ level: "warn", destination: process.stderr });
    const store = await openStore(config.infraDb, { logger });
    try {
      const report = await auditHost({ store, config, logger, repair: opts.repair === true });
      process.stdout.write(opts.json === true ? JSON.stringify(report, null, 2) + "\n" : formatAudit(report));
      const left = report.drift.filter((d) => !d.repair || /^(not repaired|repair failed)/.test(d.repair));
      if (left.length > 0) process.exitCode = 1;
    } finally {
      await store.close();
    }
  });
}
