import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createInProcessBus } from "../bus/index.js";
import { registerCatalog } from "../catalog/index.js";
import { UnavailableError } from "../domain/index.js";
import type { TestUser } from "../identity/testing.js";
import { silentLogger } from "../lib/index.js";
import { openTestApp, type TestApp } from "./testing.js";

// RabbitMQ away while requests come in: what a request records is committed before the bus is
// used, so the answer is the one the record deserves (accepted), never a 5xx that leaves a record
// behind. The task managers find the task by polling the store.
let t: TestApp;
let alice: TestUser;
let casts = 0;
before(async () => {
  const inner = createInProcessBus({ logger: silentLogger() });
  const bus = {
    ...inner,
    cast: async () => {
      casts++;
      throw new UnavailableError("BUS_DISCONNECTED", "the message bus is not connected to RabbitMQ");
    },
  };
  t = await openTestApp({ bus });
  await registerCatalog(t.fx.store, silentLogger());
  alice = await t.fx.addUser("alpha", "alice", ["member"]);
});
after(() => t.close());

test("with the bus away, create and delete are accepted and their tasks are recorded for the task managers", async () => {
  const headers = { "x-auth-token": alice.token };
  const created = await t.app.inject({
    method: "POST",
    url: `/v1.0/${alice.project.id}/instances`,
    headers,
    payload: {
      instance: { name: "db", flavorRef: "2", volume: { size: 1 }, datastore: { type: "postgresql" } },
    },
  });
  assert.equal(created.statusCode, 200, created.body);
  const id = created.json<{ instance: { id: string } }>().instance.id;
  assert.equal((await t.fx.store.tasks.activeFor(id))?.kind, "create_instance");
  assert.equal(casts, 1, "the wake-up was tried");

  // Let the create be done with, as a task manager would, so that delete is allowed.
  await t.fx.store.tasks.cancelActive(id, "test", new Date());
  await t.fx.store.instances.update(id, { taskStatus: "NONE", updatedAt: new Date() });
  const deleted = await t.app.inject({
    method: "DELETE",
    url: `/v1.0/${alice.project.id}/instances/${id}`,
    headers,
  });
  assert.equal(deleted.statusCode, 202, deleted.body);
  assert.equal((await t.fx.store.tasks.activeFor(id))?.kind, "delete_instance");
  assert.equal(casts, 2);
});
