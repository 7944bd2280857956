import type { Selectable } from "kysely";
import type { FlavorRepository } from "../instance-port.js";
import type { Flavor } from "../instance-records.js";
import type { FlavorsTable } from "../schema.js";
import { translated, type RepoContext } from "./context.js";

export function flavorRepository({ db, profile }: RepoContext): FlavorRepository {
  const toFlavor = (r: Selectable<FlavorsTable>): Flavor => ({
    id: r.id,
    name: r.name,
    ramMb: r.ram_mb,
    vcpus: r.vcpus,
    diskGb: r.disk_gb,
    ephemeralGb: r.ephemeral_gb,
  });
  const select = () => db.selectFrom("flavors").selectAll();

  const repo: FlavorRepository = {
    async create(f) {
      const row = await db
        .insertInto("flavors")
        .values({
          id: f.id,
          name: f.name,
          ram_mb: f.ramMb,
          vcpus: f.vcpus,
          disk_gb: f.diskGb,
          ephemeral_gb: f.ephemeralGb,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toFlavor(row);
    },
    async get(id) {
      const row = await select().where("id", "=", id).executeTakeFirst();
      return row && toFlavor(row);
    },
    async getByName(name) {
      const row = await select().where("name", "=", name).executeTakeFirst();
      return row && toFlavor(row);
    },
    async list() {
      return (await select().orderBy("ram_mb").orderBy("id").execute()).map(toFlavor);
    },
    async delete(id) {
      const result = await db.deleteFrom("flavors").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
  return translated(repo, profile, {
    code: "FLAVOR_EXISTS",
    message: "A flavor with this id or name already exists.",
  });
}
