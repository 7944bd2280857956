import type { Command } from "commander";
import { ValidationError } from "../domain/index.js";
import { apiCommand, apiContext } from "./api-command.js";
import { allPages, instancePath } from "./databases.js";
import { listTable, printResult, propertyTable } from "./output.js";

/**
 * `coffer user-create | user-list | user-show | user-delete | user-update-attributes |
 * user-grant-access | user-revoke-access | user-show-access`, shaped like the `trove` CLI's.
 */

interface UserView {
  name: string;
  host?: string;
  databases: { name: string }[];
}

/** The user's id in a URL: `name` or `name@host`, URL-encoded (as troveclient's quote_user_host). */
export function userId(name: string, host: unknown): string {
  return encodeURIComponent(typeof host === "string" && host !== "" ? `${name}@${host}` : name);
}

/** A user as trove prints it: its databases' names joined. */
export function userRow(user: UserView): Record<string, unknown> {
  return { name: user.name, host: user.host ?? "", databases: user.databases.map((d) => d.name).join(", ") };
}

const withHost = (command: Command) => command.option("--host <host>", "The user's host (MySQL/MariaDB)");

export function registerUserCommands(program: Command): void {
  withHost(apiCommand(program, "user-create <instance> <name> <password>", "Create a user on an instance."))
    .option("--databases <databases...>", "Databases the user may use")
    .action(async (ref: string, name: string, password: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const user: Record<string, unknown> = {
        name,
        password,
        databases: ((ctx.opts.databases as string[] | undefined) ?? []).map((d) => ({ name: d })),
      };
      if (typeof ctx.opts.host === "string") user.host = ctx.opts.host;
      await ctx.api.post(`${await instancePath(ctx, ref)}/users`, { users: [user] });
    });

  apiCommand(program, "user-list <instance>", "List the users of an instance.").action(
    async (ref: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const users = await allPages<UserView>(ctx.api, `${await instancePath(ctx, ref)}/users`, "users");
      printResult(ctx.output, ctx.json, users, () =>
        listTable(users.map(userRow), ["name", "host", "databases"]),
      );
    },
  );

  withHost(apiCommand(program, "user-show <instance> <name>", "Show a user of an instance.")).action(
    async (ref: string, name: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const path = `${await instancePath(ctx, ref)}/users/${userId(name, ctx.opts.host)}`;
      const { user } = await ctx.api.get<{ user: UserView }>(path);
      printResult(ctx.output, ctx.json, user, () => propertyTable(userRow(user)));
    },
  );

  withHost(apiCommand(program, "user-delete <instance> <name>", "Delete a user from an instance.")).action(
    async (ref: string, name: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      await ctx.api.delete(`${await instancePath(ctx, ref)}/users/${userId(name, ctx.opts.host)}`);
    },
  );

  withHost(
    apiCommand(
      program,
      "user-update-attributes <instance> <name>",
      "Rename a user, or give it a new password or host.",
    ),
  )
    .option("--new_name, --new-name <new_name>", "New name")
    .option("--new_password, --new-password <new_password>", "New password")
    .option("--new_host, --new-host <new_host>", "New host (MySQL/MariaDB)")
    .action(async (ref: string, name: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const changes: Record<string, string> = {};
      for (const [flag, key] of [
        ["newName", "name"],
        ["newPassword", "password"],
        ["newHost", "host"],
      ] as const) {
        const value = ctx.opts[flag];
        if (typeof value === "string") changes[key] = value;
      }
      if (Object.keys(changes).length === 0) {
        throw new ValidationError("USAGE", "Give at least one of --new_name, --new_password, --new_host.");
      }
      await ctx.api.put(`${await instancePath(ctx, ref)}/users/${userId(name, ctx.opts.host)}`, {
        user: changes,
      });
    });

  withHost(
    apiCommand(program, "user-grant-access <instance> <name> <databases...>", "Let a user use databases."),
  ).action(async (ref: string, name: string, databases: string[], _opts: unknown, command: Command) => {
    const ctx = await apiContext(command);
    await ctx.api.put(`${await instancePath(ctx, ref)}/users/${userId(name, ctx.opts.host)}/databases`, {
      databases: databases.map((d) => ({ name: d })),
    });
  });

  withHost(
    apiCommand(
      program,
      "user-revoke-access <instance> <name> <database>",
      "Take a database away from a user.",
    ),
  ).action(async (ref: string, name: string, database: string, _opts: unknown, command: Command) => {
    const ctx = await apiContext(command);
    const user = userId(name, ctx.opts.host);
    await ctx.api.delete(
      `${await instancePath(ctx, ref)}/users/${user}/databases/${encodeURIComponent(database)}`,
    );
  });

  withHost(
    apiCommand(program, "user-show-access <instance> <name>", "Show the databases a user may use."),
  ).action(async (ref: string, name: string, _opts: unknown, command: Command) => {
    const ctx = await apiContext(command);
    const path = `${await instancePath(ctx, ref)}/users/${userId(name, ctx.opts.host)}/databases`;
    const { databases } = await ctx.api.get<{ databases: { name: string }[] }>(path);
    printResult(ctx.output, ctx.json, databases, () => listTable(databases, ["name"]));
  });
}
