import type { Selectable } from "kysely";
import type { TokenRepository } from "../port.js";
import type { Token } from "../records.js";
import type { TokensTable } from "../schema.js";
import { translated, type RepoContext } from "./context.js";

export function tokenRepository({ db, profile }: RepoContext): TokenRepository {
  const { timestamp, json } = profile.codec;
  const toToken = (r: Selectable<TokensTable>): Token => ({
    idHash: r.id_hash,
    userId: r.user_id,
    projectId: r.project_id,
    methods: json.decode(r.methods) as string[],
    auditId: r.audit_id,
    issuedAt: timestamp.decode(r.issued_at),
    expiresAt: timestamp.decode(r.expires_at),
    revokedAt: r.revoked_at === null ? null : timestamp.decode(r.revoked_at),
  });

  const repo: TokenRepository = {
    async create(t) {
      const row = await db
        .insertInto("tokens")
        .values({
          id_hash: t.idHash,
          user_id: t.userId,
          project_id: t.projectId,
          methods: json.encode(t.methods),
          audit_id: t.auditId,
          issued_at: timestamp.encode(t.issuedAt),
          expires_at: timestamp.encode(t.expiresAt),
          revoked_at: t.revokedAt === null ? null : timestamp.encode(t.revokedAt),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toToken(row);
    },
    async get(idHash) {
      const row = await db.selectFrom("tokens").selectAll().where("id_hash", "=", idHash).executeTakeFirst();
      return row && toToken(row);
    },
    async revoke(idHash, at) {
      const result = await db
        .updateTable("tokens")
        .set({ revoked_at: timestamp.encode(at) })
        .where("id_hash", "=", idHash)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async revokeAllForUser(userId, at) {
      const result = await db
        .updateTable("tokens")
        .set({ revoked_at: timestamp.encode(at) })
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async deleteExpired(now) {
      const result = await db
        .deleteFrom("tokens")
        .where("expires_at", "<", timestamp.encode(now))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
  return translated(repo, profile, { code: "TOKEN_EXISTS", message: "The token already exists." });
}
