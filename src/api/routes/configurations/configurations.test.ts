import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { registerCatalog } from "../../../catalog/index.js";
import { silentLogger } from "../../../lib/index.js";
import type { TestUser } from "../../../identity/testing.js";
import { openTestApp, type TestApp } from "../../testing.js";

// The configuration API over a real store, with the rules registerCatalog loads for the engines
// installed here. No guest agent runs: what is checked is what the API decides and records
// (applying to running engines is test/configuration-trove.test.ts's part).
let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let pgVersion = "";
before(async () => {
  t = await openTestApp();
  await registerCatalog(t.fx.store, silentLogger());
  alice = await t.fx.addUser("alpha", "alice", ["member"]);
  bob = await t.fx.addUser("beta", "bob", ["member"]);
  admin = t.fx.admin;
  const ds = await t.fx.store.datastores.getByName("postgresql");
  pgVersion = ds!.defaultVersionId!;
});
after(() => t.close());

const call = (user: TestUser, method: string, path: string, payload?: unknown) =>
  t.app.inject({
    method: method as "GET",
    url: `/v1.0/${user.project.id}${path}`,
    headers: { "x-auth-token": user.token },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const fault = (body: string) =>
  Object.values(JSON.parse(body) as object)[0] as { code: number; message: string };
const createGroup = (user: TestUser, values: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  call(user, "POST", "/configurations", {
    configuration: { name: "g", values, datastore: { type: "postgresql", version: "15" }, ...extra },
  });

test("parameters: by datastore and version name or by version id; one of them; 404s", async () => {
  const list = await call(alice, "GET", "/datastores/postgresql/versions/15/parameters");
  assert.equal(list.statusCode, 200, list.body);
  const params = list.json()["configuration-parameters"] as Record<string, unknown>[];
  assert.ok(params.length >= 60);
  const byId = await call(alice, "GET", `/datastores/versions/${pgVersion}/parameters`);
  assert.deepEqual(byId.json()["configuration-parameters"], params);
  const sb = await call(alice, "GET", "/datastores/postgresql/versions/15/parameters/shared_buffers");
  assert.deepEqual(sb.json(), {
    name: "shared_buffers",
    datastore_version_id: pgVersion,
    restart_required: true,
    type: "integer",
    min: 16,
    max: 1073741823,
    unit: "8kB",
  });
  const wm = await call(alice, "GET", `/datastores/versions/${pgVersion}/parameters/WORK_MEM`);
  assert.equal(wm.json().restart_required, false);
  const autovacuum = params.find((p) => p.name === "autovacuum")!;
  assert.ok(!("min" in autovacuum) && !("max" in autovacuum), "no bounds on a boolean");
  for (const path of [
    "/datastores/postgresql/versions/15/parameters/no_such_thing",
    `/datastores/versions/${pgVersion}/parameters/port`,
    "/datastores/versions/no-such-version/parameters",
  ]) {
    assert.equal((await call(alice, "GET", path)).statusCode, 404, path);
  }
  const maria = await call(alice, "GET", "/datastores/mariadb/versions/10.11/parameters/max_connections");
  assert.deepEqual([maria.json().restart_required, maria.json().max], [false, 100000]);
});

test("mgmt parameters: admin CRUD with min_size/max_size", async () => {
  const base = `/mgmt/datastores/versions/${pgVersion}/parameters`;
  const body = (extra: Record<string, unknown>) => ({
    "configuration-parameter": { name: "coffer_test", data_type: "integer", restart_required: 1, ...extra },
  });
  const created = await call(admin, "POST", base, body({ min_size: 1, max_size: 10 }));
  assert.equal(created.statusCode, 200, created.body);
  assert.deepEqual(created.json(), {
    name: "coffer_test",
    datastore_version_id: pgVersion,
    restart_required: true,
    type: "integer",
    min_size: 1,
    max_size: 10,
  });
  assert.equal(
    (await call(admin, "POST", base, body({ min_size: 1 }))).statusCode,
    400,
    "integer without max",
  );
  assert.equal((await call(admin, "POST", base, body({ data_type: "decimal" }))).statusCode, 400);
  const put = await call(
    admin,
    "PUT",
    `${base}/coffer_test`,
    body({ restart_required: false, min_size: 2, max_size: 3 }),
  );
  assert.deepEqual([put.statusCode, put.json().restart_required, put.json().min_size], [200, false, 2]);
  const list = (await call(admin, "GET", base)).json()["configuration-parameters"] as { name: string }[];
  assert.ok(list.some((p) => p.name === "coffer_test") && list.some((p) => p.name === "shared_buffers"));
  assert.equal((await call(admin, "DELETE", `${base}/coffer_test`)).statusCode, 204);
  assert.equal((await call(admin, "DELETE", `${base}/coffer_test`)).statusCode, 404);
  assert.equal((await call(admin, "GET", `${base}/coffer_test`)).statusCode, 404);
});

test("create validates as Trove does (422 naming the parameter), with units and integer floats", async () => {
  const ok = await createGroup(
    alice,
    {
      MAX_CONNECTIONS: 150,
      shared_buffers: "256MB",
      statement_timeout: "30s",
      checkpoint_completion_target: 1,
      autovacuum: false,
    },
    { description: "tuned" },
  );
  assert.equal(ok.statusCode, 200, ok.body);
  const group = ok.json().configuration;
  assert.deepEqual(group.values, {
    max_connections: 150,
    shared_buffers: "256MB",
    statement_timeout: "30s",
    checkpoint_completion_target: 1,
    autovacuum: false,
  });
  assert.equal(group.instance_count, 0);
  assert.equal(group.datastore_name, "postgresql");
  assert.equal(group.datastore_version_name, "15");
  assert.match(group.datastore_version_number, /^15\./);
  assert.equal(group.description, "tuned");

  const before = (await t.fx.store.configurations.list()).length;
  const bad: [Record<string, unknown>, string][] = [
    [{ max_connections: "150" }, "max_connections"],
    [{ max_connections: 1 }, "max_connections"],
    [{ shared_buffers: "1kB" }, "shared_buffers"],
    [{ shared_buffers: "lots" }, "shared_buffers"],
    [{ autovacuum: "off" }, "autovacuum"],
    [{ no_such_parameter: 1 }, "no_such_parameter"],
    [{ listen_addresses: "*" }, "listen_addresses"],
  ];
  for (const [values, parameter] of bad) {
    const res = await createGroup(alice, values);
    assert.equal(res.statusCode, 422, `${JSON.stringify(values)} → ${res.body}`);
    assert.match(fault(res.body).message, new RegExp(parameter));
  }
  assert.equal((await createGroup(alice, {}, { datastore: { type: "oracle" } })).statusCode, 404);
  assert.equal(
    (await call(alice, "POST", "/configurations", { configuration: { name: "x" } })).statusCode,
    400,
  );
  assert.equal((await t.fx.store.configurations.list()).length, before, "nothing recorded");
});

test("list, show, paging; another project's group is 404; an admin sees all", async () => {
  const mine = (await createGroup(alice, { work_mem: "8MB" })).json().configuration;
  const theirs = (await createGroup(bob, { work_mem: "4MB" })).json().configuration;
  const list = (await call(alice, "GET", "/configurations")).json().configurations as { id: string }[];
  assert.ok(list.some((g) => g.id === mine.id));
  assert.ok(!list.some((g) => g.id === theirs.id));
  assert.ok(!("values" in list[0]!), "the list view has no values");
  const shown = (await call(alice, "GET", `/configurations/${mine.id}`)).json().configuration;
  assert.deepEqual(shown, mine);
  assert.equal((await call(alice, "GET", `/configurations/${theirs.id}`)).statusCode, 404);
  assert.equal((await call(alice, "GET", `/configurations/${theirs.id}/instances`)).statusCode, 404);
  const all = (await call(admin, "GET", "/configurations")).json().configurations as { id: string }[];
  assert.ok(all.some((g) => g.id === theirs.id) && all.some((g) => g.id === mine.id));
  const page = (await call(admin, "GET", "/configurations?limit=1")).json();
  assert.equal(page.configurations.length, 1);
  assert.match(page.links[0].href, /marker=/);
});

test("PUT replaces, PATCH merges; invalid values change nothing; delete refused while attached", async () => {
  const group = (await createGroup(alice, { work_mem: "8MB", autovacuum: true })).json().configuration;
  const path = `/configurations/${group.id}`;
  const put = await call(alice, "PUT", path, {
    configuration: { values: { max_connections: 120 }, name: "renamed", description: "d" },
  });
  assert.equal(put.statusCode, 202, put.body);
  let shown = (await call(alice, "GET", path)).json().configuration;
  assert.deepEqual([shown.values, shown.name, shown.description], [{ max_connections: 120 }, "renamed", "d"]);
  const patch = await call(alice, "PATCH", path, { configuration: { values: { work_mem: "16MB" } } });
  assert.deepEqual([patch.statusCode, patch.body], [200, ""]);
  shown = (await call(alice, "GET", path)).json().configuration;
  assert.deepEqual(shown.values, { max_connections: 120, work_mem: "16MB" });
  const invalid = await call(alice, "PATCH", path, { configuration: { values: { max_connections: 0 } } });
  assert.equal(invalid.statusCode, 422);
  assert.match(fault(invalid.body).message, /max_connections/);
  assert.deepEqual((await call(alice, "GET", path)).json().configuration.values, shown.values);
  assert.equal((await call(bob, "PATCH", path, { configuration: { values: {} } })).statusCode, 404);

  // Attached (recorded directly: no engine runs here), it cannot be deleted.
  const [instance] = await t.fx.store.instances.list({ projectId: alice.project.id, limit: 1 });
  const target = instance ?? (await createInstance(alice, {}));
  await t.fx.store.instances.update(target.id, { configurationId: group.id, updatedAt: new Date() });
  const refused = await call(alice, "DELETE", path);
  assert.equal(refused.statusCode, 400);
  assert.match(fault(refused.body).message, /attached/);
  const instances = (await call(alice, "GET", `${path}/instances`)).json().instances;
  assert.deepEqual(instances, [{ id: target.id, name: target.name }]);
  assert.equal((await call(alice, "GET", path)).json().configuration.instance_count, 1);
  await t.fx.store.instances.update(target.id, { configurationId: null, updatedAt: new Date() });
  assert.equal((await call(alice, "DELETE", path)).statusCode, 202);
  assert.equal((await call(alice, "GET", path)).statusCode, 404);
});

async function createInstance(user: TestUser, extra: Record<string, unknown>) {
  const res = await call(user, "POST", "/instances", {
    instance: {
      name: "db",
      flavorRef: "2",
      volume: { size: 1 },
      datastore: { type: "postgresql" },
      ...extra,
    },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().instance as { id: string; name: string; configuration?: { id: string; name: string } };
}

test("create with a group: its values go to prepare; the view names it; wrong groups refused", async () => {
  const group = (await createGroup(alice, { work_mem: "8MB" }, { name: "fast" })).json().configuration;
  const instance = await createInstance(alice, { configuration: group.id });
  assert.deepEqual([instance.configuration?.id, instance.configuration?.name], [group.id, "fast"]);
  const task = await t.fx.store.tasks.activeFor(instance.id);
  assert.deepEqual((task?.data as { overrides: unknown }).overrides, { work_mem: "8MB" });
  const shown = (await call(alice, "GET", `/instances/${instance.id}`)).json().instance;
  assert.equal(shown.configuration.name, "fast");

  const theirs = (await createGroup(bob, { work_mem: "8MB" })).json().configuration;
  const maria = (
    await createGroup(alice, { max_connections: 50 }, { datastore: { type: "mariadb", version: "10.11" } })
  ).json().configuration;
  const before = (await t.fx.store.instances.list({ projectId: alice.project.id })).length;
  for (const [configuration, status] of [
    [theirs.id, 404],
    [maria.id, 400],
    ["no-such-group", 404],
  ] as const) {
    const res = await call(alice, "POST", "/instances", {
      instance: {
        name: "db",
        flavorRef: "2",
        volume: { size: 1 },
        datastore: { type: "postgresql" },
        configuration,
      },
    });
    assert.equal(res.statusCode, status, res.body);
  }
  assert.equal((await t.fx.store.instances.list({ projectId: alice.project.id })).length, before);

  // Attaching needs an idle instance (this one is still BUILD) and the right group.
  const plain = await createInstance(alice, {});
  const attach = (id: string) =>
    call(alice, "PUT", `/instances/${plain.id}`, { instance: { configuration: id } });
  assert.equal((await attach(theirs.id)).statusCode, 404);
  assert.equal((await attach(maria.id)).statusCode, 400);
  const busy = await attach(group.id);
  assert.equal(busy.statusCode, 422);
  assert.match(fault(busy.body).message, /not currently available/);
  const again = await call(alice, "PUT", `/instances/${instance.id}`, {
    instance: { configuration: group.id },
  });
  assert.equal(again.statusCode, 400, "already attached");
  assert.equal((await t.fx.store.instances.get(plain.id))?.configurationId, null);
});

test("GET instances/{id}/configuration: the base configuration derived from the flavor", async () => {
  const instance = await createInstance(alice, {});
  const res = await call(alice, "GET", `/instances/${instance.id}/configuration`);
  assert.equal(res.statusCode, 200, res.body);
  const configuration = res.json().instance.configuration;
  // Flavor 2 has 2048 MB: 100 connections per 512 MB, a quarter of RAM for shared buffers.
  assert.equal(configuration.max_connections, 400);
  assert.equal(configuration.shared_buffers, "512MB");
  assert.ok(!("listen_addresses" in configuration) && !("port" in configuration), "no layout parameters");
  assert.equal((await call(bob, "GET", `/instances/${instance.id}/configuration`)).statusCode, 404);
});
