import { test } from "node:test";
import assert from "node:assert/strict";
import { openFresh, T0, type StoreFactory } from "./harness.js";

export function transactionCases(factory: StoreFactory): void {
  test("a transaction spanning repositories commits together", async (t) => {
    const store = await openFresh(t, factory);
    const result = await store.transaction(async (tx) => {
      await tx.projects.create({ id: "p", domainId: "default", name: "p", createdAt: T0 });
      await tx.users.create({ id: "u", domainId: "default", name: "u", passwordHash: "h", createdAt: T0 });
      await tx.roles.create({ id: "r", name: "member" });
      await tx.roleAssignments.grant({ projectId: "p", userId: "u", roleId: "r" });
      await tx.quotaUsages.reserve("p", "instances", 1, 1);
      // reads inside see the transaction's own writes
      return (await tx.roleAssignments.list({ projectId: "p" })).length;
    });
    assert.equal(result, 1);
    assert.ok(await store.projects.get("p"));
    assert.deepEqual(await store.roleAssignments.list(), [{ projectId: "p", userId: "u", roleId: "r" }]);
    assert.equal((await store.quotaUsages.get("p", "instances")).reserved, 1);
  });

  test("a throw rolls every repository's writes back and reaches the caller", async (t) => {
    const store = await openFresh(t, factory);
    const boom = new Error("boom");
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.projects.create({ id: "p", domainId: "default", name: "p", createdAt: T0 });
        await tx.users.create({ id: "u", domainId: "default", name: "u", passwordHash: "h", createdAt: T0 });
        await tx.quotaUsages.reserve("p", "instances", 1, 1);
        await tx.domains.update("default", { description: "changed" });
        throw boom;
      }),
      (err) => err === boom,
    );
    assert.equal(await store.projects.get("p"), undefined);
    assert.equal(await store.users.get("u"), undefined);
    assert.equal((await store.quotaUsages.get("p", "instances")).reserved, 0);
    assert.equal((await store.domains.get("default"))?.description, "The default domain");
  });

  test("a store error inside a transaction rolls back and keeps its domain error", async (t) => {
    const store = await openFresh(t, factory);
    await store.roles.create({ id: "r1", name: "admin" });
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.projects.create({ id: "p", domainId: "default", name: "p", createdAt: T0 });
        await tx.roles.create({ id: "r2", name: "admin" });
      }),
      { kind: "conflict", code: "ROLE_EXISTS" },
    );
    assert.equal(await store.projects.get("p"), undefined);
    // the store is still usable afterwards
    await store.transaction(async (tx) => {
      await tx.roles.create({ id: "r2", name: "member" });
    });
    assert.deepEqual(
      (await store.roles.list()).map((r) => r.name),
      ["admin", "member"],
    );
  });
}
