import { test } from "node:test";
import assert from "node:assert/strict";
import { at, openFresh, seedInstances, T0, type StoreFactory } from "./harness.js";

export function rootHistoryCases(factory: StoreFactory): void {
  test("root history: enabled, disabled, enabled again by another user; one row per instance", async (t) => {
    const store = await openFresh(t, factory);
    await seedInstances(store, ["i-1", "i-2"]);
    assert.equal(await store.rootHistory.get("i-1"), undefined);
    assert.equal(await store.rootHistory.recordDisabled("i-1", at(1)), false, "never enabled");

    const first = await store.rootHistory.recordEnabled("i-1", "user-a", T0);
    assert.deepEqual(first, { instanceId: "i-1", userId: "user-a", enabledAt: T0, disabledAt: null });
    assert.deepEqual(await store.rootHistory.get("i-1"), first);
    assert.equal(await store.rootHistory.get("i-2"), undefined, "per instance");

    assert.equal(await store.rootHistory.recordDisabled("i-1", at(5)), true);
    assert.deepEqual((await store.rootHistory.get("i-1"))?.disabledAt, at(5));
    assert.equal(await store.rootHistory.recordDisabled("i-1", at(6)), false, "already disabled");
    assert.deepEqual((await store.rootHistory.get("i-1"))?.disabledAt, at(5));

    const again = await store.rootHistory.recordEnabled("i-1", "user-b", at(10));
    assert.deepEqual(again, { instanceId: "i-1", userId: "user-b", enabledAt: at(10), disabledAt: null });
  });

  test("root history: needs a real instance, and is inside transactions", async (t) => {
    const store = await openFresh(t, factory);
    await seedInstances(store, ["i-1"]);
    await assert.rejects(store.rootHistory.recordEnabled("nope", "user-a", T0), {
      kind: "conflict",
      code: "REFERENCE_VIOLATION",
    });
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.rootHistory.recordEnabled("i-1", "user-a", T0);
        throw new Error("roll back");
      }),
      /roll back/,
    );
    assert.equal(await store.rootHistory.get("i-1"), undefined, "rolled back");
  });
}
