import type { Selectable } from "kysely";
import type { ServiceStatus } from "../../domain/index.js";
import type { ServiceStatusRepository } from "../instance-port.js";
import type { ServiceStatusRecord } from "../instance-records.js";
import type { ServiceStatusesTable } from "../schema.js";
import { translated, type RepoContext } from "./context.js";

export function serviceStatusRepository({ db, profile }: RepoContext): ServiceStatusRepository {
  const { timestamp } = profile.codec;
  const toRecord = (r: Selectable<ServiceStatusesTable>): ServiceStatusRecord => ({
    instanceId: r.instance_id,
    // Written only from a ServiceStatus by this repository.
    status: r.status as ServiceStatus,
    updatedAt: timestamp.decode(r.updated_at),
  });
  const select = () => db.selectFrom("service_statuses").selectAll();

  const repo: ServiceStatusRepository = {
    async set(instanceId, status, at) {
      const row = await db
        .insertInto("service_statuses")
        .values({ instance_id: instanceId, status, updated_at: timestamp.encode(at) })
        .onConflict((oc) =>
          oc.column("instance_id").doUpdateSet((eb) => ({
            status: eb.ref("excluded.status"),
            updated_at: eb.ref("excluded.updated_at"),
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
      if (instanceIds.length === 0) return [];
      const rows = await select().where("instance_id", "in", instanceIds).orderBy("instance_id").execute();
      return rows.map(toRecord);
    },
  };
  return translated(repo, profile);
}
