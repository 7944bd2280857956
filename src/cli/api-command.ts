import type { Command } from "commander";
import { addAuthFlags, resolveAuthOptions } from "./auth.js";
import type { HttpClient } from "./http.js";
import { processOutput, type Output } from "./output.js";
import { seconds } from "./args.js";
import { login } from "./session.js";

/**
 * The frame of every database-API command: the `--os-*` flags (on the command, or before it on
 * `coffer` itself), `--json`, and a logged-in client for the Trove API.
 */

export interface ApiContext {
  api: HttpClient;
  json: boolean;
  output: Output;
  /** Everything commander parsed, the program's options included. */
  opts: Record<string, unknown>;
}

/** Declares a subcommand with the auth flags and `--json`. */
export function apiCommand(parent: Command, nameAndArgs: string, description: string): Command {
  return addAuthFlags(
    parent.command(nameAndArgs).description(description).option("--json", "Print the API's JSON"),
  );
}

/** Logs in with the command's flags, the OS_* variables or clouds.yaml. */
export async function apiContext(command: Command, output: Output = processOutput): Promise<ApiContext> {
  const opts = command.optsWithGlobals<Record<string, unknown>>();
  const session = await login(resolveAuthOptions(opts));
  return { api: session.database, json: opts.json === true, output, opts };
}

/** `--wait` and `--timeout` for commands that start a change. */
export function addWaitFlags(command: Command, what: string): Command {
  return command
    .option("--wait", `Wait until ${what}, showing progress on stderr`)
    .option("--timeout <seconds>", "How long --wait waits", seconds, 600);
}

export interface WaitFlags {
  wait: boolean;
  timeoutMs: number;
}

export function waitFlags(opts: Record<string, unknown>): WaitFlags {
  const timeout = typeof opts.timeout === "number" ? opts.timeout : 600;
  return { wait: opts.wait === true, timeoutMs: timeout * 1000 };
}
