import { test } from "node:test";
import assert from "node:assert/strict";
import { catalogEndpoints, tokenCatalog } from "./catalog.js";
import { callerOf, keystoneTime, renderTokenBody, type TokenInfo } from "./token-info.js";

const catalog = { publicUrl: "http://db.example:8779", region: "RegionTwo" };
const info: TokenInfo = {
  methods: ["password"],
  auditId: "audit-1",
  issuedAt: new Date("2026-03-01T10:00:00.123Z"),
  expiresAt: new Date("2026-03-01T11:00:00.123Z"),
  user: { id: "u1", name: "alice", domain: { id: "default", name: "Default" } },
  project: { id: "p1", name: "proj", domain: { id: "default", name: "Default" } },
  roles: [{ id: "r1", name: "member" }],
};

test("keystone timestamps have microseconds and end in Z", () => {
  assert.equal(keystoneTime(new Date("2026-11-23T20:11:08.5Z")), "2026-11-23T20:11:08.500000Z");
});

test("a scoped token body has what keystoneauth and the clients read", () => {
  const { token } = renderTokenBody(info, catalog);
  assert.equal(token.expires_at, "2026-03-01T11:00:00.123000Z");
  assert.match(token.expires_at, /Z$/);
  assert.deepEqual(token.methods, ["password"]);
  assert.deepEqual(token.user, {
    id: "u1",
    name: "alice",
    domain: { id: "default", name: "Default" },
    password_expires_at: null,
  });
  assert.deepEqual(token.project, { id: "p1", name: "proj", domain: { id: "default", name: "Default" } });
  assert.deepEqual(token.roles, [{ id: "r1", name: "member" }]);
  assert.deepEqual(token.audit_ids, ["audit-1"]);
  const database = token.catalog?.find((s) => s.type === "database");
  assert.equal(database?.name, "trove");
  assert.deepEqual(
    database?.endpoints.map((e) => [e.interface, e.region, e.region_id, e.url]),
    [
      ["public", "RegionTwo", "RegionTwo", "http://db.example:8779/v1.0/p1"],
      ["internal", "RegionTwo", "RegionTwo", "http://db.example:8779/v1.0/p1"],
      ["admin", "RegionTwo", "RegionTwo", "http://db.example:8779/v1.0/p1"],
    ],
  );
  const identity = token.catalog?.find((s) => s.type === "identity");
  assert.equal(identity?.name, "keystone");
  assert.ok(identity?.endpoints.every((e) => e.url === "http://db.example:8779/v3"));
});

test("nocatalog leaves the catalog out; unscoped tokens have no project, roles or catalog", () => {
  assert.equal(renderTokenBody(info, catalog, { includeCatalog: false }).token.catalog, undefined);
  const { token } = renderTokenBody({ ...info, project: null, roles: [] }, catalog);
  assert.equal(token.project, undefined);
  assert.equal(token.roles, undefined);
  assert.equal(token.catalog, undefined);
});

test("catalog ids are stable across calls and distinct", () => {
  const a = catalogEndpoints(catalog);
  assert.deepEqual(a, catalogEndpoints(catalog));
  assert.equal(new Set(a.map((e) => e.id)).size, 15, "five services, three interfaces each");
  assert.equal(a.find((e) => e.url.includes("v1.0"))?.url, "http://db.example:8779/v1.0/$(project_id)s");
  assert.ok(a.some((e) => e.url === "http://db.example:8779/compute/v2.1"));
  assert.ok(a.some((e) => e.url === "http://db.example:8779/volume/v3/$(project_id)s"));
  assert.equal(tokenCatalog(catalog, "x")[0]?.id, tokenCatalog(catalog, "y")[0]?.id);
});

test("the caller of a token carries its roles and whether it is admin", () => {
  assert.deepEqual(callerOf(info), { userId: "u1", projectId: "p1", roles: ["member"], isAdmin: false });
  const admin = callerOf({ ...info, roles: [{ id: "r0", name: "admin" }] });
  assert.equal(admin.isAdmin, true);
  assert.equal(callerOf({ ...info, project: null, roles: [] }).projectId, null);
});
