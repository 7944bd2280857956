import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { createTestSite, launchEngine, type EngineProcess, type TestSite } from "../testing.js";
import type { EngineLayout } from "../engine.js";
import { createPostgresqlEngine } from "./postgresql.js";
import { SPARE_DATABASE } from "./spare.js";

/*
 * The template's spare database: the first default database of an instance is the spare renamed;
 * it then looks exactly like a created one (owner, closed to PUBLIC), the spare never shows, and
 * its name is refused. A real PostgreSQL from a real template copy.
 */
const engine = createPostgresqlEngine();
const admin = { username: "os_admin", password: "spare-test-admin-pw" };
let site: TestSite;
let layout: EngineLayout;
let proc: EngineProcess;

before(async () => {
  site = await createTestSite(engine);
  const template = { binDir: site.binDir, dataDir: `${site.root}/template`, runAs: site.runAs };
  await engine.prepareTemplate(template);
  layout = await site.layout("copy");
  await engine.initializeFromTemplate(template.dataDir, layout);
  await engine.renderConfig(layout, { ramMb: 128, vcpus: 1 });
  proc = await launchEngine(engine.launchCommand(layout), layout.runAs, `${layout.logFile}.out`);
  await engine.secure(layout, admin, 30_000);
});
after(async () => {
  await proc?.stop();
  await site?.cleanup();
});

async function asAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({
    host: layout.address,
    port: layout.port,
    database: "postgres",
    ...admin,
    user: admin.username,
  });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

test("the first default database is the spare renamed, indistinguishable from a created one", async () => {
  const spareOid = await asAdmin(
    async (c) =>
      (await c.query<{ oid: number }>("SELECT oid FROM pg_database WHERE datname = $1", [SPARE_DATABASE]))
        .rows[0]?.oid,
  );
  assert.ok(spareOid, "the template holds the spare");
  await engine.createDatabases(layout, admin, [{ name: "shop" }, { name: "other" }]);
  const rows = await asAdmin(
    async (c) =>
      (
        await c.query<{ datname: string; oid: number; owner: string; open: boolean }>(
          `SELECT datname, oid, pg_get_userbyid(datdba) AS owner, has_database_privilege('public', oid, 'CONNECT') AS open
           FROM pg_database WHERE datname IN ('shop', 'other', $1) ORDER BY datname`,
          [SPARE_DATABASE],
        )
      ).rows,
  );
  assert.deepEqual(
    rows.map((r) => [r.datname, r.owner, r.open]),
    [
      ["other", "os_admin", false],
      ["shop", "os_admin", false],
    ],
  );
  assert.equal(rows.find((r) => r.datname === "shop")?.oid, spareOid, "shop is the spare");
  assert.deepEqual((await engine.listDatabases(layout, admin)).items.map((d) => d.name).sort(), [
    "other",
    "shop",
  ]);
  await assert.rejects(engine.createDatabases(layout, admin, [{ name: SPARE_DATABASE }]), /reserved|system/i);
});
