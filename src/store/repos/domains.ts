import type { Selectable } from "kysely";
import type { DomainRepository } from "../port.js";
import type { Domain } from "../records.js";
import type { DomainsTable } from "../schema.js";
import { defined, translated, type RepoContext } from "./context.js";

export function domainRepository({ db, profile }: RepoContext): DomainRepository {
  const { bool } = profile.codec;
  const toDomain = (r: Selectable<DomainsTable>): Domain => ({
    id: r.id,
    name: r.name,
    description: r.description,
    enabled: bool.decode(r.enabled),
  });
  const select = () => db.selectFrom("domains").selectAll();

  const repo: DomainRepository = {
    async create(d) {
      const row = await db
        .insertInto("domains")
        .values({
          id: d.id,
          name: d.name,
          description: d.description ?? "",
          enabled: bool.encode(d.enabled ?? true),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toDomain(row);
    },
    async get(id) {
      const row = await select().where("id", "=", id).executeTakeFirst();
      return row && toDomain(row);
    },
    async getByName(name) {
      const row = await select().where("name", "=", name).executeTakeFirst();
      return row && toDomain(row);
    },
    async list(filter = {}) {
      let q = select().orderBy("name");
      if (filter.name !== undefined) q = q.where("name", "=", filter.name);
      if (filter.enabled !== undefined) q = q.where("enabled", "=", bool.encode(filter.enabled));
      return (await q.execute()).map(toDomain);
    },
    async update(id, patch) {
      const values = defined({
        name: patch.name,
        description: patch.description,
        enabled: patch.enabled === undefined ? undefined : bool.encode(patch.enabled),
      });
      if (Object.keys(values).length === 0) return repo.get(id);
      const row = await db
        .updateTable("domains")
        .set(values)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row && toDomain(row);
    },
    async delete(id) {
      const result = await db.deleteFrom("domains").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
  return translated(repo, profile, {
    code: "DOMAIN_EXISTS",
    message: "A domain with this name already exists.",
  });
}
