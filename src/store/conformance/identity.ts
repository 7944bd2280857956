import { test } from "node:test";
import assert from "node:assert/strict";
import { at, openFresh, seed, T0, type StoreFactory } from "./harness.js";

const conflict = (code: string) => ({ kind: "conflict", code });

export function identityCases(factory: StoreFactory): void {
  test("migrate applies every migration once, is idempotent, and seeds the default domain", async (t) => {
    const store = await openFresh(t, factory, false);
    assert.deepEqual(await store.migrate(), {
      applied: ["0001_identity", "0002_instances", "0003_root_history"],
    });
    assert.deepEqual(await store.migrate(), { applied: [] });
    assert.deepEqual(await store.domains.get("default"), {
      id: "default",
      name: "Default",
      description: "The default domain",
      enabled: true,
    });
    await store.ping();
  });

  test("domains: create, read, update, delete; unique name; in-use domain cannot go", async (t) => {
    const store = await openFresh(t, factory);
    const d = await store.domains.create({ id: "d1", name: "Engineering" });
    assert.deepEqual(d, { id: "d1", name: "Engineering", description: "", enabled: true });
    assert.deepEqual(await store.domains.getByName("Engineering"), d);
    await assert.rejects(store.domains.create({ id: "d2", name: "Engineering" }), conflict("DOMAIN_EXISTS"));
    await assert.rejects(store.domains.create({ id: "d1", name: "Other" }), conflict("DOMAIN_EXISTS"));
    const updated = await store.domains.update("d1", { enabled: false, description: "eng" });
    assert.deepEqual(updated, { ...d, enabled: false, description: "eng" });
    assert.deepEqual(await store.domains.update("d1", {}), updated);
    assert.deepEqual(
      (await store.domains.list()).map((x) => x.name),
      ["Default", "Engineering"],
    );
    assert.deepEqual(
      (await store.domains.list({ enabled: false })).map((x) => x.id),
      ["d1"],
    );
    await store.projects.create({ id: "p", domainId: "d1", name: "p", createdAt: T0 });
    await assert.rejects(store.domains.delete("d1"), conflict("REFERENCE_VIOLATION"));
    await store.projects.delete("p");
    assert.equal(await store.domains.delete("d1"), true);
    assert.equal(await store.domains.delete("d1"), false);
    assert.equal(await store.domains.get("d1"), undefined);
    assert.equal(await store.domains.update("d1", { name: "x" }), undefined);
  });

  test("projects: CRUD, filters, unique name per domain, missing domain", async (t) => {
    const store = await openFresh(t, factory);
    await store.domains.create({ id: "d2", name: "Two" });
    const p = await store.projects.create({
      id: "p1",
      domainId: "default",
      name: "alpha",
      description: "first",
      enabled: false,
      createdAt: at(1.5),
    });
    assert.deepEqual(p, {
      id: "p1",
      domainId: "default",
      name: "alpha",
      description: "first",
      enabled: false,
      createdAt: at(1.5),
    });
    assert.ok(p.createdAt instanceof Date);
    assert.deepEqual(await store.projects.get("p1"), p);
    assert.deepEqual(await store.projects.getByName("default", "alpha"), p);
    assert.equal(await store.projects.getByName("d2", "alpha"), undefined);
    await assert.rejects(
      store.projects.create({ id: "p2", domainId: "default", name: "alpha", createdAt: T0 }),
      conflict("PROJECT_EXISTS"),
    );
    await store.projects.create({ id: "p2", domainId: "d2", name: "alpha", createdAt: T0 });
    await store.projects.create({ id: "p3", domainId: "default", name: "beta", createdAt: T0 });
    await assert.rejects(
      store.projects.create({ id: "p4", domainId: "nowhere", name: "x", createdAt: T0 }),
      conflict("REFERENCE_VIOLATION"),
    );
    const ids = async (filter?: Parameters<typeof store.projects.list>[0]) =>
      (await store.projects.list(filter)).map((x) => x.id);
    assert.deepEqual(await ids(), ["p1", "p2", "p3"]);
    assert.deepEqual(await ids({ domainId: "default" }), ["p1", "p3"]);
    assert.deepEqual(await ids({ name: "alpha" }), ["p1", "p2"]);
    assert.deepEqual(await ids({ enabled: true }), ["p2", "p3"]);
    assert.deepEqual(await ids({ domainId: "d2", name: "alpha", enabled: true }), ["p2"]);
    const renamed = await store.projects.update("p1", { name: "gamma", enabled: true });
    assert.deepEqual(renamed, { ...p, name: "gamma", enabled: true });
    await assert.rejects(store.projects.update("p3", { name: "gamma" }), conflict("PROJECT_EXISTS"));
    assert.equal(await store.projects.delete("p1"), true);
    assert.equal(await store.projects.get("p1"), undefined);
    assert.equal(await store.projects.delete("p1"), false);
  });

  test("users: CRUD, nullable fields, failed logins, unique name per domain", async (t) => {
    const store = await openFresh(t, factory);
    const { project } = await seed(store);
    const u = await store.users.create({
      id: "u1",
      domainId: "default",
      name: "alice",
      passwordHash: "h1",
      createdAt: T0,
    });
    assert.deepEqual(u, {
      id: "u1",
      domainId: "default",
      name: "alice",
      passwordHash: "h1",
      enabled: true,
      defaultProjectId: null,
      email: null,
      failedLogins: 0,
      lockedUntil: null,
      passwordChangedAt: null,
      createdAt: T0,
    });
    await assert.rejects(
      store.users.create({ id: "u2", domainId: "default", name: "alice", passwordHash: "h", createdAt: T0 }),
      conflict("USER_EXISTS"),
    );
    const full = await store.users.update("u1", {
      defaultProjectId: project.id,
      email: "alice@example.org",
      lockedUntil: at(60),
      passwordChangedAt: at(5),
      passwordHash: "h2",
      enabled: false,
    });
    assert.deepEqual(full, {
      ...u,
      defaultProjectId: project.id,
      email: "alice@example.org",
      lockedUntil: at(60),
      passwordChangedAt: at(5),
      passwordHash: "h2",
      enabled: false,
    });
    assert.deepEqual(await store.users.getByName("default", "alice"), full);
    assert.equal(await store.users.recordFailedLogin("u1"), 1);
    assert.equal(await store.users.recordFailedLogin("u1"), 2);
    assert.equal(await store.users.recordFailedLogin("nobody"), undefined);
    const cleared = await store.users.update("u1", { failedLogins: 0, lockedUntil: null, email: null });
    assert.deepEqual(cleared, { ...full, failedLogins: 0, lockedUntil: null, email: null });
    assert.deepEqual(
      (await store.users.list({ domainId: "default" })).map((x) => x.name),
      ["alice", "user 1"],
    );
    assert.deepEqual(
      (await store.users.list({ enabled: false })).map((x) => x.id),
      ["u1"],
    );
    await store.projects.delete(project.id);
    assert.equal((await store.users.get("u1"))?.defaultProjectId, null, "default project is unset");
    assert.equal(await store.users.delete("u1"), true);
    assert.equal(await store.users.get("u1"), undefined);
  });

  test("roles and role assignments: grant is idempotent, list by any combination", async (t) => {
    const store = await openFresh(t, factory);
    const a = await seed(store, "a");
    const b = await seed(store, "b");
    assert.deepEqual(await store.roles.getByName("role a"), a.role);
    await assert.rejects(store.roles.create({ id: "r", name: "role a" }), conflict("ROLE_EXISTS"));
    assert.deepEqual(
      (await store.roles.list()).map((r) => r.id),
      ["role-a", "role-b"],
    );
    const grant = (p: typeof a, u: typeof a, r: typeof a) =>
      store.roleAssignments.grant({ projectId: p.project.id, userId: u.user.id, roleId: r.role.id });
    assert.equal(await grant(a, a, a), true);
    assert.equal(await grant(a, a, a), false, "granting twice is fine");
    await grant(a, a, b);
    await grant(a, b, a);
    await grant(b, a, a);
    const list = async (filter?: Parameters<typeof store.roleAssignments.list>[0]) =>
      (await store.roleAssignments.list(filter)).map((x) => `${x.projectId}/${x.userId}/${x.roleId}`);
    assert.equal((await list()).length, 4);
    assert.deepEqual(await list({ userId: "user-a", projectId: "project-a" }), [
      "project-a/user-a/role-a",
      "project-a/user-a/role-b",
    ]);
    assert.deepEqual(await list({ roleId: "role-a", userId: "user-a" }), [
      "project-a/user-a/role-a",
      "project-b/user-a/role-a",
    ]);
    assert.deepEqual(await list({ projectId: "project-a", userId: "user-b", roleId: "role-a" }), [
      "project-a/user-b/role-a",
    ]);
    await assert.rejects(
      store.roleAssignments.grant({ projectId: "project-a", userId: "user-a", roleId: "missing" }),
      conflict("REFERENCE_VIOLATION"),
    );
    assert.equal(
      await store.roleAssignments.revoke({ projectId: "project-a", userId: "user-a", roleId: "role-b" }),
      true,
    );
    assert.equal(
      await store.roleAssignments.revoke({ projectId: "project-a", userId: "user-a", roleId: "role-b" }),
      false,
    );
    assert.equal(await store.roles.delete("role-a"), true);
    assert.deepEqual(await list(), [], "deleting the role removed its assignments");
  });

  test("tokens: stored by hash, revoked one by one or per user, expired ones deleted", async (t) => {
    const store = await openFresh(t, factory);
    const { project, user } = await seed(store);
    const token = {
      idHash: "hash-1",
      userId: user.id,
      projectId: project.id,
      methods: ["password", "token"],
      auditId: "audit-1",
      issuedAt: T0,
      expiresAt: at(3600),
      revokedAt: null,
    };
    assert.deepEqual(await store.tokens.create(token), token);
    assert.deepEqual(await store.tokens.get("hash-1"), token);
    await assert.rejects(store.tokens.create(token), conflict("TOKEN_EXISTS"));
    await store.tokens.create({ ...token, idHash: "hash-2", projectId: null, methods: ["password"] });
    await store.tokens.create({ ...token, idHash: "hash-3", expiresAt: at(10) });
    assert.equal(await store.tokens.revoke("hash-1", at(20)), true);
    assert.equal(await store.tokens.revoke("hash-1", at(30)), false, "already revoked");
    assert.deepEqual((await store.tokens.get("hash-1"))?.revokedAt, at(20));
    assert.equal(await store.tokens.revokeAllForUser(user.id, at(40)), 2);
    assert.deepEqual((await store.tokens.get("hash-2"))?.revokedAt, at(40));
    assert.deepEqual((await store.tokens.get("hash-2"))?.methods, ["password"]);
    assert.equal(await store.tokens.deleteExpired(at(10)), 0, "expiry is exclusive");
    assert.equal(await store.tokens.deleteExpired(at(11)), 1);
    assert.equal(await store.tokens.get("hash-3"), undefined);
    assert.equal(await store.tokens.get("nope"), undefined);
  });

  test("deleting a project or a user removes its assignments and tokens", async (t) => {
    const store = await openFresh(t, factory);
    const a = await seed(store, "a");
    const b = await seed(store, "b");
    const token = (hash: string, userId: string, projectId: string | null) =>
      store.tokens.create({
        idHash: hash,
        userId,
        projectId,
        methods: ["password"],
        auditId: hash,
        issuedAt: T0,
        expiresAt: at(60),
        revokedAt: null,
      });
    for (const [p, u] of [
      [a, a],
      [a, b],
      [b, a],
      [b, b],
    ] as const) {
      await store.roleAssignments.grant({ projectId: p.project.id, userId: u.user.id, roleId: a.role.id });
      await token(`${p.project.id}:${u.user.id}`, u.user.id, p.project.id);
    }
    await token("unscoped-b", b.user.id, null);

    await store.projects.delete(a.project.id);
    assert.deepEqual(
      (await store.roleAssignments.list()).map((x) => x.projectId),
      ["project-b", "project-b"],
    );
    assert.equal(await store.tokens.get("project-a:user-a"), undefined);
    assert.equal(await store.tokens.get("project-a:user-b"), undefined);

    await store.users.delete(b.user.id);
    assert.deepEqual(await store.roleAssignments.list(), [
      { projectId: "project-b", userId: "user-a", roleId: "role-a" },
    ]);
    assert.equal(await store.tokens.get("unscoped-b"), undefined);
    assert.equal(await store.tokens.get("project-b:user-b"), undefined);
    assert.ok(await store.tokens.get("project-b:user-a"));
  });
}
