import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openTestApp, type TestApp } from "../api/testing.js";
import { FIXTURE_ADMIN_PASSWORD } from "../identity/testing.js";
import { freePort } from "../lib/index.js";
import { identityUrl, login } from "./session.js";

/* Logging in over real HTTP: the real app listening on a free port. */
let t: TestApp;
let base: string;
before(async () => {
  // The catalog's URLs come from the configured port, so listen where the config says.
  const port = await freePort();
  t = await openTestApp({ env: { COFFER_PORT: String(port) } });
  base = await t.app.listen({ host: "127.0.0.1", port });
});
after(() => t.close());

const admin = () => ({
  authUrl: `${base}/v3`,
  username: "admin",
  password: FIXTURE_ADMIN_PASSWORD,
  projectName: "admin",
  userDomainName: "Default",
  projectDomainName: "Default",
});

test("password login gives a token and the database endpoint from the catalog", async () => {
  const session = await login(admin());
  assert.ok(session.token);
  assert.equal(session.projectId, t.fx.admin.project.id);
  assert.equal(session.databaseUrl, `${t.fx.config.publicUrl}/v1.0/${t.fx.admin.project.id}`);
  assert.match(session.expiresAt ?? "", /Z$/);
  await t.fx.identity.tokens.validate(session.token);
});

test("ids instead of names, default domains, and the token method", async () => {
  const byId = await login({
    authUrl: base,
    userId: t.fx.admin.user.id,
    password: FIXTURE_ADMIN_PASSWORD,
    projectId: t.fx.admin.project.id,
  });
  assert.equal(byId.projectId, t.fx.admin.project.id);
  const noDomains = await login({
    authUrl: `${base}/v3/`,
    username: "admin",
    password: FIXTURE_ADMIN_PASSWORD,
    projectName: "admin",
  });
  const rescoped = await login({ authUrl: `${base}/v3`, token: noDomains.token!, projectName: "admin" });
  assert.equal(rescoped.userId, t.fx.admin.user.id);
  assert.notEqual(rescoped.token, noDomains.token);
});

test("the database client sends the token and reads faults", async () => {
  const session = await login(admin());
  const limits = await session.database.get<{ limits: { verb: string }[] }>("/limits");
  assert.equal(limits.limits[0]?.verb, "ABSOLUTE");
  await assert.rejects(
    session.database.get("/mgmt/quotas/nope"),
    /Could not find project: nope\. \(HTTP 404\)/,
  );
});

test("failures read like the OpenStack clients'", async () => {
  await assert.rejects(login({ ...admin(), password: "wrong" }), /requires authentication\. \(HTTP 401\)/);
  await assert.rejects(
    login({ ...admin(), authUrl: undefined }),
    /Missing value auth-url required for auth plugin password/,
  );
  await assert.rejects(
    login({ ...admin(), regionName: "Nowhere" }),
    /endpoint for database service in Nowhere region not found/,
  );
  await assert.rejects(login({ ...admin(), authUrl: "http://127.0.0.1:1/v3" }), /Unable to reach/);
});

test("admin_token and none skip the identity service", async () => {
  const endpoint = `${base}/v1.0/${t.fx.admin.project.id}`;
  const session = await login({ authType: "admin_token", token: t.fx.admin.token, endpoint });
  assert.equal((await session.database.get<{ limits: unknown[] }>("/limits")).limits.length, 1);
  const none = await login({ authType: "none", endpoint });
  await assert.rejects(none.database.get("/limits"), /HTTP 401/);
});

test("identity URLs are normalised to /v3", () => {
  assert.equal(identityUrl("http://h:1"), "http://h:1/v3");
  assert.equal(identityUrl("http://h:1/v3/"), "http://h:1/v3");
});
