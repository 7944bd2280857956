import { Command, CommanderError } from "commander";
import { CofferError } from "../domain/index.js";
import { registerServerCommand } from "./server.js";
import { registerManageCommands } from "./manage.js";
import { registerTokenCommands } from "./token.js";
import { registerInstanceCommands } from "./instances.js";
import { registerFlavorCommands } from "./flavors.js";
import { registerDatastoreCommands } from "./datastores.js";
import { registerDatabaseCommands } from "./databases.js";
import { registerUserCommands } from "./users.js";
import { addAuthFlags } from "./auth.js";
import { registerConfigurationCommands } from "./configurations.js";
import { registerObservabilityCommands } from "./observability.js";

export function buildCofferCli(): Command {
  const program = new Command("coffer")
    .description("Coffer: databases on demand, through the OpenStack Trove API.")
    .showHelpAfterError("(add --help for additional information)");
  registerServerCommand(program);
  // As with trove, credentials may also come before the command: `coffer --os-cloud c list`.
  addAuthFlags(program);
  registerTokenCommands(program);
  registerInstanceCommands(program);
  registerFlavorCommands(program);
  registerDatastoreCommands(program);
  registerDatabaseCommands(program);
  registerUserCommands(program);
  registerConfigurationCommands(program);
  registerObservabilityCommands(program);
  return program;
}

export function buildManageCli(): Command {
  const program = new Command("coffer-manage")
    .description("Administer a Coffer installation (like trove-manage).")
    .showHelpAfterError("(add --help for additional information)");
  registerManageCommands(program);
  return program;
}

/** Runs a program and turns errors into one readable line and a non-zero exit code. */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    const message = err instanceof CofferError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`ERROR: ${message}\n`);
    process.exitCode = 1;
  }
}
