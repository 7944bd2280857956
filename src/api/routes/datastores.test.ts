import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { registerCatalog } from "../../catalog/index.js";
import { silentLogger } from "../../lib/index.js";
import type { TestUser } from "../../identity/testing.js";
import { openTestApp, type TestApp } from "../testing.js";

// The admin's datastore versions (/mgmt/datastore-versions, §2.17) over a real store, with the
// versions registerCatalog finds installed here.
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

test("a version registered through /mgmt starts with its engine's parameter rules", async () => {
  const admin = t.fx.admin;
  const pg = (await call(admin, "GET", "/mgmt/datastore-versions"))
    .json()
    .versions.find((v: { datastore_name: string }) => v.datastore_name === "postgresql");
  const created = await call(admin, "POST", "/mgmt/datastore-versions", {
    version: {
      name: "15-second",
      datastore_name: "postgresql",
      datastore_manager: "postgresql",
      image: pg.image,
      active: true,
      version: pg.version,
    },
  });
  assert.equal(created.statusCode, 202, created.body);
  const second = (await call(admin, "GET", "/mgmt/datastore-versions"))
    .json()
    .versions.find((v: { name: string }) => v.name === "15-second");
  assert.deepEqual([second.version, second.image, second.default], [pg.version, pg.image, false]);
  // Without rules a version could not have configuration groups (a 422 for every group).
  const params = await call(alice, "GET", `/datastores/versions/${second.id}/parameters`);
  assert.equal(params.statusCode, 200, params.body);
  const names = params.json()["configuration-parameters"].map((p: { name: string }) => p.name);
  const first = await call(alice, "GET", `/datastores/versions/${pg.id}/parameters`);
  assert.deepEqual(
    names,
    first.json()["configuration-parameters"].map((p: { name: string }) => p.name),
  );
  const group = await call(alice, "POST", "/configurations", {
    configuration: {
      name: "g",
      values: { max_connections: 101 },
      datastore: { type: "postgresql", version: "15-second" },
    },
  });
  assert.equal(group.statusCode, 200, group.body);

  assert.equal((await call(alice, "POST", "/mgmt/datastore-versions", { version: {} })).statusCode, 403);
});
