import { test } from "node:test";
import assert from "node:assert/strict";
import { openFresh, type StoreFactory } from "./harness.js";

export function quotaCases(factory: StoreFactory): void {
  test("quota limits: set replaces, get, list, delete", async (t) => {
    const store = await openFresh(t, factory);
    const limit = { projectId: "p1", resource: "instances", hardLimit: 5 };
    assert.deepEqual(await store.quotas.set(limit), limit);
    assert.deepEqual(await store.quotas.set({ ...limit, hardLimit: -1 }), { ...limit, hardLimit: -1 });
    await store.quotas.set({ projectId: "p1", resource: "backups", hardLimit: 50 });
    await store.quotas.set({ projectId: "p2", resource: "volumes", hardLimit: 1 });
    assert.deepEqual(await store.quotas.get("p1", "instances"), { ...limit, hardLimit: -1 });
    assert.deepEqual(
      (await store.quotas.list("p1")).map((q) => `${q.resource}=${q.hardLimit}`),
      ["backups=50", "instances=-1"],
    );
    assert.equal(await store.quotas.delete("p1", "instances"), true);
    assert.equal(await store.quotas.delete("p1", "instances"), false);
    assert.equal(await store.quotas.get("p1", "instances"), undefined);
  });

  test("quota usage: reserve, commit, release, free; over the limit changes nothing", async (t) => {
    const store = await openFresh(t, factory);
    const usage = (inUse: number, reserved: number) => ({
      projectId: "p",
      resource: "volumes",
      inUse,
      reserved,
    });
    assert.deepEqual(await store.quotaUsages.get("p", "volumes"), usage(0, 0));
    assert.deepEqual(await store.quotaUsages.reserve("p", "volumes", 3, 10), usage(0, 3));
    assert.deepEqual(await store.quotaUsages.commit("p", "volumes", 2), usage(2, 1));
    assert.deepEqual(await store.quotaUsages.reserve("p", "volumes", 7, 10), usage(2, 8));
    await assert.rejects(store.quotaUsages.reserve("p", "volumes", 1, 10), {
      kind: "quota_exceeded",
      code: "QUOTA_EXCEEDED",
      details: { resource: "volumes", limit: 10, inUse: 2, reserved: 8, requested: 1 },
    });
    assert.deepEqual(await store.quotaUsages.get("p", "volumes"), usage(2, 8));
    assert.deepEqual(await store.quotaUsages.release("p", "volumes", 8), usage(2, 0));
    assert.deepEqual(await store.quotaUsages.free("p", "volumes", 1), usage(1, 0));
    assert.deepEqual(await store.quotaUsages.free("p", "volumes", 5), usage(0, 0), "never below zero");
    assert.deepEqual(
      await store.quotaUsages.reserve("p", "volumes", 1000, -1),
      usage(0, 1000),
      "-1 is unlimited",
    );
    await assert.rejects(store.quotaUsages.reserve("p", "other", 1, 0), { code: "QUOTA_EXCEEDED" });
    await assert.rejects(store.quotaUsages.reserve("p", "volumes", 0, 10), { code: "INVALID_QUOTA_DELTA" });
    await assert.rejects(store.quotaUsages.commit("p", "volumes", 1.5), { code: "INVALID_QUOTA_DELTA" });
    assert.deepEqual(
      (await store.quotaUsages.list("p")).map((u) => u.resource),
      ["other", "volumes"],
    );
  });

  test("quota race: 20 concurrent reservations against a limit of 5, exactly 5 pass", async (t) => {
    const store = await openFresh(t, factory);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => store.quotaUsages.reserve("p", "instances", 1, 5)),
    );
    const passed = outcomes.filter((o) => o.status === "fulfilled").length;
    assert.equal(passed, 5);
    for (const o of outcomes)
      if (o.status === "rejected") assert.equal((o.reason as { code?: string }).code, "QUOTA_EXCEEDED");
    assert.deepEqual(await store.quotaUsages.get("p", "instances"), {
      projectId: "p",
      resource: "instances",
      inUse: 0,
      reserved: 5,
    });
  });

  test("quota race inside transactions: 12 concurrent create-with-reserve, limit 4", async (t) => {
    const store = await openFresh(t, factory);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        store.transaction(async (tx) => {
          await tx.quotaUsages.reserve("p", "instances", 1, 4);
          await tx.roles.create({ id: `r${i}`, name: `r${i}` });
          await tx.quotaUsages.commit("p", "instances", 1);
        }),
      ),
    );
    assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 4);
    assert.equal((await store.roles.list()).length, 4, "only the transactions that reserved wrote");
    assert.deepEqual(await store.quotaUsages.get("p", "instances"), {
      projectId: "p",
      resource: "instances",
      inUse: 4,
      reserved: 0,
    });
  });
}
