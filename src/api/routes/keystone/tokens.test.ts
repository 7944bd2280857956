import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { FIXTURE_ADMIN_PASSWORD } from "../../../identity/testing.js";
import { openTestApp, type TestApp } from "../../testing.js";

let t: TestApp;
before(async () => {
  t = await openTestApp();
});
after(() => t.close());

const login = (user: object, scope?: unknown) =>
  t.app.inject({
    method: "POST",
    url: "/v3/auth/tokens",
    payload: {
      auth: { identity: { methods: ["password"], password: { user } }, ...(scope ? { scope } : {}) },
    },
  });
const admin = { name: "admin", domain: { name: "Default" }, password: FIXTURE_ADMIN_PASSWORD };
const adminScope = { project: { name: "admin", domain: { name: "Default" } } };

test("GET /v3 is Keystone's version document", async () => {
  for (const url of ["/v3", "/v3/"]) {
    const res = await t.app.inject({ method: "GET", url, headers: { host: "ks.example:5000" } });
    assert.equal(res.statusCode, 200);
    const { version } = res.json();
    assert.equal(version.id, "v3.14");
    assert.equal(version.status, "stable");
    assert.deepEqual(version.links, [{ rel: "self", href: "http://ks.example:5000/v3/" }]);
  }
});

test("POST /v3/auth/tokens: 201, X-Subject-Token, the body the clients read", async () => {
  const res = await login(admin, adminScope);
  assert.equal(res.statusCode, 201);
  const secret = res.headers["x-subject-token"] as string;
  assert.ok(secret.length >= 43);
  const { token } = res.json();
  assert.match(token.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.match(token.issued_at, /Z$/);
  assert.deepEqual(token.methods, ["password"]);
  assert.equal(token.user.name, "admin");
  assert.deepEqual(token.user.domain, { id: "default", name: "Default" });
  assert.equal(token.project.name, "admin");
  assert.deepEqual(token.project.domain, { id: "default", name: "Default" });
  assert.deepEqual(
    token.roles.map((r: { name: string }) => r.name),
    ["admin"],
  );
  const db = token.catalog.find((s: { type: string }) => s.type === "database");
  const publicUrl = t.fx.config.publicUrl;
  assert.deepEqual(
    db.endpoints.map((e: Record<string, string>) => [e.interface, e.region, e.region_id, e.url]),
    ["public", "internal", "admin"].map((i) => [
      i,
      "RegionOne",
      "RegionOne",
      `${publicUrl}/v1.0/${token.project.id}`,
    ]),
  );
  const identity = token.catalog.find((s: { type: string }) => s.type === "identity");
  assert.equal(
    identity.endpoints.find((e: { interface: string }) => e.interface === "public").url,
    `${publicUrl}/v3`,
  );
  assert.equal(
    Math.round((Date.parse(token.expires_at) - Date.parse(token.issued_at)) / 1000),
    t.fx.config.tokenTtlSeconds,
  );
});

test("user and domain by id, the token method, unscoped tokens and ?nocatalog", async () => {
  const byId = await login({ id: t.fx.admin.user.id, password: FIXTURE_ADMIN_PASSWORD }, "unscoped");
  assert.equal(byId.statusCode, 201);
  assert.equal(byId.json().token.project, undefined);
  assert.equal(byId.json().token.catalog, undefined);
  const rescoped = await t.app.inject({
    method: "POST",
    url: "/v3/auth/tokens?nocatalog",
    payload: {
      auth: {
        identity: { methods: ["token"], token: { id: byId.headers["x-subject-token"] } },
        scope: { project: { name: "admin", domain: { id: "default" } } },
      },
    },
  });
  assert.equal(rescoped.statusCode, 201);
  assert.equal(rescoped.json().token.project.name, "admin");
  assert.equal(rescoped.json().token.catalog, undefined);
  assert.equal(rescoped.json().token.expires_at, byId.json().token.expires_at);
});

test("every login failure is the same 401, in Keystone's error format", async () => {
  const bodies = [];
  for (const user of [
    { ...admin, password: "wrong" },
    { ...admin, name: "nobody" },
    { ...admin, domain: { id: "nope" } },
    { id: "no-such-user", password: "x" },
  ]) {
    const res = await login(user, adminScope);
    assert.equal(res.statusCode, 401);
    bodies.push(res.json());
  }
  for (const body of bodies) {
    assert.deepEqual(body, {
      error: {
        code: 401,
        message: "The request you have made requires authentication.",
        title: "Unauthorized",
      },
    });
  }
});

test("malformed requests are 400s", async () => {
  for (const payload of [undefined, {}, { auth: {} }, { auth: { identity: { methods: [] } } }]) {
    const res = await t.app.inject({
      method: "POST",
      url: "/v3/auth/tokens",
      headers: { "content-type": "application/json" },
      ...(payload === undefined ? {} : { payload }),
    });
    assert.equal(res.statusCode, 400, JSON.stringify(payload));
    assert.equal(res.json().error.code, 400);
  }
});

test("validate with X-Subject-Token, revoke with DELETE, then the token is gone", async () => {
  const caller = (await login(admin, adminScope)).headers["x-subject-token"] as string;
  const subject = (await login(admin, adminScope)).headers["x-subject-token"] as string;
  const headers = { "x-auth-token": caller, "x-subject-token": subject };
  const ok = await t.app.inject({ method: "GET", url: "/v3/auth/tokens", headers });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.headers["x-subject-token"], subject);
  assert.equal(ok.json().token.user.name, "admin");
  assert.equal((await t.app.inject({ method: "HEAD", url: "/v3/auth/tokens", headers })).statusCode, 200);

  assert.equal((await t.app.inject({ method: "DELETE", url: "/v3/auth/tokens", headers })).statusCode, 204);
  assert.equal((await t.app.inject({ method: "GET", url: "/v3/auth/tokens", headers })).statusCode, 404);
  const usingRevoked = await t.app.inject({
    method: "GET",
    url: "/v3/auth/tokens",
    headers: { "x-auth-token": subject, "x-subject-token": caller },
  });
  assert.equal(usingRevoked.statusCode, 401);
  const noToken = await t.app.inject({
    method: "GET",
    url: "/v3/auth/tokens",
    headers: { "x-subject-token": caller },
  });
  assert.equal(noToken.statusCode, 401);
});

test("expired tokens are refused", async () => {
  const token = (await login(admin, adminScope)).headers["x-subject-token"] as string;
  const headers = { "x-auth-token": token, "x-subject-token": token };
  assert.equal((await t.app.inject({ method: "GET", url: "/v3/auth/tokens", headers })).statusCode, 200);
  t.fx.clock.advance(t.fx.config.tokenTtlSeconds * 1000);
  assert.equal((await t.app.inject({ method: "GET", url: "/v3/auth/tokens", headers })).statusCode, 401);
});

test("a member may validate and revoke its own tokens, not another user's", async () => {
  const alice = await t.fx.addUser("alpha", "alice", ["member"]);
  const own = await t.app.inject({
    method: "GET",
    url: "/v3/auth/tokens",
    headers: { "x-auth-token": alice.token, "x-subject-token": alice.token },
  });
  assert.equal(own.statusCode, 200);
  const adminToken = await t.fx.login("admin", FIXTURE_ADMIN_PASSWORD, "admin");
  for (const method of ["GET", "DELETE"] as const) {
    const res = await t.app.inject({
      method,
      url: "/v3/auth/tokens",
      headers: { "x-auth-token": alice.token, "x-subject-token": adminToken },
    });
    assert.equal(res.statusCode, 403, method);
  }
  const catalog = await t.app.inject({
    method: "GET",
    url: "/v3/auth/catalog",
    headers: { "x-auth-token": alice.token },
  });
  assert.equal(catalog.json().catalog.length, 5);
  const projects = await t.app.inject({
    method: "GET",
    url: "/v3/auth/projects",
    headers: { "x-auth-token": alice.token },
  });
  assert.deepEqual(
    projects.json().projects.map((p: { name: string }) => p.name),
    ["alpha"],
  );
});
