import type { Selectable } from "kysely";
import { sql } from "kysely";
import type { UserRepository } from "../port.js";
import type { User, UserPatch } from "../records.js";
import type { UsersTable } from "../schema.js";
import type { Codec } from "../profile.js";
import { defined, translated, type RepoContext } from "./context.js";

export function userRepository({ db, profile }: RepoContext): UserRepository {
  const { bool, timestamp } = profile.codec;
  const time = (d: Date | null) => (d === null ? null : timestamp.encode(d));
  const toUser = (r: Selectable<UsersTable>): User => ({
    id: r.id,
    domainId: r.domain_id,
    name: r.name,
    passwordHash: r.password_hash,
    enabled: bool.decode(r.enabled),
    defaultProjectId: r.default_project_id,
    email: r.email,
    failedLogins: r.failed_logins,
    lockedUntil: r.locked_until === null ? null : timestamp.decode(r.locked_until),
    passwordChangedAt: r.password_changed_at === null ? null : timestamp.decode(r.password_changed_at),
    createdAt: timestamp.decode(r.created_at),
  });
  const select = () => db.selectFrom("users").selectAll();

  const repo: UserRepository = {
    async create(u) {
      const row = await db
        .insertInto("users")
        .values({
          id: u.id,
          domain_id: u.domainId,
          name: u.name,
          password_hash: u.passwordHash,
          enabled: bool.encode(u.enabled ?? true),
          default_project_id: u.defaultProjectId ?? null,
          email: u.email ?? null,
          failed_logins: u.failedLogins ?? 0,
          locked_until: time(u.lockedUntil ?? null),
          password_changed_at: time(u.passwordChangedAt ?? null),
          created_at: timestamp.encode(u.createdAt),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(row);
    },
    async get(id) {
      const row = await select().where("id", "=", id).executeTakeFirst();
      return row && toUser(row);
    },
    async getByName(domainId, name) {
      const row = await select()
        .where("domain_id", "=", domainId)
        .where("name", "=", name)
        .executeTakeFirst();
      return row && toUser(row);
    },
    async list(filter = {}) {
      let q = select().orderBy("name").orderBy("id");
      if (filter.domainId !== undefined) q = q.where("domain_id", "=", filter.domainId);
      if (filter.name !== undefined) q = q.where("name", "=", filter.name);
      if (filter.enabled !== undefined) q = q.where("enabled", "=", bool.encode(filter.enabled));
      return (await q.execute()).map(toUser);
    },
    async update(id, patch) {
      const values = patchColumns(patch, profile.codec);
      if (Object.keys(values).length === 0) return repo.get(id);
      const row = await db
        .updateTable("users")
        .set(values)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row && toUser(row);
    },
    async recordFailedLogin(id) {
      const row = await db
        .updateTable("users")
        .set({ failed_logins: sql<number>`failed_logins + 1` })
        .where("id", "=", id)
        .returning("failed_logins")
        .executeTakeFirst();
      return row?.failed_logins;
    },
    async delete(id) {
      const result = await db.deleteFrom("users").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
  return translated(repo, profile, {
    code: "USER_EXISTS",
    message: "A user with this name already exists in the domain.",
  });
}

function patchColumns(patch: UserPatch, { bool, timestamp }: Codec): Partial<UsersTable> {
  const time = (d: Date | null | undefined) => (d == null ? d : timestamp.encode(d));
  return defined({
    name: patch.name,
    password_hash: patch.passwordHash,
    enabled: patch.enabled === undefined ? undefined : bool.encode(patch.enabled),
    default_project_id: patch.defaultProjectId,
    email: patch.email,
    failed_logins: patch.failedLogins,
    locked_until: time(patch.lockedUntil),
    password_changed_at: time(patch.passwordChangedAt),
  });
}
