import { test } from "node:test";
import assert from "node:assert/strict";
import { at, openFresh, seedInstances, T0, type StoreFactory } from "./harness.js";

export function engineFigureCases(factory: StoreFactory): void {
  test("engine figures: one row per instance, replaced by each set, listed by instance", async (t) => {
    const store = await openFresh(t, factory);
    await seedInstances(store, ["i-1", "i-2", "i-3"]);
    assert.equal(await store.engineFigures.get("i-1"), undefined);
    assert.deepEqual(await store.engineFigures.list(), []);

    const first = await store.engineFigures.set("i-2", { connections: 3, transactions: 1e12 + 7 }, T0);
    assert.deepEqual(first, {
      instanceId: "i-2",
      figures: { connections: 3, transactions: 1e12 + 7 },
      measuredAt: T0,
    });
    await store.engineFigures.set("i-1", { connections: 1, queries: 10 }, T0);
    const replaced = await store.engineFigures.set("i-1", { connections: 0, queries: 12.5 }, at(30));
    assert.deepEqual(replaced.figures, { connections: 0, queries: 12.5 });
    assert.deepEqual(await store.engineFigures.get("i-1"), replaced);

    assert.deepEqual(
      (await store.engineFigures.list()).map((r) => r.instanceId),
      ["i-1", "i-2"],
    );
    assert.deepEqual(
      (await store.engineFigures.list(["i-2", "i-3"])).map((r) => r.instanceId),
      ["i-2"],
    );
    assert.deepEqual(await store.engineFigures.list([]), []);
    await assert.rejects(store.engineFigures.set("nope", {}, T0), {
      kind: "conflict",
      code: "REFERENCE_VIOLATION",
    });
  });
}
