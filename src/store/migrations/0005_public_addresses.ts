import type { Kysely } from "kysely";

/**
 * An instance's public address (access.is_public), beside its own address: the API shows it as
 * the `public` entry of `addresses` and in `ip`. NULL while the instance is not public.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("instances").addColumn("public_address", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("instances").dropColumn("public_address").execute();
}
