import type { Command } from "commander";
import type { HttpClient } from "./http.js";
import { apiCommand, apiContext, type ApiContext } from "./api-command.js";
import { findInstance } from "./lookup.js";
import { listTable, printResult, propertyTable } from "./output.js";

/**
 * `coffer database-create | database-list | database-delete` and `root-enable | root-show |
 * root-disable`, with the `trove` CLI's names, arguments and output.
 */

/** The API path of the instance named (by id or name) on the command line. */
export async function instancePath(ctx: ApiContext, ref: string): Promise<string> {
  return `/instances/${encodeURIComponent((await findInstance(ctx.api, ref)).id)}`;
}

/** Every item of a paged list, following `links[rel=next]` as trove does. */
export async function allPages<T>(api: HttpClient, path: string, key: string): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await api.get<Record<string, unknown>>(
      marker === undefined ? path : `${path}?marker=${encodeURIComponent(marker)}`,
    );
    const items = (page[key] ?? []) as T[];
    all.push(...items);
    const links = (page.links ?? []) as { rel: string; href: string }[];
    const next = links.find((l) => l.rel === "next");
    marker = next ? (new URL(next.href).searchParams.get("marker") ?? undefined) : undefined;
    if (marker === undefined || items.length === 0) break;
  }
  return all;
}

export function registerDatabaseCommands(program: Command): void {
  apiCommand(program, "database-create <instance> <name>", "Create a database on an instance.")
    .option("--character_set, --character-set <character_set>", "Character set (PostgreSQL: encoding)")
    .option("--collate <collate>", "Collation (PostgreSQL: locale)")
    .action(async (ref: string, name: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const database: Record<string, string> = { name };
      if (typeof ctx.opts.characterSet === "string") database.character_set = ctx.opts.characterSet;
      if (typeof ctx.opts.collate === "string") database.collate = ctx.opts.collate;
      await ctx.api.post(`${await instancePath(ctx, ref)}/databases`, { databases: [database] });
    });

  apiCommand(program, "database-list <instance>", "List the databases of an instance.").action(
    async (ref: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const databases = await allPages<{ name: string }>(
        ctx.api,
        `${await instancePath(ctx, ref)}/databases`,
        "databases",
      );
      printResult(ctx.output, ctx.json, databases, () => listTable(databases, ["name"]));
    },
  );

  apiCommand(program, "database-delete <instance> <database>", "Delete a database from an instance.").action(
    async (ref: string, database: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      await ctx.api.delete(`${await instancePath(ctx, ref)}/databases/${encodeURIComponent(database)}`);
    },
  );

  apiCommand(program, "root-enable <instance>", "Enable the engine's superuser; shows its password once.")
    .option(
      "--root_password, --root-password <root_password>",
      "Use this password instead of a generated one",
    )
    .action(async (ref: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const password = ctx.opts.rootPassword;
      const { user } = await ctx.api.post<{ user: { name: string; password: string } }>(
        `${await instancePath(ctx, ref)}/root`,
        typeof password === "string" ? { password } : undefined,
      );
      printResult(ctx.output, ctx.json, user, () => propertyTable(user));
    });

  apiCommand(program, "root-show <instance>", "Show whether root is enabled on an instance.").action(
    async (ref: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const { rootEnabled } = await ctx.api.get<{ rootEnabled: boolean }>(
        `${await instancePath(ctx, ref)}/root`,
      );
      const shown = { is_root_enabled: rootEnabled };
      printResult(ctx.output, ctx.json, shown, () => propertyTable(shown));
    },
  );

  apiCommand(program, "root-disable <instance>", "Disable root on an instance.").action(
    async (ref: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      await ctx.api.delete(`${await instancePath(ctx, ref)}/root`);
    },
  );
}
