import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { registerCatalog } from "../../../catalog/index.js";
import { silentLogger } from "../../../lib/index.js";
import { openTestApp, type TestApp } from "../../testing.js";
import type { TestUser } from "../../../identity/testing.js";

// Databases, users and root routes over a real store, without a task manager: the instance stays
// in BUILD, so what is checked is what the API decides before it would ask the guest agent.
// (Against real engines: test/users-databases-trove.test.ts.)
let t: TestApp;
let alice: TestUser;
let mysqlId: string;
let pgId: string;
before(async () => {
  t = await openTestApp();
  await registerCatalog(t.fx.store, silentLogger());
  alice = await t.fx.addUser("alpha", "alice", ["member"]);
  const create = async (type: string) => {
    const res = await call("POST", "/instances", {
      instance: { name: type, flavorRef: "2", volume: { size: 1 }, datastore: { type } },
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().instance.id as string;
  };
  mysqlId = await create("mysql");
  pgId = await create("postgresql");
});
after(() => t.close());

const call = (method: string, path: string, payload?: unknown, user: TestUser = alice) =>
  t.app.inject({
    method: method as "GET",
    url: `/v1.0/${user.project.id}${path}`,
    headers: { "x-auth-token": user.token },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

test("the engine's rules answer 400 before anything else; the rest waits for a running datastore (422)", async () => {
  const cases: [string, string, string, unknown, number, RegExp][] = [
    [mysqlId, "POST", "/databases", { databases: [{ name: "mysql" }] }, 400, /reserved/],
    [
      mysqlId,
      "POST",
      "/databases",
      { databases: [{ name: "a`b" }] },
      400,
      /Database name "a`b" is not valid/,
    ],
    [
      mysqlId,
      "POST",
      "/databases",
      { databases: [{ name: "x", character_set: "klingon" }] },
      400,
      /no character set/,
    ],
    [mysqlId, "POST", "/databases", { databases: [] }, 400, /Validation error/],
    [mysqlId, "POST", "/databases", { databases: [{ name: "x", charset: "utf8" }] }, 400, /Validation error/],
    [pgId, "POST", "/users", { users: [{ name: "pg_x", password: "p" }] }, 400, /starting with "pg_"/],
    [
      pgId,
      "POST",
      "/users",
      { users: [{ name: "u", password: "p", host: "10.0.0.1" }] },
      400,
      /no host part/,
    ],
    [
      mysqlId,
      "POST",
      "/users",
      { users: [{ name: "u", password: "p", host: "localhost" }] },
      400,
      /Host "localhost"/,
    ],
    [mysqlId, "GET", "/users/os_admin", undefined, 400, /reserved/],
    [mysqlId, "DELETE", "/users/root%40%25", undefined, 400, /reserved/],
    [mysqlId, "PUT", "/users/bob", { user: {} }, 400, /Validation error/],
    [mysqlId, "PUT", "/users/bob", { user: { name: "os_admin" } }, 400, /reserved/],
    [mysqlId, "PUT", "/users/bob/databases", { databases: [{ name: "sys" }] }, 400, /reserved/],
    [mysqlId, "POST", "/root", { password: "" }, 400, /password of root/],
    [mysqlId, "POST", "/root", { pw: "x" }, 400, /unexpected key 'pw'/],
    [mysqlId, "GET", "/databases?limit=0", undefined, 400, /limit/],
    [mysqlId, "GET", "/databases", undefined, 422, /is not ready/],
    [pgId, "POST", "/users", { users: [{ name: "u", password: "p" }] }, 422, /is not ready/],
    [pgId, "GET", "/root", undefined, 422, /is not ready/],
    [pgId, "GET", "/databases/shop", undefined, 501, /not supported/],
  ];
  for (const [id, method, path, body, status, message] of cases) {
    const res = await call(method, `/instances/${id}${path}`, body);
    const what = `${method} ${path} ${JSON.stringify(body)} → ${res.body}`;
    assert.equal(res.statusCode, status, what);
    const fault = Object.values(res.json())[0] as { code: number; message: string };
    assert.equal(fault.code, status, what);
    assert.match(fault.message, message, what);
  }
});

test("instance create refuses bad databases and users up front (400), creating nothing", async () => {
  const before = (await t.fx.store.instances.list({ projectId: alice.project.id })).length;
  const bad: [Record<string, unknown>, RegExp][] = [
    [
      {
        databases: [{ name: "shop" }],
        users: [{ name: "u", password: "p", databases: [{ name: "other" }] }],
      },
      /not among/,
    ],
    [
      {
        users: [
          { name: "u", password: "p", host: "%" },
          { name: "u", password: "q" },
        ],
      },
      /more than once/,
    ],
    [{ users: [{ name: "u;drop", password: "p" }] }, /not valid/],
    [{ databases: [{ name: "d", character_set: "utf8mb4" }] }, /no character set/],
  ];
  for (const [extra, message] of bad) {
    const res = await call("POST", "/instances", {
      instance: {
        name: "bad",
        flavorRef: "2",
        volume: { size: 1 },
        datastore: { type: "postgresql" },
        ...extra,
      },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(res.json().badRequest.message, message);
  }
  assert.equal((await t.fx.store.instances.list({ projectId: alice.project.id })).length, before);
});

test("the admin's root history reads Never/Nobody until root is enabled", async () => {
  const res = await call("GET", `/mgmt/instances/${mysqlId}/root`, undefined, t.fx.admin);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    root_history: { id: mysqlId, enabled: "Never", user: "Nobody", disabled: null },
  });
  await t.fx.store.rootHistory.recordEnabled(mysqlId, alice.user.id, new Date("2026-02-03T04:05:06.789Z"));
  const later = (await call("GET", `/mgmt/instances/${mysqlId}/root`, undefined, t.fx.admin)).json();
  assert.deepEqual(later.root_history, {
    id: mysqlId,
    enabled: "2026-02-03T04:05:06",
    user: alice.user.id,
    disabled: null,
  });
  assert.equal((await call("GET", `/mgmt/instances/${mysqlId}/root`)).statusCode, 403, "admins only");
});
