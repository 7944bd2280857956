import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { registerCatalog } from "../../../catalog/index.js";
import { silentLogger } from "../../../lib/index.js";
import { openTestApp, type TestApp } from "../../testing.js";
import type { TestUser } from "../../../identity/testing.js";

// Route-level behaviour of the instance API over a real store; the task manager is not running,
// so instances stay in BUILD: what is checked here is what the API itself decides and records.
let t: TestApp;
let alice: TestUser;
before(async () => {
  t = await openTestApp();
  await registerCatalog(t.fx.store, silentLogger());
  alice = await t.fx.addUser("alpha", "alice", ["member"]);
});
after(() => t.close());

const call = (user: TestUser, method: string, path: string, payload?: unknown) =>
  t.app.inject({
    method: method as "GET",
    url: `/v1.0/${user.project.id}${path}`,
    headers: { "x-auth-token": user.token },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

const create = (user: TestUser, instance: Record<string, unknown>) =>
  call(user, "POST", "/instances", {
    instance: {
      name: "db",
      flavorRef: "2",
      volume: { size: 1 },
      datastore: { type: "postgresql" },
      ...instance,
    },
  });

test("create answers 200 with the BUILD view and records the instance with its task", async () => {
  const res = await create(alice, {
    name: "vm1",
    databases: [{ name: "shop" }],
    users: [{ name: "u1", password: "pw-1", databases: [{ name: "shop" }] }],
  });
  assert.equal(res.statusCode, 200, res.body);
  const view = res.json().instance;
  assert.equal(view.status, "BUILD");
  assert.equal(view.operating_status, "");
  assert.deepEqual(view.flavor.id, "2");
  assert.equal(view.datastore.type, "postgresql");
  assert.match(view.datastore.version_number, /^15\./);
  assert.deepEqual(view.volume, { size: 1 });
  const task = await t.fx.store.tasks.activeFor(view.id);
  assert.equal(task?.kind, "create_instance");
  assert.equal((task?.data as { ramMb: number }).ramMb, 2048);
  const usage = await t.fx.identity.quotas.usage(alice.project.id);
  assert.equal(usage.find((u) => u.resource === "instances")?.inUse, 1);
});

test("bad creates are 4xx faults and record nothing", async () => {
  const before = (await t.fx.store.instances.list({ projectId: alice.project.id })).length;
  const cases: [Record<string, unknown>, number, RegExp][] = [
    [{ flavorRef: "nope" }, 400, /Flavor nope could not be found/],
    [{ volume: undefined }, 400, /Volume size was not specified/],
    [{ volume: { size: 0 } }, 400, /Validation error/],
    [{ datastore: { type: "oracle" } }, 404, /Datastore 'oracle' cannot be found/],
    [{ datastore: { type: "postgresql", version: "9.6" } }, 400, /Datastore version '9.6' cannot be found/],
    [{ name: "---" }, 400, /letter or digit/],
    [{ users: [{ name: "os_admin", password: "x" }] }, 400, /reserved/],
    [{ databases: [{ name: "a" }, { name: "a" }] }, 400, /more than once/],
    [{ access: { allowed_cidrs: ["10.0.0.0/33"] } }, 400, /IPv4 CIDRs/],
    [{ replica_of: "x" }, 501, /Replicas/],
  ];
  for (const [instance, status, message] of cases) {
    const res = await create(alice, instance);
    assert.equal(res.statusCode, status, `${JSON.stringify(instance)} → ${res.body}`);
    const fault = Object.values(res.json())[0] as { code: number; message: string };
    assert.equal(fault.code, status);
    assert.match(fault.message, message);
  }
  assert.equal((await t.fx.store.instances.list({ projectId: alice.project.id })).length, before);
});

test("the instances quota is enforced with overLimit naming the resource", async () => {
  const bob = await t.fx.addUser("beta", "bob", ["member"]);
  await t.fx.identity.quotas.setLimits(bob.project.id, { instances: 1 });
  assert.equal((await create(bob, {})).statusCode, 200);
  const res = await create(bob, {});
  assert.equal(res.statusCode, 413);
  assert.deepEqual(res.json(), {
    overLimit: { code: 413, message: "Quota exceeded for resources: ['instances']." },
  });
});

test("show is 404 for a name and for another project's instance; list pages with markers", async () => {
  const carol = await t.fx.addUser("gamma", "carol", ["member"]);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await create(carol, { name: `c${i}` })).json().instance.id);
  assert.equal((await call(carol, "GET", "/instances/c0")).statusCode, 404);
  assert.equal((await call(alice, "GET", `/instances/${ids[0]}`)).statusCode, 404);
  const show = await call(carol, "GET", `/instances/${ids[0]}`);
  assert.equal(show.json().instance.name, "c0");
  const page = await call(carol, "GET", "/instances?limit=2");
  assert.equal(page.json().instances.length, 2);
  const next = new URL(page.json().links[0].href);
  const rest = await call(carol, "GET", `/instances?limit=2&marker=${next.searchParams.get("marker")}`);
  assert.equal(rest.json().instances.length, 1);
  assert.equal(rest.json().links, undefined);
});

test("actions follow the transition table; reset_status is admin-only and then delete works", async () => {
  const id = (await create(alice, { name: "busy" })).json().instance.id;
  const restart = await call(alice, "POST", `/instances/${id}/action`, { restart: {} });
  assert.equal(restart.statusCode, 422);
  assert.match(restart.json().unprocessableEntity.message, /not currently available/);
  assert.equal((await call(alice, "DELETE", `/instances/${id}`)).statusCode, 422);
  assert.equal((await call(alice, "POST", `/instances/${id}/action`, { reset_status: {} })).statusCode, 403);
  assert.equal((await call(alice, "POST", `/instances/${id}/action`, { fly: {} })).statusCode, 400);
  const admin = t.fx.admin;
  assert.equal((await call(admin, "POST", `/instances/${id}/action`, { reset_status: {} })).statusCode, 202);
  assert.equal(await t.fx.store.tasks.activeFor(id), undefined);
  assert.equal((await call(alice, "DELETE", `/instances/${id}`)).statusCode, 202);
  assert.equal((await t.fx.store.tasks.activeFor(id))?.kind, "delete_instance");
  const view = (await call(alice, "GET", `/instances/${id}`)).json().instance;
  assert.equal(view.status, "SHUTDOWN");
});

test("rename through PUT, and only one attribute besides the name", async () => {
  const id = (await create(alice, { name: "old" })).json().instance.id;
  assert.equal((await call(alice, "PUT", `/instances/${id}`, { instance: { name: "new" } })).statusCode, 202);
  assert.equal((await call(alice, "GET", `/instances/${id}`)).json().instance.name, "new");
  const two = await call(alice, "PUT", `/instances/${id}`, {
    instance: { access: { is_public: true }, configuration: null },
  });
  assert.equal(two.statusCode, 400);
});

test("flavors and datastores read as Trove shows them", async () => {
  const flavors = (await call(alice, "GET", "/flavors")).json().flavors;
  const small = flavors.find((f: { str_id: string }) => f.str_id === "2");
  assert.deepEqual(
    { id: small.id, name: small.name, ram: small.ram, vcpus: small.vcpus },
    { id: 2, name: "m1.small", ram: 2048, vcpus: 1 },
  );
  assert.equal((await call(alice, "GET", "/flavors/99")).statusCode, 404);
  const stores = (await call(alice, "GET", "/datastores")).json().datastores;
  const names = stores.map((d: { name: string }) => d.name).sort();
  assert.deepEqual(names, ["mariadb", "mysql", "postgresql"]);
  const mysql = (await call(alice, "GET", "/datastores/mysql")).json().datastore;
  assert.equal(mysql.versions[0].name, "10.11");
  assert.equal(mysql.default_version, mysql.versions[0].id);
});

test("is_public without a public pool is accepted and recorded, as Trove accepts it", async () => {
  // Upstream's own tests send is_public: true on every create; the instance is then reachable at
  // its own address, the only one this host has (docs/compute.md), and the view shows no public one.
  const res = await create(alice, { name: "pub", access: { is_public: true } });
  assert.equal(res.statusCode, 200, res.body);
  const view = res.json().instance;
  assert.deepEqual(view.access, { is_public: true, allowed_cidrs: [] });
  assert.equal((await t.fx.store.tasks.activeFor(view.id))?.data.isPublic, true);

  const id = (await create(alice, { name: "priv" })).json().instance.id;
  const put = await call(alice, "PUT", `/instances/${id}`, { instance: { access: { is_public: true } } });
  assert.equal(put.statusCode, 202, put.body);
  assert.equal((await t.fx.store.instances.get(id))?.isPublic, true, "never placed: recorded at once");
});

test("a task ending after its last step: what the status shows is accepted, not refused", async () => {
  const id = (await create(alice, { name: "tail" })).json().instance.id as string;
  // The create's last step has set the task status back; its task row is not closed yet.
  await t.fx.store.instances.update(id, {
    taskStatus: "NONE",
    serverStatus: "ACTIVE",
    updatedAt: new Date(),
  });
  await t.fx.store.serviceStatuses.set(id, "healthy", new Date());
  assert.equal((await call(alice, "GET", `/instances/${id}`)).json().instance.status, "ACTIVE");
  const closing = (async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    await t.fx.store.tasks.cancelActive(id, "test: the runner closes the task", new Date());
  })();
  const restart = await call(alice, "POST", `/instances/${id}/action`, { restart: {} });
  await closing;
  assert.equal(restart.statusCode, 202, restart.body);
  assert.equal((await t.fx.store.tasks.activeFor(id))?.kind, "restart_instance");

  // While a task that refuses actions runs, the status says so (UPDATE, not ACTIVE).
  await t.fx.store.tasks.cancelActive(id, "test", new Date());
  await t.fx.store.instances.update(id, { taskStatus: "UPDATING", updatedAt: new Date() });
  const shown = (await call(alice, "GET", `/instances/${id}`)).json().instance;
  assert.deepEqual([shown.status, shown.operating_status], ["UPDATE", ""]);
  assert.equal((await call(alice, "POST", `/instances/${id}/action`, { restart: {} })).statusCode, 422);
});

test("an access change is a task on a placed instance; keys left out keep their values", async () => {
  const pub = await openTestApp({
    env: { COFFER_PUBLIC_ADDRESS_POOL: "203.0.113.16/28", COFFER_PUBLIC_INTERFACE: "eth0" },
  });
  try {
    await registerCatalog(pub.fx.store, silentLogger());
    const bob = await pub.fx.addUser("beta", "bob", ["member"]);
    const req = (method: string, path: string, payload?: unknown) =>
      pub.app.inject({
        method: method as "GET",
        url: `/v1.0/${bob.project.id}${path}`,
        headers: { "x-auth-token": bob.token },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
    const created = await req("POST", "/instances", {
      instance: {
        name: "db",
        flavorRef: "2",
        volume: { size: 1 },
        datastore: { type: "postgresql" },
        access: { is_public: true, allowed_cidrs: ["198.51.100.0/24"] },
      },
    });
    assert.equal(created.statusCode, 200, created.body);
    const id = created.json().instance.id as string;
    const task = await pub.fx.store.tasks.activeFor(id);
    assert.deepEqual((task?.data as { allowedCidrs: string[] }).allowedCidrs, ["198.51.100.0/24"]);

    // What the create's place step records, and the task done.
    await pub.fx.store.tasks.cancelActive(id, "test", new Date());
    const placed = { host: "h1", address: "127.100.0.9", publicAddress: "203.0.113.17" };
    await pub.fx.store.instances.update(id, {
      ...placed,
      taskStatus: "NONE",
      serverStatus: "ACTIVE",
      updatedAt: new Date(),
    });
    const view = (await req("GET", `/instances/${id}`)).json().instance;
    assert.deepEqual(view.addresses, [
      { address: "127.100.0.9", type: "private" },
      { address: "203.0.113.17", type: "public" },
    ]);
    assert.deepEqual(view.ip, ["127.100.0.9", "203.0.113.17"]);
    assert.deepEqual(view.access, { is_public: true, allowed_cidrs: ["198.51.100.0/24"] });

    // `openstack database instance update --allowed-cidr C` sends no is_public: it stays public.
    const narrowed = await req("PUT", `/instances/${id}`, {
      instance: { access: { allowed_cidrs: ["10.0.0.0/8"] } },
    });
    assert.equal(narrowed.statusCode, 202, narrowed.body);
    const update = await pub.fx.store.tasks.activeFor(id);
    assert.equal(update?.kind, "update_access");
    const { origin, ...data } = update?.data ?? {};
    assert.deepEqual(data, { isPublic: true, allowedCidrs: ["10.0.0.0/8"] });
    assert.equal((origin as { userName?: string }).userName, "bob", "the task says who asked");
    assert.equal((await pub.fx.store.instances.get(id))?.taskStatus, "UPDATING");
    assert.deepEqual(
      (await req("GET", `/instances/${id}`)).json().instance.access.allowed_cidrs,
      ["198.51.100.0/24"],
      "shown once it holds",
    );
    const busy = await req("PUT", `/instances/${id}`, { instance: { access: { is_public: false } } });
    assert.equal(busy.statusCode, 422, "one task at a time");
    const bad = await req("PUT", `/instances/${id}`, {
      instance: { access: { allowed_cidrs: ["1.2.3.4"] } },
    });
    assert.equal(bad.statusCode, 400);
  } finally {
    await pub.close();
  }
});
