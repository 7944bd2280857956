import type { Selectable } from "kysely";
import type { ProjectRepository } from "../port.js";
import type { Project } from "../records.js";
import type { ProjectsTable } from "../schema.js";
import { defined, translated, type RepoContext } from "./context.js";

export function projectRepository({ db, profile }: RepoContext): ProjectRepository {
  const { bool, timestamp } = profile.codec;
  const toProject = (r: Selectable<ProjectsTable>): Project => ({
    id: r.id,
    domainId: r.domain_id,
    name: r.name,
    description: r.description,
    enabled: bool.decode(r.enabled),
    createdAt: timestamp.decode(r.created_at),
  });
  const select = () => db.selectFrom("projects").selectAll();

  const repo: ProjectRepository = {
    async create(p) {
      const row = await db
        .insertInto("projects")
        .values({
          id: p.id,
          domain_id: p.domainId,
          name: p.name,
          description: p.description ?? "",
          enabled: bool.encode(p.enabled ?? true),
          created_at: timestamp.encode(p.createdAt),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toProject(row);
    },
    async get(id) {
      const row = await select().where("id", "=", id).executeTakeFirst();
      return row && toProject(row);
    },
    async getByName(domainId, name) {
      const row = await select()
        .where("domain_id", "=", domainId)
        .where("name", "=", name)
        .executeTakeFirst();
      return row && toProject(row);
    },
    async list(filter = {}) {
      let q = select().orderBy("name").orderBy("id");
      if (filter.domainId !== undefined) q = q.where("domain_id", "=", filter.domainId);
      if (filter.name !== undefined) q = q.where("name", "=", filter.name);
      if (filter.enabled !== undefined) q = q.where("enabled", "=", bool.encode(filter.enabled));
      return (await q.execute()).map(toProject);
    },
    async update(id, patch) {
      const values = defined({
        name: patch.name,
        description: patch.description,
        enabled: patch.enabled === undefined ? undefined : bool.encode(patch.enabled),
      });
      if (Object.keys(values).length === 0) return repo.get(id);
      const row = await db
        .updateTable("projects")
        .set(values)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row && toProject(row);
    },
    async delete(id) {
      const result = await db.deleteFrom("projects").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
  return translated(repo, profile, {
    code: "PROJECT_EXISTS",
    message: "A project with this name already exists in the domain.",
  });
}
