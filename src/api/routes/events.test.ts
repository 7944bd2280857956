import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { registerCatalog } from "../../catalog/index.js";
import { systemClock } from "../../domain/index.js";
import { createEventRecorder } from "../../events/index.js";
import type { TestUser } from "../../identity/testing.js";
import { silentLogger } from "../../lib/index.js";
import { openTestApp, type TestApp } from "../testing.js";

// The events API over a real store: who sees which events, filters and pages; and that a task
// recorded by a request carries who asked (the workflow's event names them).
let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let instanceId: string;
let otherId: string;

before(async () => {
  t = await openTestApp();
  await registerCatalog(t.fx.store, silentLogger());
  alice = await t.fx.addUser("alpha", "alice", ["member"]);
  bob = await t.fx.addUser("beta", "bob", ["member"]);
  const create = async (user: TestUser, name: string) => {
    const res = await call(user, "POST", `/v1.0/${user.project.id}/instances`, {
      instance: { name, flavorRef: "2", volume: { size: 1 }, datastore: { type: "postgresql" } },
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().instance.id as string;
  };
  instanceId = await create(alice, "db1");
  otherId = await create(bob, "db2");
  const events = createEventRecorder({ store: t.fx.store, logger: silentLogger(), clock: systemClock });
  const base = Date.now();
  for (let i = 0; i < 5; i++) {
    await events.record("instance.restarted", { instanceId, cause: `restart ${i}`, at: new Date(base + i) });
  }
  await events.record("engine.crashed", { instanceId, cause: "gone", at: new Date(base + 10) });
  await events.record("instance.created", { instanceId: otherId, cause: "bob's", at: new Date(base + 11) });
});
after(() => t.close());

function call(user: TestUser, method: string, url: string, payload?: object) {
  return t.app.inject({
    method: method as "GET",
    url,
    headers: { "x-auth-token": user.token },
    ...(payload ? { payload } : {}),
  });
}

test("a task recorded by a request says which request and user it came from", async () => {
  const task = await t.fx.store.tasks.activeFor(instanceId);
  const origin = task?.data.origin as Record<string, string>;
  assert.match(origin.requestId ?? "", /^req-/);
  assert.equal(origin.userId, alice.user.id);
  assert.equal(origin.userName, "alice");
});

test("an instance's events, newest first, with time, kind, level and cause; paged by marker", async () => {
  const url = `/v1.0/${alice.project.id}/instances/${instanceId}/events`;
  const res = await call(alice, "GET", url);
  assert.equal(res.statusCode, 200, res.body);
  const events = res.json().events as Record<string, unknown>[];
  assert.deepEqual(
    events.map((e) => e.cause),
    ["gone", "restart 4", "restart 3", "restart 2", "restart 1", "restart 0"],
  );
  assert.equal(events[0]!.kind, "engine.crashed");
  assert.equal(events[0]!.level, "warning");
  assert.equal(events[0]!.project_id, alice.project.id, "the project comes from the instance");
  assert.match(String(events[0]!.time), /^\d{4}-\d\d-\d\dT/);

  const first = await call(alice, "GET", `${url}?limit=4&kind=instance.restarted`);
  const page1 = first.json();
  assert.deepEqual(
    page1.events.map((e: { cause: string }) => e.cause),
    ["restart 4", "restart 3", "restart 2", "restart 1"],
  );
  const next = new URL(page1.links[0].href);
  const second = await call(alice, "GET", `${next.pathname}${next.search}`);
  assert.deepEqual(
    second.json().events.map((e: { cause: string }) => e.cause),
    ["restart 0"],
  );
  assert.equal(second.json().links, undefined);
});

test("another project's instance is 404; bad filters are 400", async () => {
  const res = await call(bob, "GET", `/v1.0/${bob.project.id}/instances/${instanceId}/events`);
  assert.equal(res.statusCode, 404);
  const base = `/v1.0/${alice.project.id}/instances/${instanceId}/events`;
  const badKind = await call(alice, "GET", `${base}?kind=instance.exploded`);
  assert.equal(badKind.statusCode, 400);
  assert.match(badKind.json().badRequest.message, /kind must be one of instance\.created/);
  assert.equal((await call(alice, "GET", `${base}?since=yesterday`)).statusCode, 400);
  assert.equal((await call(alice, "GET", `${base}?limit=0`)).statusCode, 400);
});

test("a project's events are its own; an admin may ask for every project's", async () => {
  const mine = await call(alice, "GET", `/v1.0/${alice.project.id}/events`);
  assert.equal(mine.statusCode, 200);
  assert.ok(mine.json().events.every((e: { project_id: string }) => e.project_id === alice.project.id));
  assert.equal(mine.json().events.length, 6);
  assert.equal((await call(alice, "GET", `/v1.0/${alice.project.id}/events?all_projects=1`)).statusCode, 403);
  const admin = t.fx.admin;
  const all = await call(
    admin,
    "GET",
    `/v1.0/${admin.project.id}/events?all_projects=1&instance_id=${otherId}`,
  );
  assert.equal(all.statusCode, 200);
  assert.deepEqual(
    all.json().events.map((e: { cause: string }) => e.cause),
    ["bob's"],
  );
});

test("a deleted instance's events stay readable", async () => {
  await t.fx.store.instances.markDeleted(otherId, new Date());
  const res = await call(bob, "GET", `/v1.0/${bob.project.id}/instances/${otherId}/events`);
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().events.length, 1);
});
