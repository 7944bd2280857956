import type { RoleAssignmentRepository } from "../port.js";
import type { RoleAssignment } from "../records.js";
import { translated, type RepoContext } from "./context.js";

export function roleAssignmentRepository({ db, profile }: RepoContext): RoleAssignmentRepository {
  const row = (a: RoleAssignment) => ({ project_id: a.projectId, user_id: a.userId, role_id: a.roleId });
  const repo: RoleAssignmentRepository = {
    async grant(a) {
      const result = await db
        .insertInto("role_assignments")
        .values(row(a))
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },
    async revoke(a) {
      const result = await db
        .deleteFrom("role_assignments")
        .where("project_id", "=", a.projectId)
        .where("user_id", "=", a.userId)
        .where("role_id", "=", a.roleId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    async list(filter = {}) {
      let q = db
        .selectFrom("role_assignments")
        .select(["project_id", "user_id", "role_id"])
        .orderBy("project_id")
        .orderBy("user_id")
        .orderBy("role_id");
      if (filter.projectId !== undefined) q = q.where("project_id", "=", filter.projectId);
      if (filter.userId !== undefined) q = q.where("user_id", "=", filter.userId);
      if (filter.roleId !== undefined) q = q.where("role_id", "=", filter.roleId);
      const rows = await q.execute();
      return rows.map((r) => ({ projectId: r.project_id, userId: r.user_id, roleId: r.role_id }));
    },
  };
  return translated(repo, profile);
}
