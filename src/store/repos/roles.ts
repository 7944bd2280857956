import type { RoleRepository } from "../port.js";
import { translated, type RepoContext } from "./context.js";

export function roleRepository({ db, profile }: RepoContext): RoleRepository {
  const select = () => db.selectFrom("roles").select(["id", "name"]);
  const repo: RoleRepository = {
    async create(role) {
      await db.insertInto("roles").values({ id: role.id, name: role.name }).execute();
      return { id: role.id, name: role.name };
    },
    async get(id) {
      return select().where("id", "=", id).executeTakeFirst();
    },
    async getByName(name) {
      return select().where("name", "=", name).executeTakeFirst();
    },
    async list(filter = {}) {
      let q = select().orderBy("name");
      if (filter.name !== undefined) q = q.where("name", "=", filter.name);
      return q.execute();
    },
    async delete(id) {
      const result = await db.deleteFrom("roles").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
  return translated(repo, profile, { code: "ROLE_EXISTS", message: "A role with this name already exists." });
}
