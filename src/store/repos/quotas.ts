import type { QuotaRepository } from "../port.js";
import type { QuotaLimit } from "../records.js";
import { translated, type RepoContext } from "./context.js";

export function quotaRepository({ db, profile }: RepoContext): QuotaRepository {
  const toLimit = (r: { project_id: string; resource: string; hard_limit: number }): QuotaLimit => ({
    projectId: r.project_id,
    resource: r.resource,
    hardLimit: r.hard_limit,
  });
  const select = () => db.selectFrom("quotas").select(["project_id", "resource", "hard_limit"]);

  const repo: QuotaRepository = {
    async set(limit) {
      const row = await db
        .insertInto("quotas")
        .values({ project_id: limit.projectId, resource: limit.resource, hard_limit: limit.hardLimit })
        .onConflict((oc) =>
          oc
            .columns(["project_id", "resource"])
            .doUpdateSet((eb) => ({ hard_limit: eb.ref("excluded.hard_limit") })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toLimit(row);
    },
    async get(projectId, resource) {
      const row = await select()
        .where("project_id", "=", projectId)
        .where("resource", "=", resource)
        .executeTakeFirst();
      return row && toLimit(row);
    },
    async list(projectId) {
      const rows = await select().where("project_id", "=", projectId).orderBy("resource").execute();
      return rows.map(toLimit);
    },
    async delete(projectId, resource) {
      const result = await db
        .deleteFrom("quotas")
        .where("project_id", "=", projectId)
        .where("resource", "=", resource)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
  return translated(repo, profile);
}
