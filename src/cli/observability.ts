import type { Command } from "commander";
import { apiCommand, apiContext } from "./api-command.js";
import { findInstance } from "./lookup.js";
import { listTable, printResult, propertyTable } from "./output.js";

/** `coffer event-list [instance]` and `coffer metrics-show <instance>` (Coffer's extensions). */

type EventView = {
  id: string;
  time: string;
  kind: string;
  level: string;
  instance_id: string | null;
  cause: string;
} & Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const enc = encodeURIComponent;

export function registerObservabilityCommands(program: Command): void {
  apiCommand(
    program,
    "event-list [instance]",
    "List events, newest first: an instance's (by id or name; a deleted one by id), else the project's.",
  )
    .option("--kind <kind>", "Only events of this kind (e.g. instance.resized, engine.crashed)")
    .option("--since <time>", "Only events at or after this ISO 8601 time")
    .option("--limit <n>", "At most this many (20 by default, 100 at most)")
    .option("--marker <id>", "Start after this event id (the last one of the previous page)")
    .option("--all-projects", "Every project's events (admin)")
    .action(async (ref: string | undefined, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const query = new URLSearchParams();
      for (const key of ["kind", "since", "limit", "marker"] as const) {
        const value = ctx.opts[key];
        if (typeof value === "string") query.set(key, value);
      }
      if (ctx.opts.allProjects === true) query.set("all_projects", "1");
      let path = "/events";
      if (ref !== undefined) {
        const id = UUID.test(ref) ? ref : (await findInstance(ctx.api, ref)).id;
        path = `/instances/${enc(id)}/events`;
      }
      const suffix = query.size > 0 ? `?${query.toString()}` : "";
      const { events } = await ctx.api.get<{ events: EventView[] }>(`${path}${suffix}`);
      printResult(ctx.output, ctx.json, events, () =>
        listTable(events, ["time", "kind", "level", "instance_id", "cause"], {
          labels: { instance_id: "Instance" },
        }),
      );
    });

  apiCommand(program, "metrics-show <instance>", "Show an instance's engine figures and volume use.").action(
    async (ref: string, _opts: unknown, command: Command) => {
      const ctx = await apiContext(command);
      const id = (await findInstance(ctx.api, ref)).id;
      const { metrics } = await ctx.api.get<{ metrics: Record<string, unknown> }>(
        `/instances/${enc(id)}/metrics`,
      );
      printResult(ctx.output, ctx.json, metrics, () => propertyTable(flatten(metrics)));
    },
  );
}

/** `{volume: {size_bytes}}` → `{"volume.size_bytes"}`: one row per figure. */
function flatten(record: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      Object.assign(out, flatten(value as Record<string, unknown>, `${prefix}${key}.`));
    } else out[`${prefix}${key}`] = value;
  }
  return out;
}
