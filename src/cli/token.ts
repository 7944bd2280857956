import type { Command } from "commander";
import { addAuthFlags, resolveAuthOptions } from "./auth.js";
import { login } from "./session.js";

/** `coffer token issue`: log in as the OpenStack clients would and show the token (like `openstack token issue`). */
export function registerTokenCommands(program: Command): void {
  const token = program.command("token").description("Identity tokens.");
  addAuthFlags(
    token
      .command("issue")
      .description("Log in with the OS_* credentials and print a token.")
      .option("--json", "Print JSON"),
  ).action(async (opts: Record<string, unknown>) => {
    const session = await login(resolveAuthOptions(opts));
    const fields = {
      expires: session.expiresAt ?? "",
      id: session.token ?? "",
      project_id: session.projectId ?? "",
      user_id: session.userId ?? "",
      database_url: session.databaseUrl,
    };
    if (opts.json === true) process.stdout.write(JSON.stringify(fields, null, 2) + "\n");
    else
      process.stdout.write(
        Object.entries(fields)
          .map(([k, v]) => `${k.padEnd(12)} ${v}`)
          .join("\n") + "\n",
      );
  });
}
