import { test } from "node:test";
import assert from "node:assert/strict";
import type { InstanceEvent } from "../../domain/index.js";
import { at, openFresh, seedInstances, T0, type StoreFactory } from "./harness.js";

const event = (id: string, seconds: number, over: Partial<InstanceEvent> = {}): InstanceEvent => ({
  id,
  at: at(seconds),
  kind: "instance.created",
  instanceId: "i-1",
  projectId: "project-1",
  cause: "requested by alice (req-1)",
  details: { taskId: "t-1", attempt: 1, resumed: false, code: null },
  ...over,
});

export function eventCases(factory: StoreFactory): void {
  test("events: recorded as given, listed newest first and filtered, paged by marker", async (t) => {
    const store = await openFresh(t, factory);
    const first = await store.events.record(event("e-1", 1));
    assert.deepEqual(first, event("e-1", 1));
    assert.deepEqual(await store.events.get("e-1"), first);
    await store.events.record(event("e-2", 2, { kind: "instance.restarted" }));
    await store.events.record(event("e-4", 3, { instanceId: "i-2" }));
    await store.events.record(event("e-3", 3, { instanceId: "i-2", projectId: "project-2" }));
    await store.events.record(event("e-5", 4, { instanceId: null, projectId: null, kind: "engine.crashed" }));
    await assert.rejects(store.events.record(event("e-1", 9)), { kind: "conflict", code: "EVENT_EXISTS" });

    const ids = (list: InstanceEvent[]) => list.map((e) => e.id);
    assert.deepEqual(ids(await store.events.list()), ["e-5", "e-4", "e-3", "e-2", "e-1"]);
    assert.deepEqual(ids(await store.events.list({ instanceId: "i-1" })), ["e-2", "e-1"]);
    assert.deepEqual(ids(await store.events.list({ projectId: "project-1" })), ["e-4", "e-2", "e-1"]);
    assert.deepEqual(ids(await store.events.list({ kind: "instance.restarted" })), ["e-2"]);
    assert.deepEqual(ids(await store.events.list({ since: at(3) })), ["e-5", "e-4", "e-3"]);
    // Same time: the id orders them, so a marker between them loses nothing.
    assert.deepEqual(ids(await store.events.list({ limit: 2 })), ["e-5", "e-4"]);
    assert.deepEqual(ids(await store.events.list({ before: "e-4", limit: 2 })), ["e-3", "e-2"]);
    assert.deepEqual(ids(await store.events.list({ before: "e-2" })), ["e-1"]);
    assert.deepEqual(await store.events.list({ before: "nope" }), []);
  });

  test("events: outlive their instance, and go when older than the retention", async (t) => {
    const store = await openFresh(t, factory);
    await seedInstances(store, ["i-1"]);
    await store.events.record(event("old", -10));
    await store.events.record(event("new", 10));
    await store.instances.markDeleted("i-1", T0);
    assert.equal((await store.events.list({ instanceId: "i-1" })).length, 2);
    assert.equal(await store.events.deleteBefore(T0), 1);
    assert.deepEqual(
      (await store.events.list()).map((e) => e.id),
      ["new"],
    );
    assert.equal(await store.events.deleteBefore(T0), 0);
  });
}
