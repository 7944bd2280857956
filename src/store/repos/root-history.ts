import type { Selectable } from "kysely";
import type { RootHistoryRepository } from "../instance-port.js";
import type { RootHistory } from "../instance-records.js";
import type { RootEnabledHistoryTable } from "../schema.js";
import { translated, type RepoContext } from "./context.js";

export function rootHistoryRepository({ db, profile }: RepoContext): RootHistoryRepository {
  const { timestamp } = profile.codec;
  const toRecord = (r: Selectable<RootEnabledHistoryTable>): RootHistory => ({
    instanceId: r.instance_id,
    userId: r.user_id,
    enabledAt: timestamp.decode(r.enabled_at),
    disabledAt: r.disabled_at === null ? null : timestamp.decode(r.disabled_at),
  });

  const repo: RootHistoryRepository = {
    async recordEnabled(instanceId, userId, at) {
      const row = await db
        .insertInto("root_enabled_history")
        .values({
          instance_id: instanceId,
          user_id: userId,
          enabled_at: timestamp.encode(at),
          disabled_at: null,
        })
        .onConflict((oc) =>
          oc.column("instance_id").doUpdateSet((eb) => ({
            user_id: eb.ref("excluded.user_id"),
            enabled_at: eb.ref("excluded.enabled_at"),
            disabled_at: null,
          })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },
    async get(instanceId) {
      const row = await db
        .selectFrom("root_enabled_history")
        .selectAll()
        .where("instance_id", "=", instanceId)
        .executeTakeFirst();
      return row && toRecord(row);
    },
    async recordDisabled(instanceId, at) {
      const result = await db
        .updateTable("root_enabled_history")
        .set({ disabled_at: timestamp.encode(at) })
        .where("instance_id", "=", instanceId)
        .where("disabled_at", "is", null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
  return translated(repo, profile);
}
