import type { Command } from "commander";
import { addConfigFlags, configFromFlags } from "./config-flags.js";

export function registerServerCommand(program: Command): void {
  addConfigFlags(
    program.command("server").description("Run Coffer: by default every role in this one process."),
  ).action(async (opts: Record<string, unknown>) => {
    const config = configFromFlags(opts);
    // Loaded on use: the API client commands start faster without the whole server in memory.
    const { startServer } = await import("../server/index.js");
    const server = await startServer(config);
    process.stdout.write(`${server.readyLine}\n`);
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`${signal} again: exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      server.log.info({ signal }, "shutting down");
      server.close().then(
        () => process.exit(0),
        (err: unknown) => {
          server.log.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
