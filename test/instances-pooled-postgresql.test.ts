import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { login, type ApiClient } from "./support/api.js";
import { startCoffer, type CofferServer } from "./support/coffer-server.js";
import { active, createWithUser, readyMember } from "./support/pool.js";

/*
 * The PostgreSQL side of warm pools (instances-pooled.test.ts does MariaDB): a pooled PostgreSQL
 * engine keeps a spare database that a create renames into the requested one, so what a user of a
 * pooled instance sees must be exactly what a cold create gives — the requested database with the
 * same settings, owned the same way, no spare left behind, its own credentials, nothing of an
 * earlier instance. The real server with a pool of one PostgreSQL c1.nano engine, 1 GB volume.
 */

let server: CofferServer;
let api: ApiClient;
before(async () => {
  server = await startCoffer({ extraArgs: ["--warm-pools", "postgresql:default:6:1:1"] });
  api = await login(server.url, server.env);
});
after(() => server.close());

async function withClient<T>(host: string, user: string, password: string, fn: (c: pg.Client) => Promise<T>) {
  const client = new pg.Client({ host, port: 5432, user, password, database: "shop" });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** What a user sees: the databases it may connect to with their settings and owner, its tables, the flavor's settings. */
function userView(host: string, user: string, password: string) {
  return withClient(host, user, password, async (c) => ({
    databases: (
      await c.query(
        `SELECT datname, pg_encoding_to_char(encoding) AS encoding, datcollate, datctype,
                pg_get_userbyid(datdba) AS owner
           FROM pg_database
          WHERE NOT datistemplate AND has_database_privilege(current_user, datname, 'CONNECT')
          ORDER BY datname`,
      )
    ).rows,
    tables: (await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows,
    settings: (
      await c.query(
        "SELECT current_setting('shared_buffers') AS sb, current_setting('max_connections') AS mc",
      )
    ).rows,
  }));
}

test("a pooled PostgreSQL instance looks like a cold one to its user, and a later one inherits nothing", async () => {
  const member = await readyMember(server);
  const pooled = await createWithUser(api, "postgresql", "pooled", "6", "alice", "alice-pw-1");
  assert.equal(pooled.id, member, "the create took the pool's engine");
  const cold = await createWithUser(api, "postgresql", "cold", "6", "alice", "alice-pw-1"); // the pool is empty now: a cold create
  assert.notEqual(cold.id, member);
  const [p, c] = [await active(api, pooled.id), await active(api, cold.id)];

  const pv = await userView(p.ip![0]!, "alice", "alice-pw-1");
  const cv = await userView(c.ip![0]!, "alice", "alice-pw-1");
  assert.deepEqual(pv, cv, "the same databases (settings, owner), tables and flavor settings");
  assert.ok(
    pv.databases.some((d) => d.datname === "shop"),
    JSON.stringify(pv.databases),
  );
  const all = await withClient(p.ip![0]!, "alice", "alice-pw-1", async (cl) =>
    (await cl.query("SELECT datname FROM pg_database ORDER BY datname")).rows.map((r) => r.datname as string),
  );
  const coldAll = await withClient(c.ip![0]!, "alice", "alice-pw-1", async (cl) =>
    (await cl.query("SELECT datname FROM pg_database ORDER BY datname")).rows.map((r) => r.datname as string),
  );
  assert.deepEqual(all, coldAll, "no spare database left over on the pooled engine");

  await withClient(p.ip![0]!, "alice", "alice-pw-1", async (cl) => {
    await cl.query("CREATE TABLE secrets (x text)");
    await cl.query("INSERT INTO secrets VALUES ('from the first instance')");
  });

  assert.equal((await api.trove("DELETE", `/instances/${pooled.id}`)).status, 202);
  const next = await readyMember(server);
  assert.notEqual(next, member);
  const again = await active(
    api,
    (await createWithUser(api, "postgresql", "again", "6", "alice", "alice-pw-2")).id,
  );
  assert.equal(again.id, next, "the refilled pool served the next create");
  const av = await userView(again.ip![0]!, "alice", "alice-pw-2");
  assert.deepEqual(av.tables, [], "no table of the deleted instance");
  await assert.rejects(
    userView(again.ip![0]!, "alice", "alice-pw-1"),
    /password authentication failed/,
    "the old password does not work",
  );
});
