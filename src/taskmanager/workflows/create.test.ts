import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createInProcessBus, type MessageBus } from "../../bus/index.js";
import { systemClock, UnavailableError } from "../../domain/index.js";
import { silentLogger } from "../../lib/index.js";
import type { Store } from "../../store/index.js";
import { openTempSqliteStore, seedInstances } from "../../store/testing.js";
import type { StepContext, WorkflowDeps } from "../workflow.js";
import { createInstance } from "./create.js";

// The place step against a real SQLite store and the in-process bus, with a compute host that is
// this test's handler: what the step records before and after the host is asked.
let store: Store;
let closeStore: () => Promise<void>;
let bus: MessageBus;
before(async () => {
  ({ store, close: closeStore } = await openTempSqliteStore());
  await seedInstances(store, []);
  bus = createInProcessBus({ logger: silentLogger() });
});
after(async () => {
  await bus.close();
  await closeStore();
});

const place = createInstance.steps.find((s) => s.name === "place")!;

async function context(pick: () => string): Promise<StepContext<Record<string, unknown>>> {
  const instanceId = randomUUID();
  await store.instances.create({
    id: instanceId,
    projectId: "p",
    name: "i",
    flavorId: "6",
    datastoreVersionId: "dv-pg15",
    volumeSizeGb: 1,
    createdAt: new Date(),
  });
  const deps: WorkflowDeps = {
    store,
    bus,
    clock: systemClock,
    logger: silentLogger(),
    pickHost: async () => pick(),
    healthyTimeoutMs: 1000,
    pollMs: 10,
  };
  const task = await store.tasks.create({
    id: randomUUID(),
    instanceId,
    kind: "create_instance",
    data: {},
    createdAt: new Date(),
  });
  const data = { volumeSizeGb: 1, ramMb: 0, vcpus: 1, isPublic: false, manager: "postgresql" };
  return {
    task,
    instanceId,
    data,
    deps,
    signal: new AbortController().signal,
    log: silentLogger(),
  };
}

test("place records the chosen host before asking it to provision, and keeps it when run again", async () => {
  const seen: (string | null | undefined)[] = [];
  let cut = true;
  const sub = await bus.serve("compute.host-x", {
    async provision(args) {
      const { instanceId } = args as { instanceId: string };
      seen.push((await store.instances.get(instanceId))?.host);
      // The first call is cut as a lost connection would cut it: the host may have made things.
      if (cut) throw new UnavailableError("BUS_CONNECTION_LOST", "cut");
      return { host: "host-x", address: "127.9.0.2" };
    },
  });
  try {
    const picks = ["host-x", "host-y"];
    const ctx = await context(() => picks.shift()!);
    await assert.rejects(place.run(ctx), { code: "BUS_CONNECTION_LOST" });
    assert.deepEqual(seen, ["host-x"], "the host was recorded before the provision call");
    assert.equal((await store.instances.get(ctx.instanceId))?.host, "host-x", "a delete now finds the host");

    // Run again (the retry, or another task manager): the recorded host, not a new pick.
    cut = false;
    assert.deepEqual(await place.run(ctx), { host: "host-x", address: "127.9.0.2" });
    const row = await store.instances.get(ctx.instanceId);
    assert.equal(row?.host, "host-x");
    assert.equal(row?.address, "127.9.0.2");
    assert.equal(picks.length, 1, "the host was picked once");
  } finally {
    await sub.close();
  }
});
