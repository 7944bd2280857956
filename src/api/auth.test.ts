import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { NotFoundError } from "../domain/index.js";
import type { TestUser } from "../identity/testing.js";
import { authorize, ownerFilter, useDatabaseApiAuth } from "./auth.js";
import { openTestApp, type TestApp } from "./testing.js";

let t: TestApp;
let alice: TestUser; // member of alpha
let rita: TestUser; // reader of alpha
let bob: TestUser; // member of beta
before(async () => {
  t = await openTestApp();
  alice = await t.fx.addUser("alpha", "alice", ["member"]);
  rita = await t.fx.addUser("alpha", "rita", ["reader"]);
  bob = await t.fx.addUser("beta", "bob", ["member"]);
  // A resource route of the kind later issues add, to exercise the helpers route files use.
  const owners = new Map([["thing-a", alice.project.id]]);
  await t.app.register(async (scope) => {
    useDatabaseApiAuth(scope, t.fx.identity);
    scope.get<{ Params: { projectId: string; id: string } }>(
      "/v1.0/:projectId/things/:id",
      async (request) => {
        const filter = ownerFilter(request);
        const owner = owners.get(request.params.id);
        if (owner === undefined || (filter !== undefined && owner !== filter)) {
          throw new NotFoundError("THING_NOT_FOUND", `Resource ${request.params.id} cannot be found.`);
        }
        authorize(request, "instance:show", { ownerProjectId: owner });
        return { id: request.params.id, owner };
      },
    );
    // The same without the filtered lookup: the policy's owner check alone refuses.
    scope.get<{ Params: { id: string } }>("/v1.0/:projectId/unfiltered/:id", async (request) => {
      authorize(request, "instance:show", { ownerProjectId: owners.get(request.params.id) ?? null });
      return { id: request.params.id };
    });
    scope.post(
      "/v1.0/:projectId/things",
      {
        config: { policy: "instance:create" },
        schema: { body: { type: "object", required: ["thing"], properties: { thing: { type: "object" } } } },
      },
      async () => ({ created: true }),
    );
    scope.post("/v1.0/:projectId/things/:id/peek", { config: { readOnly: true } }, async () => ({
      peeked: true,
    }));
  });
});
after(() => t.close());

const get = (url: string, token?: string) =>
  t.app.inject({ method: "GET", url, headers: token ? { "x-auth-token": token } : {} });

test("no token or a bad token is 401 in Trove's fault format", async () => {
  for (const token of [undefined, "garbage", "x".repeat(5000)]) {
    const res = await get(`/v1.0/${alice.project.id}/limits`, token);
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.json(), {
      unauthorized: { code: 401, message: "The request you have made requires authentication." },
    });
  }
});

test("the URL's project must be the token's project, for admins too", async () => {
  const res = await get(`/v1.0/${bob.project.id}/limits`, alice.token);
  assert.equal(res.statusCode, 403);
  assert.equal(
    res.json().forbidden.message,
    `User with tenant id ${alice.project.id} cannot access this resource.`,
  );
  assert.equal((await get(`/v1.0/${alice.project.id}/limits`, t.fx.admin.token)).statusCode, 403);
  const unscoped = await t.fx.identity.tokens.authenticate({
    identity: { methods: ["password"], password: { user: { id: alice.user.id, password: alice.password } } },
    scope: "unscoped",
  });
  assert.equal((await get(`/v1.0/${alice.project.id}/limits`, unscoped.secret)).statusCode, 403);
});

test("GET /limits shows the project's absolute limits", async () => {
  const res = await get(`/v1.0/${alice.project.id}/limits`, rita.token);
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    limits: [{ verb: "ABSOLUTE", max_instances: 10, max_ram: -1, max_backups: 50, max_volumes: 40 }],
  });
});

test("mgmt quotas: admins read usage and set limits; bad input is 400/404", async () => {
  const admin = { "x-auth-token": t.fx.admin.token };
  const base = `/v1.0/${t.fx.admin.project.id}/mgmt/quotas`;
  const put = (target: string, payload: object) =>
    t.app.inject({ method: "PUT", url: `${base}/${target}`, headers: admin, payload });
  const set = await put(alice.project.id, { quotas: { instances: 15, backups: null, volumes: 100 } });
  assert.equal(set.statusCode, 200);
  assert.deepEqual(set.json(), { quotas: { instances: 15, volumes: 100 } });
  const shown = await t.app.inject({ method: "GET", url: `${base}/${alice.project.id}`, headers: admin });
  assert.deepEqual(shown.json().quotas, [
    { resource: "instances", in_use: 0, reserved: 0, limit: 15 },
    { resource: "ram", in_use: 0, reserved: 0, limit: -1 },
    { resource: "backups", in_use: 0, reserved: 0, limit: 50 },
    { resource: "volumes", in_use: 0, reserved: 0, limit: 100 },
  ]);
  const limits = (await get(`/v1.0/${alice.project.id}/limits`, alice.token)).json().limits[0];
  assert.deepEqual([limits.max_instances, limits.max_volumes], [15, 100]);

  assert.equal((await put(alice.project.id, { quotas: { instances: -2 } })).statusCode, 400);
  assert.equal((await put(alice.project.id, { quotas: { instances: "5" } })).statusCode, 400);
  assert.equal((await put(alice.project.id, { quotas: { cores: 5 } })).statusCode, 404);
  assert.equal((await put(alice.project.id, {})).statusCode, 400);
  assert.equal((await put("no-such-project", { quotas: { instances: 1 } })).statusCode, 404);
});

test("/mgmt is admin only, even on the caller's own project", async () => {
  for (const user of [alice, rita]) {
    const res = await get(`/v1.0/${user.project.id}/mgmt/quotas/${user.project.id}`, user.token);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().forbidden.message, "User does not have admin privileges.");
  }
});

test("route helpers: owner filter and authorize, declared policy before validation, readers read only", async () => {
  const thing = `/v1.0/${alice.project.id}/things/thing-a`;
  assert.deepEqual((await get(thing, alice.token)).json(), { id: "thing-a", owner: alice.project.id });
  assert.equal((await get(thing, rita.token)).statusCode, 200);
  // An admin acts on another project's thing by id through its own project's URL.
  const viaAdmin = await get(`/v1.0/${t.fx.admin.project.id}/things/thing-a`, t.fx.admin.token);
  assert.equal(viaAdmin.statusCode, 200);
  // Another project's member, through its own URL: the filtered lookup finds nothing (404),
  // and the policy's owner check refuses on its own (403).
  assert.equal((await get(`/v1.0/${bob.project.id}/things/thing-a`, bob.token)).statusCode, 404);
  const unfiltered = await get(`/v1.0/${bob.project.id}/unfiltered/thing-a`, bob.token);
  assert.equal(unfiltered.statusCode, 403);
  assert.equal(unfiltered.json().forbidden.message, "Policy doesn't allow instance:show to be performed.");
  assert.equal((await get(`/v1.0/${alice.project.id}/unfiltered/thing-a`, alice.token)).statusCode, 200);

  const create = (user: TestUser, payload: object) =>
    t.app.inject({
      method: "POST",
      url: `/v1.0/${user.project.id}/things`,
      headers: { "x-auth-token": user.token },
      payload,
    });
  assert.equal((await create(alice, { thing: {} })).statusCode, 200);
  assert.equal((await create(alice, {})).statusCode, 400);
  assert.equal((await create(rita, {})).statusCode, 403, "the role is checked before the body");
  const peek = await t.app.inject({
    method: "POST",
    url: `/v1.0/${alice.project.id}/things/thing-a/peek`,
    headers: { "x-auth-token": rita.token },
  });
  assert.equal(peek.statusCode, 200, "readOnly routes are open to readers");
});
