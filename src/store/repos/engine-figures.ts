import type { Selectable } from "kysely";
import { parseEngineFigures } from "../../domain/index.js";
import type { EngineFiguresRepository } from "../observability-port.js";
import type { EngineFiguresRecord } from "../observability-records.js";
import type { EngineFiguresTable } from "../schema.js";
import { translated, type RepoContext } from "./context.js";

export function engineFiguresRepository({ db, profile }: RepoContext): EngineFiguresRepository {
  const { timestamp, json } = profile.codec;
  const toRecord = (r: Selectable<EngineFiguresTable>): EngineFiguresRecord => ({
    instanceId: r.instance_id,
    figures: parseEngineFigures(json.decode(r.figures)) ?? {},
    measuredAt: timestamp.decode(r.measured_at),
  });
  const select = () => db.selectFrom("engine_figures").selectAll();

  const repo: EngineFiguresRepository = {
    async set(instanceId, figures, measuredAt) {
      const row = await db
        .insertInto("engine_figures")
        .values({
          instance_id: instanceId,
          figures: json.encode(figures),
          measured_at: timestamp.encode(measuredAt),
        })
        .onConflict((oc) =>
          oc.column("instance_id").doUpdateSet((eb) => ({
            figures: eb.ref("excluded.figures"),
            measured_at: eb.ref("excluded.measured_at"),
          })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },
    async get(instanceId) {
      const row = await select().where("instance_id", "=", instanceId).executeTakeFirst();
      return row && toRecord(row);
    },
    async list(instanceIds) {
      // `in ()` is a syntax error on PostgreSQL.
      if (instanceIds?.length === 0) return [];
      let query = select();
      if (instanceIds) query = query.where("instance_id", "in", instanceIds);
      return (await query.orderBy("instance_id").execute()).map(toRecord);
    },
  };
  return translated(repo, profile);
}
