import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createInProcessBus, type MessageBus } from "../bus/index.js";
import { systemClock } from "../domain/index.js";
import { silentLogger, waitFor } from "../lib/index.js";
import type { Store } from "../store/index.js";
import { openTempSqliteStore, seedInstances } from "../store/testing.js";
import { createConductor, type Conductor } from "./conductor.js";
import { createMetrics } from "../metrics/index.js";
import { CONDUCTOR_TOPIC, ConductorClient } from "./rpc.js";

let store: Store;
let closeStore: () => Promise<void>;
let bus: MessageBus;
let conductor: Conductor;
before(async () => {
  ({ store, close: closeStore } = await openTempSqliteStore());
  await seedInstances(store, ["i1", "i2", "i3"]);
  bus = createInProcessBus({ logger: silentLogger() });
  conductor = createConductor({ store, bus, clock: systemClock, logger: silentLogger() });
  await conductor.start();
});
after(async () => {
  await conductor.stop();
  await bus.close();
  await closeStore();
});

test("a heartbeat cast on the bus sets the service status and the volume use", async () => {
  const sentAt = Date.now();
  await new ConductorClient(bus).heartbeat({
    instanceId: "i1",
    status: "healthy",
    volumeUsedGb: 0.25,
    sentAt,
  });
  const status = await waitFor(async () => store.serviceStatuses.get("i1"), {
    timeoutMs: 2000,
    what: "status",
  });
  assert.equal(status.status, "healthy");
  assert.equal(status.updatedAt.getTime(), sentAt);
  assert.equal((await store.instances.get("i1"))?.volumeUsedGb, 0.25);
});

test("a heartbeat older than the stored status is dropped", async () => {
  await conductor.heartbeat({ instanceId: "i2", status: "healthy", volumeUsedGb: null, sentAt: 2000 });
  await conductor.heartbeat({ instanceId: "i2", status: "crashed", volumeUsedGb: null, sentAt: 1000 });
  assert.equal((await store.serviceStatuses.get("i2"))?.status, "healthy");
});

test("restart required and deleted are not overwritten by heartbeats", async () => {
  await store.serviceStatuses.set("i3", "restart required", new Date(1000));
  await conductor.heartbeat({ instanceId: "i3", status: "healthy", volumeUsedGb: null, sentAt: 2000 });
  const kept = await store.serviceStatuses.get("i3");
  assert.equal(kept?.status, "restart required");
  assert.equal(kept?.updatedAt.getTime(), 2000);
  await store.serviceStatuses.set("i3", "deleted", new Date(3000));
  await conductor.heartbeat({ instanceId: "i3", status: "healthy", volumeUsedGb: null, sentAt: 4000 });
  assert.equal((await store.serviceStatuses.get("i3"))?.status, "deleted");
});

test("the engine's figures a heartbeat carries replace the instance's last ones; unknown ones are dropped", async () => {
  const client = new ConductorClient(bus);
  await client.heartbeat({
    instanceId: "i1",
    status: "healthy",
    volumeUsedGb: null,
    sentAt: Date.now(),
    figures: { connections: 2, transactions: 40 },
  });
  const first = await waitFor(async () => store.engineFigures.get("i1"), {
    timeoutMs: 2000,
    what: "figures",
  });
  assert.deepEqual(first.figures, { connections: 2, transactions: 40 });
  const sentAt = Date.now() + 1;
  await bus.cast(CONDUCTOR_TOPIC, "heartbeat", {
    instanceId: "i1",
    status: "healthy",
    volumeUsedGb: null,
    sentAt,
    figures: { connections: 5, transactions: 41, made_up: 1, queries: -1 },
  });
  const second = await waitFor(
    async () => {
      const r = await store.engineFigures.get("i1");
      return r && r.measuredAt.getTime() === sentAt ? r : undefined;
    },
    { timeoutMs: 2000, what: "newer figures" },
  );
  assert.deepEqual(second.figures, { connections: 5, transactions: 41 });
});

test("heartbeats are counted by status and outcome", async () => {
  const metrics = createMetrics();
  const counted = createConductor({ store, bus, clock: systemClock, logger: silentLogger(), metrics });
  await counted.heartbeat({ instanceId: "i2", status: "healthy", volumeUsedGb: null, sentAt: 10_000 });
  await counted.heartbeat({ instanceId: "i2", status: "healthy", volumeUsedGb: null, sentAt: 9_000 });
  const text = await metrics.registry.metrics();
  assert.match(text, /coffer_heartbeats_total\{status="healthy",outcome="recorded"\} 1/);
  assert.match(text, /coffer_heartbeats_total\{status="healthy",outcome="stale"\} 1/);
});

test("an event a guest agent reports is recorded with its instance's project; a malformed one is not", async () => {
  const at = Date.now();
  await bus.cast(CONDUCTOR_TOPIC, "event", { instanceId: "i3", kind: "made.up", cause: "x", at });
  await new ConductorClient(bus).event({
    instanceId: "i3",
    kind: "engine.crashed",
    cause: "not running",
    at,
  });
  const [event] = await waitFor(
    async () => {
      const list = await store.events.list({ instanceId: "i3" });
      return list.length > 0 ? list : undefined;
    },
    { timeoutMs: 2000, what: "the event" },
  );
  assert.equal(event?.kind, "engine.crashed");
  assert.equal(event?.cause, "not running");
  assert.equal(event?.at.getTime(), at);
  assert.equal(event?.projectId, (await store.instances.get("i3"))?.projectId);
  assert.equal((await store.events.list({ instanceId: "i3" })).length, 1);
});
