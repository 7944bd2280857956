import { sql, type RawBuilder, type Selectable } from "kysely";
import { QuotaExceededError, ValidationError } from "../../domain/index.js";
import type { QuotaUsageRepository } from "../port.js";
import type { QuotaUsage } from "../records.js";
import type { QuotaUsagesTable } from "../schema.js";
import { translated, type RepoContext } from "./context.js";

/** `column - delta`, but never below zero (portable: no GREATEST on SQLite, no MAX(a, b) on PostgreSQL). */
const minus = (column: "in_use" | "reserved", delta: number): RawBuilder<number> =>
  sql<number>`case when ${sql.ref(column)} < ${delta} then 0 else ${sql.ref(column)} - ${delta} end`;

export function quotaUsageRepository({ db, profile }: RepoContext): QuotaUsageRepository {
  const toUsage = (r: Selectable<QuotaUsagesTable>): QuotaUsage => ({
    projectId: r.project_id,
    resource: r.resource,
    inUse: r.in_use,
    reserved: r.reserved,
  });

  /** The row the conditional UPDATEs work on; racing inserts are harmless. */
  const ensureRow = async (projectId: string, resource: string) => {
    await db
      .insertInto("quota_usages")
      .values({ project_id: projectId, resource, in_use: 0, reserved: 0 })
      .onConflict((oc) => oc.columns(["project_id", "resource"]).doNothing())
      .execute();
  };

  const change = async (
    projectId: string,
    resource: string,
    delta: number,
    set: { in_use?: RawBuilder<number>; reserved?: RawBuilder<number> },
  ) => {
    checkDelta(delta);
    await ensureRow(projectId, resource);
    const row = await db
      .updateTable("quota_usages")
      .set(set)
      .where("project_id", "=", projectId)
      .where("resource", "=", resource)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUsage(row);
  };

  const repo: QuotaUsageRepository = {
    async get(projectId, resource) {
      const row = await db
        .selectFrom("quota_usages")
        .selectAll()
        .where("project_id", "=", projectId)
        .where("resource", "=", resource)
        .executeTakeFirst();
      return row ? toUsage(row) : { projectId, resource, inUse: 0, reserved: 0 };
    },
    async list(projectId) {
      const rows = await db
        .selectFrom("quota_usages")
        .selectAll()
        .where("project_id", "=", projectId)
        .orderBy("resource")
        .execute();
      return rows.map(toUsage);
    },
    async reserve(projectId, resource, delta, limit) {
      checkDelta(delta);
      await ensureRow(projectId, resource);
      // One statement decides and writes: PostgreSQL re-checks the WHERE clause on the row a
      // concurrent UPDATE just committed, and SQLite runs one writer at a time.
      let update = db
        .updateTable("quota_usages")
        .set({ reserved: sql<number>`reserved + ${delta}` })
        .where("project_id", "=", projectId)
        .where("resource", "=", resource);
      if (limit >= 0) update = update.where(sql<number>`in_use + reserved + ${delta}`, "<=", limit);
      const row = await update.returningAll().executeTakeFirst();
      if (row) return toUsage(row);
      const now = await repo.get(projectId, resource);
      throw new QuotaExceededError("QUOTA_EXCEEDED", `Quota exceeded for resources: ['${resource}'].`, {
        details: { resource, limit, inUse: now.inUse, reserved: now.reserved, requested: delta },
      });
    },
    commit: (projectId, resource, delta) =>
      change(projectId, resource, delta, {
        reserved: minus("reserved", delta),
        in_use: sql<number>`in_use + ${delta}`,
      }),
    release: (projectId, resource, delta) =>
      change(projectId, resource, delta, { reserved: minus("reserved", delta) }),
    free: (projectId, resource, delta) =>
      change(projectId, resource, delta, { in_use: minus("in_use", delta) }),
  };
  return translated(repo, profile);
}

function checkDelta(delta: number): void {
  if (!Number.isSafeInteger(delta) || delta <= 0)
    throw new ValidationError(
      "INVALID_QUOTA_DELTA",
      `A quota delta must be a positive integer, not ${delta}.`,
    );
}
