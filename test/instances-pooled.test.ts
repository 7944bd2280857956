import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { run } from "../src/lib/index.js";
import { login, type ApiClient } from "./support/api.js";
import { startCoffer, type CofferServer } from "./support/coffer-server.js";
import { active, createWithUser, readyMember } from "./support/pool.js";

/*
 * Warm pools keep correctness: an instance taken from a pool is indistinguishable from a cold
 * one to its user — its own fresh credentials, nothing left from an earlier instance, the
 * requested flavor and volume — and a create that matches no pool is an ordinary cold create.
 * The real server with a pool of one MariaDB c1.nano engine with a 1 GB volume.
 */

let server: CofferServer;
let api: ApiClient;
before(async () => {
  server = await startCoffer({ extraArgs: ["--warm-pools", "mariadb:default:6:1:1"] });
  api = await login(server.url, server.env);
});
after(() => server.close());

const guestState = async (id: string) =>
  JSON.parse(await readFile(join(server.dir, "compute", "agent", "guests", `${id}.json`), "utf8")) as {
    admin: { password: string };
  };

async function connect(host: string, user: string, password: string) {
  return mysql.createConnection({ host, port: 3306, user, password, database: "shop" });
}

/** What a user sees of the instance: the databases and accounts visible to it, the server's variables that a flavor sets. */
async function userView(host: string, user: string, password: string) {
  const c = await connect(host, user, password);
  try {
    const [dbs] = await c.query("SHOW DATABASES");
    const [tables] = await c.query("SHOW TABLES");
    const [vars] = await c.query("SELECT @@innodb_buffer_pool_size AS pool, @@max_connections AS conns");
    return { databases: dbs, tables, vars };
  } finally {
    await c.end();
  }
}

const cgroupLimit = (id: string) =>
  readFile(`/sys/fs/cgroup/memory/${server.cgroupParent}/${id}/memory.limit_in_bytes`, "utf8").then(
    (t) => t.trim(),
    () => "not enforced",
  );
const volumeSize = async (id: string) =>
  (
    await run("df", ["-BM", "--output=size", join(server.dir, "compute", "host", "instances", id, "volume")])
  ).stdout
    .split("\n")[1]
    ?.trim();

test("a pooled instance looks like a cold one to its user, and a later one inherits nothing", async () => {
  const member = await readyMember(server);
  const pooled = await createWithUser(api, "mariadb", "pooled", "6", "alice", "alice-pw-1");
  assert.equal(pooled.id, member, "the create took the pool's engine");
  assert.ok(pooled.ip?.[0], "a pooled create answers with the address at once");
  const cold = await createWithUser(api, "mariadb", "cold", "7", "alice", "alice-pw-1"); // no pool for c1.micro: a cold create
  assert.notEqual(cold.id, member);
  const [p, c] = [await active(api, pooled.id), await active(api, cold.id)];
  assert.equal(p.flavor.id, "6");
  assert.equal(p.volume.size, 1);

  // What the user sees is the same on both, but for the flavor's own settings.
  const pv = await userView(p.ip![0]!, "alice", "alice-pw-1");
  const cv = await userView(c.ip![0]!, "alice", "alice-pw-1");
  assert.deepEqual(pv.databases, cv.databases);
  assert.deepEqual(pv.tables, []);
  // The pooled engine was sized for its flavor (c1.nano) like a cold c1.nano would be; the cgroup and volume too.
  assert.equal(await cgroupLimit(pooled.id), await cgroupLimit(member));
  assert.equal(await volumeSize(pooled.id), await volumeSize(cold.id), "both volumes are the 1 GB asked for");

  // Fresh credentials: every engine has its own admin password.
  const admins = [await guestState(pooled.id), await guestState(cold.id)].map((s) => s.admin.password);
  const c1 = await connect(p.ip![0]!, "alice", "alice-pw-1");
  await c1.query("CREATE TABLE secrets (x TEXT)");
  await c1.query("INSERT INTO secrets VALUES ('from the first instance')");
  await c1.end();

  // Deleted; the pool refills with a new engine; the next create inherits nothing of the first.
  assert.equal((await api.trove("DELETE", `/instances/${pooled.id}`)).status, 202);
  const next = await readyMember(server);
  assert.notEqual(next, member);
  admins.push((await guestState(next)).admin.password);
  assert.equal(new Set(admins).size, 3, "no two engines share an admin password");
  const again = await active(
    api,
    (await createWithUser(api, "mariadb", "again", "6", "alice", "alice-pw-2")).id,
  );
  assert.equal(again.id, next);
  const av = await userView(again.ip![0]!, "alice", "alice-pw-2");
  assert.deepEqual(av.tables, [], "no table of the deleted instance");
  await assert.rejects(connect(again.ip![0]!, "alice", "alice-pw-1"), "the old password does not work");
});

test("a clean stop (SIGTERM) destroys the unclaimed pool member, which served nobody; users' instances keep running", async () => {
  const member = await readyMember(server);
  const instances = join(server.dir, "compute", "host", "instances");
  const engineOf = async (id: string) =>
    JSON.parse(await readFile(join(instances, id, "engine.pid"), "utf8")) as { pid: number };
  const memberPid = (await engineOf(member)).pid;
  const { body } = await api.trove<{ instances: { id: string }[] }>("GET", "/instances");
  assert.ok(body.instances.length > 0);
  await server.kill("SIGTERM");
  assert.equal(alive(memberPid), false, "the member's engine is gone");
  await assert.rejects(readFile(join(instances, member, "placement.json")), "and its volume and placement");
  for (const instance of body.instances) {
    assert.equal(alive((await engineOf(instance.id)).pid), true, `${instance.id} still runs`);
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
