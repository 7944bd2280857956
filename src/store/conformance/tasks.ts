import { test } from "node:test";
import assert from "node:assert/strict";
import type { Store } from "../port.js";
import { at, openFresh, seedInstances, T0, type StoreFactory } from "./harness.js";

const conflict = (code: string) => ({ kind: "conflict", code });
const LEASE_MS = 30_000;

const newTask = (id: string, instanceId: string | null, createdAt = T0) => ({
  id,
  instanceId,
  kind: "create_instance",
  data: { flavor: "6", users: [{ name: "app" }] },
  createdAt,
});

/** A store with instances i-1…i-n and nothing else. */
async function withInstances(
  t: Parameters<typeof openFresh>[0],
  factory: StoreFactory,
  n: number,
): Promise<Store> {
  const store = await openFresh(t, factory);
  await seedInstances(
    store,
    Array.from({ length: n }, (_, i) => `i-${i + 1}`),
  );
  return store;
}

export function taskCases(factory: StoreFactory): void {
  test("tasks: create pending, one active task per instance, a new one once it is finished", async (t) => {
    const store = await withInstances(t, factory, 2);
    const task = await store.tasks.create(newTask("t-1", "i-1"));
    assert.deepEqual(task, {
      ...newTask("t-1", "i-1"),
      state: "pending",
      step: null,
      attempts: 0,
      leaseOwner: null,
      leaseUntil: null,
      error: null,
      updatedAt: T0,
    });
    assert.deepEqual(await store.tasks.get("t-1"), task);
    assert.deepEqual(await store.tasks.activeFor("i-1"), task);
    assert.equal(await store.tasks.activeFor("i-2"), undefined);
    assert.equal(await store.tasks.get("nope"), undefined);
    await assert.rejects(store.tasks.create(newTask("t-2", "i-1")), conflict("TASK_ACTIVE"));
    await assert.rejects(store.tasks.create(newTask("t-2", "missing")), conflict("REFERENCE_VIOLATION"));
    // Tasks without an instance are not limited.
    await store.tasks.create(newTask("t-free-1", null));
    await store.tasks.create(newTask("t-free-2", null));

    const claimed = await store.tasks.claim("tm-a", at(1), LEASE_MS);
    assert.equal(claimed?.id, "t-1");
    await assert.rejects(
      store.tasks.create(newTask("t-2", "i-1")),
      conflict("TASK_ACTIVE"),
      "running counts",
    );
    assert.equal(await store.tasks.finish("t-1", "tm-a", "failed", "engine exited", at(2)), true);
    const done = await store.tasks.get("t-1");
    assert.deepEqual(
      done && {
        state: done.state,
        error: done.error,
        leaseUntil: done.leaseUntil,
        updatedAt: done.updatedAt,
      },
      { state: "failed", error: "engine exited", leaseUntil: null, updatedAt: at(2) },
    );
    assert.equal(await store.tasks.activeFor("i-1"), undefined);
    await store.tasks.create(newTask("t-2", "i-1", at(3)));
    assert.equal((await store.tasks.activeFor("i-1"))?.id, "t-2");
    assert.deepEqual(
      (await store.tasks.list({ instanceId: "i-1" })).map((x) => `${x.id}:${x.state}`),
      ["t-1:failed", "t-2:pending"],
    );
    assert.deepEqual(
      (await store.tasks.list({ state: "pending" })).map((x) => x.id),
      ["t-free-1", "t-free-2", "t-2"],
    );
  });

  test("tasks: claim takes the oldest runnable task; only the owner may progress, renew, finish", async (t) => {
    const store = await withInstances(t, factory, 3);
    await store.tasks.create(newTask("t-b", "i-1", at(2)));
    await store.tasks.create(newTask("t-a", "i-2", at(1)));
    await store.tasks.create(newTask("t-c", "i-3", at(3)));
    const first = await store.tasks.claim("tm-a", at(10), LEASE_MS);
    assert.deepEqual(first, {
      ...newTask("t-a", "i-2", at(1)),
      state: "running",
      step: null,
      attempts: 1,
      leaseOwner: "tm-a",
      leaseUntil: at(40),
      error: null,
      updatedAt: at(10),
    });
    assert.equal((await store.tasks.claim("tm-a", at(10), LEASE_MS))?.id, "t-b");
    assert.equal((await store.tasks.claim("tm-b", at(10), LEASE_MS))?.id, "t-c");
    assert.equal(await store.tasks.claim("tm-b", at(10), LEASE_MS), undefined, "nothing runnable");

    const data = { port: 5432, volume: "/vol/i-2" };
    assert.equal(await store.tasks.progress("t-a", "tm-b", "allocate", {}, at(11)), false, "not the owner");
    assert.equal(await store.tasks.progress("t-a", "tm-a", "allocate", data, at(11)), true);
    assert.equal(await store.tasks.renew("t-a", "tm-b", at(100)), false);
    assert.equal(await store.tasks.renew("t-a", "tm-a", at(100)), true);
    assert.equal(await store.tasks.finish("t-a", "tm-b", "succeeded", null, at(12)), false);
    const mid = await store.tasks.get("t-a");
    assert.deepEqual(
      mid && { step: mid.step, data: mid.data, leaseUntil: mid.leaseUntil, updatedAt: mid.updatedAt },
      { step: "allocate", data, leaseUntil: at(100), updatedAt: at(11) },
    );
    assert.equal(await store.tasks.finish("t-a", "tm-a", "succeeded", null, at(13)), true);
    assert.equal((await store.tasks.get("t-a"))?.state, "succeeded");
    assert.equal(
      await store.tasks.finish("t-a", "tm-a", "failed", "again", at(14)),
      false,
      "already finished",
    );
    assert.equal(await store.tasks.progress("t-a", "tm-a", "late", {}, at(14)), false);
    assert.equal(await store.tasks.renew("t-a", "tm-a", at(200)), false);
    assert.equal(
      await store.tasks.progress("t-b", "tm-a", "pending-never", {}, at(14)),
      true,
      "t-b is still held",
    );
    assert.equal(
      await store.tasks.claim("tm-c", at(20), LEASE_MS),
      undefined,
      "t-a done, t-b/t-c leases live",
    );
  });

  test("tasks: a running task whose lease expired is claimed again; its old owner is locked out", async (t) => {
    const store = await withInstances(t, factory, 1);
    await store.tasks.create(newTask("t-1", "i-1"));
    assert.equal(
      (await store.tasks.claim("tm-old", at(0), LEASE_MS))?.leaseUntil?.getTime(),
      at(30).getTime(),
    );
    assert.equal(await store.tasks.progress("t-1", "tm-old", "allocate", { volume: "v1" }, at(5)), true);
    assert.equal(await store.tasks.claim("tm-new", at(29), LEASE_MS), undefined, "lease still live");
    assert.equal(await store.tasks.claim("tm-new", at(30), LEASE_MS), undefined, "expiry is exclusive");
    const resumed = await store.tasks.claim("tm-new", at(31), LEASE_MS);
    assert.deepEqual(
      resumed && {
        state: resumed.state,
        owner: resumed.leaseOwner,
        until: resumed.leaseUntil,
        attempts: resumed.attempts,
        step: resumed.step,
        data: resumed.data,
      },
      {
        state: "running",
        owner: "tm-new",
        until: at(61),
        attempts: 2,
        step: "allocate",
        data: { volume: "v1" },
      },
      "the successor resumes after the last completed step",
    );
    assert.equal(await store.tasks.progress("t-1", "tm-old", "prepare", {}, at(32)), false);
    assert.equal(await store.tasks.renew("t-1", "tm-old", at(90)), false);
    assert.equal(await store.tasks.finish("t-1", "tm-old", "succeeded", null, at(33)), false);
    assert.equal(
      await store.tasks.progress("t-1", "tm-new", "prepare", { volume: "v1", ok: true }, at(34)),
      true,
    );
    assert.equal(await store.tasks.finish("t-1", "tm-new", "succeeded", null, at(35)), true);
    const done = await store.tasks.get("t-1");
    assert.deepEqual(
      done && { state: done.state, step: done.step, owner: done.leaseOwner, attempts: done.attempts },
      { state: "succeeded", step: "prepare", owner: "tm-new", attempts: 2 },
    );
  });

  test("tasks: cancelActive cancels the pending or running task and locks its owner out", async (t) => {
    const store = await withInstances(t, factory, 2);
    await store.tasks.create(newTask("t-1", "i-1"));
    await store.tasks.create(newTask("t-2", "i-2"));
    assert.equal(await store.tasks.cancelActive("i-1", "force delete", at(1)), 1);
    const cancelled = await store.tasks.get("t-1");
    assert.deepEqual(
      cancelled && { state: cancelled.state, error: cancelled.error, updatedAt: cancelled.updatedAt },
      { state: "cancelled", error: "force delete", updatedAt: at(1) },
    );
    assert.equal(await store.tasks.cancelActive("i-1", "again", at(2)), 0);
    assert.equal((await store.tasks.claim("tm", at(3), LEASE_MS))?.id, "t-2", "cancelled is not runnable");
    assert.equal(await store.tasks.cancelActive("i-2", "force delete", at(4)), 1);
    assert.equal(await store.tasks.progress("t-2", "tm", "step", {}, at(5)), false);
    assert.equal(await store.tasks.finish("t-2", "tm", "succeeded", null, at(5)), false);
    assert.equal((await store.tasks.get("t-2"))?.state, "cancelled");
    assert.equal(await store.tasks.claim("tm", at(500), LEASE_MS), undefined);
    await store.tasks.create(newTask("t-3", "i-1", at(6)));
    assert.equal((await store.tasks.activeFor("i-1"))?.id, "t-3");
  });

  test("claim race: 10 concurrent claimers over 3 runnable tasks take each exactly once", async (t) => {
    const store = await withInstances(t, factory, 3);
    for (let i = 1; i <= 3; i++) await store.tasks.create(newTask(`t-${i}`, `i-${i}`, at(i)));
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.tasks.claim(`tm-${i}`, at(10), LEASE_MS)),
    );
    const won = claims.filter((c) => c !== undefined);
    assert.deepEqual(won.map((c) => c.id).sort(), ["t-1", "t-2", "t-3"]);
    assert.equal(new Set(won.map((c) => c.leaseOwner)).size, 3, "three different owners");
    for (const task of await store.tasks.list())
      assert.deepEqual(
        { state: task.state, attempts: task.attempts, owner: task.leaseOwner },
        { state: "running", attempts: 1, owner: won.find((c) => c.id === task.id)?.leaseOwner },
      );
  });

  test("two concurrent tasks for one instance: exactly one is recorded", async (t) => {
    const store = await withInstances(t, factory, 1);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) => store.tasks.create(newTask(`t-${i}`, "i-1"))),
    );
    assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 1);
    for (const o of outcomes)
      if (o.status === "rejected") assert.equal((o.reason as { code?: string }).code, "TASK_ACTIVE");
    assert.equal((await store.tasks.list()).length, 1);
  });
}
