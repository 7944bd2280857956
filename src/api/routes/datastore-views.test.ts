import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { registerCatalog } from "../../catalog/index.js";
import type { TestUser } from "../../identity/testing.js";
import { silentLogger } from "../../lib/index.js";
import { openTestApp, type TestApp } from "../testing.js";

// Version views against upstream's field lists (trove-api.md §2.9, §2.17). The clients keep their
// resource manager in a `manager` attribute and copy every field of a view over the object, so a
// `manager` field crashed `trove datastore-version-list` and Horizon's forms for admins.
let t: TestApp;
let member: TestUser;
before(async () => {
  t = await openTestApp();
  await registerCatalog(t.fx.store, silentLogger());
  member = await t.fx.addUser("alpha", "mia", ["member"]);
});
after(() => t.close());

const get = async (user: TestUser, path: string) => {
  const res = await t.app.inject({
    method: "GET",
    url: `/v1.0/${user.project.id}${path}`,
    headers: { "x-auth-token": user.token },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ versions: Record<string, unknown>[]; version: Record<string, unknown> }>();
};

test("a version as admins see it: upstream's admin fields, and no `manager`", async () => {
  const admin = t.fx.admin;
  const { versions } = await get(admin, "/datastores/postgresql/versions");
  assert.ok(versions.length > 0);
  const first = versions[0]!.id as string;
  for (const v of versions) {
    assert.deepEqual(Object.keys(v).sort(), [
      "active",
      "datastore",
      "id",
      "image",
      "links",
      "name",
      "packages",
      "version",
    ]);
  }
  const one = (await get(admin, `/datastores/versions/${first}`)).version;
  assert.equal(one.manager, undefined);
  // The management view keeps the manager, under upstream's name.
  const mgmt = (await get(admin, `/mgmt/datastore-versions/${first}`)).version;
  assert.equal(mgmt.datastore_manager, "postgresql");
  assert.equal(mgmt.manager, undefined);
});

test("a version as members see it: no admin fields", async () => {
  const { versions } = await get(member, "/datastores/postgresql/versions");
  for (const v of versions) {
    assert.deepEqual(Object.keys(v).sort(), ["datastore", "id", "links", "name", "version"]);
  }
});
