import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openTestApp, type TestApp } from "../api/testing.js";
import { registerCatalog } from "../catalog/index.js";
import { FIXTURE_ADMIN_PASSWORD } from "../identity/testing.js";
import { freePort, run, silentLogger } from "../lib/index.js";

/*
 * The configuration commands as a user runs them: `coffer` and `coffer-manage` as processes,
 * logged in with OS_* variables, against the real app listening on a free port. Attaching to
 * running instances is covered end to end in test/configuration-trove.test.ts.
 */
let t: TestApp;
let env: NodeJS.ProcessEnv;
const bin = (name: string) => new URL(`../bin/${name}.js`, import.meta.url).pathname;

before(async () => {
  const port = await freePort();
  t = await openTestApp({ env: { COFFER_PORT: String(port) } });
  await registerCatalog(t.fx.store, silentLogger());
  const base = await t.app.listen({ host: "127.0.0.1", port });
  env = {
    PATH: process.env.PATH,
    OS_AUTH_URL: `${base}/v3`,
    OS_USERNAME: "admin",
    OS_PASSWORD: FIXTURE_ADMIN_PASSWORD,
    OS_PROJECT_NAME: "admin",
    OS_USER_DOMAIN_NAME: "Default",
    OS_PROJECT_DOMAIN_NAME: "Default",
  };
});
after(() => t.close());

const coffer = (...args: string[]) =>
  run(process.execPath, [bin("coffer"), ...args], { env, timeoutMs: 30_000 });
async function ok(...args: string[]): Promise<string> {
  const result = await coffer(...args);
  assert.equal(result.code, 0, `coffer ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}
const json = async <T>(...args: string[]): Promise<T> => JSON.parse(await ok(...args, "--json")) as T;

test("create, list, show by name, patch, update, refuse an invalid value, delete", async () => {
  const created = await json<{ id: string; values: unknown }>(
    "configuration-create",
    "tuned",
    '{"work_mem": "8MB"}',
    "--datastore",
    "postgresql",
    "--description",
    "for reports",
  );
  assert.deepEqual(created.values, { work_mem: "8MB" });
  assert.match(
    await ok("configuration-list"),
    /\| ID +\| Name +\| Description .*\n.*\n\| .* \| tuned +\| for reports/,
  );
  await ok("configuration-patch", "tuned", '{"max_connections": 100}');
  const shown = await json<{ values: unknown }>("configuration-show", "tuned");
  assert.deepEqual(shown.values, { work_mem: "8MB", max_connections: 100 });
  await ok("configuration-update", created.id, '{"autovacuum": false}', "--name", "renamed");
  const table = await ok("configuration-show", "renamed");
  assert.match(table, /\| values +\| \{"autovacuum":false\} +\|/);
  assert.match(table, /\| name +\| renamed +\|/);

  const refused = await coffer("configuration-patch", "renamed", '{"max_connections": 1}');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /max_connections.*\(HTTP 422\)/);
  assert.deepEqual((await t.fx.store.configurations.get(created.id))?.values, { autovacuum: false });

  await ok("configuration-delete", "renamed");
  const gone = await coffer("configuration-show", "renamed");
  assert.match(gone.stderr, /No configuration with a name or ID of 'renamed' exists/);
});

test("parameters by datastore and version name, or by version id; coffer-manage loads a rules file", async () => {
  const table = await ok("configuration-parameter-list", "15", "--datastore", "postgresql");
  assert.match(table, /\| Name +\| Type +\| Min Size +\| Max Size +\| Restart Required \|/);
  assert.match(table, /\| shared_buffers +\| integer +\| 16 +\| 1073741823 +\| true +\|/);
  assert.match(table, /\| autovacuum +\| boolean +\| - +\| - +\| false +\|/);
  const version = (await t.fx.store.datastores.getByName("postgresql"))!.defaultVersionId!;
  const byId = await json<{ name: string }[]>("configuration-parameter-list", version);
  assert.ok(byId.length >= 60);
  const byName = await coffer("configuration-parameter-list", "15");
  assert.match(byName.stderr, /datastore name or id is required/);

  const file = join(t.fx.dir, "rules.json");
  const rules = { name: "coffer_knob", restart_required: true, type: "integer", min: 1, max: 9 };
  await writeFile(file, JSON.stringify({ "configuration-parameters": [rules] }));
  const manage = await run(
    process.execPath,
    [
      bin("coffer-manage"),
      "db_load_datastore_config_parameters",
      "postgresql",
      "15",
      file,
      "--data-dir",
      t.fx.dir,
    ],
    { env: { PATH: process.env.PATH }, timeoutMs: 30_000 },
  );
  assert.equal(manage.code, 0, manage.stderr);
  assert.match(manage.stdout, /Loaded 1 configuration parameters for postgresql 15/);
  const shown = await json<Record<string, unknown>>("configuration-parameter-show", version, "coffer_knob");
  assert.deepEqual(shown, {
    name: "coffer_knob",
    datastore_version_id: version,
    restart_required: true,
    type: "integer",
    min: 1,
    max: 9,
  });
  await writeFile(file, JSON.stringify({ "configuration-parameters": [{ ...rules, type: "decimal" }] }));
  const bad = await run(
    process.execPath,
    [
      bin("coffer-manage"),
      "db_load_datastore_config_parameters",
      "postgresql",
      "15",
      file,
      "--data-dir",
      t.fx.dir,
    ],
    { env: { PATH: process.env.PATH }, timeoutMs: 30_000 },
  );
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /type must be one of integer, float, string, boolean/);
});
