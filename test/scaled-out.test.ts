import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { run, sleep, waitFor } from "../src/lib/index.js";
import { notRunning, pause, resume, startScaledShape, type ScaledShape } from "./support/scaled-shape.js";
import { ShapeClient } from "./support/shape-client.js";

/*
 * The scaled-out shape as an operator runs it (docs/scale-out.md, test/support/scaled-shape.ts):
 * a private PostgreSQL and RabbitMQ, two APIs behind the shipped HAProxy configuration, two task
 * managers, a conductor and a compute host, six processes started before their database and
 * broker. Then the real clients through the front door, then the fault matrix: a task manager, the
 * compute host and an API SIGKILLed, RabbitMQ stopped and started, PostgreSQL restarted, each in
 * the middle of a create, a create force-deleted before its host answered, and a create that cannot
 * succeed. Each case ends with every task finished or cleanly failed, the host holding exactly
 * what the store says and, after delete, nothing at all.
 *
 * "In the middle of a create" is made certain rather than hoped for: the compute host is paused
 * (SIGSTOP) before the create, so the create waits at its place step while the fault happens.
 */

const handle = startScaledShape();
let shape: ScaledShape;
let c: ShapeClient;
before(async () => {
  shape = await handle.ready;
  c = new ShapeClient(shape);
});
after(() => handle.close());

test("started before their database and broker, every process waits, says so, and ends up serving", async () => {
  // Each said what it waited for before the database and the broker came up (startScaledShape
  // waits for that), and all six are ready now.
  assert.equal(shape.startOutputs.match(/Coffer is ready at/g)?.length, 6);
  const writers = [shape.api1, shape.api2].filter((a) => existsSync(join(a.dataDir, "admin-openrc.sh")));
  assert.equal(writers.length, 1, "exactly one API bootstrapped the admin and wrote admin-openrc.sh");
  assert.equal(shape.adminEnv.OS_AUTH_URL, `${shape.publicUrl}/v3`, "admin-openrc.sh names the front door");
  // The catalog names the front door whichever API is asked.
  for (const api of [shape.api1, shape.api2]) {
    const { catalog } = await c.login(api.url);
    const urls = catalog.flatMap((s) => s.endpoints.map((e) => e.url));
    assert.ok(urls.length > 0);
    for (const url of urls) assert.ok(url.startsWith(shape.publicUrl), `${api.url} advertises ${url}`);
  }
});

test("the real clients through HAProxy, with the credentials admin-openrc.sh gives", async () => {
  const catalog = (await c.openstack(["catalog", "list", "-f", "json"])) as {
    Endpoints: { url: string }[];
  }[];
  const urls = catalog.flatMap((s) => s.Endpoints.map((e) => e.url));
  assert.ok(urls.length > 0);
  for (const url of urls) assert.ok(url.startsWith(shape.publicUrl), url);

  const created = await c.trove(
    ["--json", "create", "seed", "6", "--size", "1", "--datastore", "postgresql"].concat([
      "--databases",
      "app",
      "--users",
      "bob:bob-pass-1",
    ]),
  );
  assert.equal(created.code, 0, created.stderr);
  const id = (JSON.parse(created.stdout) as { id: string }).id;
  const view = await c.settled(id);
  assert.equal(view.status, "ACTIVE", JSON.stringify(view));
  const ip = Array.isArray(view.ip) ? view.ip[0]! : view.ip!;
  const q = await run("psql", ["-h", ip, "-U", "bob", "-d", "app", "-At", "-c", "select 6*7"], {
    env: { ...process.env, PGPASSWORD: "bob-pass-1" },
  });
  assert.equal(q.stdout.trim(), "42", q.stderr);
  const listed = (await c.openstack(["database", "instance", "list", "-f", "json"])) as { ID: string }[];
  assert.ok(listed.some((i) => i.ID === id));
  // The guest agent's calls (API → bus → compute host) through the front door too.
  const made = await c.trove(["database-create", id, "shop"]);
  assert.equal(made.code, 0, made.stderr);
  const databases = await c.trove(["--json", "database-list", id]);
  const names = (JSON.parse(databases.stdout) as { name: string }[]).map((d) => d.name).sort();
  assert.deepEqual(names, ["app", "shop"], databases.stderr);
  const users = await c.trove(["--json", "user-list", id]);
  assert.deepEqual(
    (JSON.parse(users.stdout) as { name: string }[]).map((u) => u.name),
    ["bob"],
    users.stderr,
  );
  await c.assertHostMatchesStore();
  const deleted = await c.trove(["delete", id]);
  assert.equal(deleted.code, 0, deleted.stderr);
  await c.gone(id);
  await c.assertHostMatchesStore();
});

test("a task manager SIGKILLed mid-create is replaced by the other, which finishes the create", async () => {
  pause(shape.tm2);
  pause(shape.compute);
  let id = "";
  try {
    id = await c.create("tm-kill");
    // Claimed by tm1, the only one running, and waiting at its place step for the paused host.
    await c.claimed(id);
    await shape.tm1.kill("SIGKILL");
  } finally {
    resume(shape.tm2);
    resume(shape.compute);
  }
  const view = await c.settled(id);
  assert.equal(view.status, "ACTIVE", JSON.stringify(view));
  const task = await c.taskOf(id);
  assert.equal(task?.state, "succeeded");
  assert.ok((task?.attempts ?? 0) >= 2, "the create was resumed by another task manager");
  await shape.tm1.start();
  await c.finishCase(id);
});

test("the compute host SIGKILLed mid-create and started again: the create ends, the host holds what the store says", async () => {
  pause(shape.compute);
  const id = await c.create("compute-kill");
  await c.claimed(id);
  await sleep(500); // the provision request is on its way to the paused host
  await shape.compute.kill("SIGKILL");
  await shape.compute.start();
  const view = await c.settled(id);
  // The provision request waited in the host's queue for the restarted host agent.
  assert.equal(view.status, "ACTIVE", JSON.stringify(view));
  await c.finishCase(id);
});

test("an API SIGKILLed mid-create: the other API serves through HAProxy and the create finishes", async () => {
  pause(shape.compute);
  let id = "";
  try {
    id = await c.create("api-kill");
    await shape.api1.kill("SIGKILL");
    // Requests go on through the front door, not one failing, while HAProxy finds out.
    for (let i = 0; i < 6; i++) assert.equal((await c.once("GET", `/instances/${id}`)).status, 200);
  } finally {
    resume(shape.compute);
  }
  const view = await c.settled(id);
  assert.equal(view.status, "ACTIVE", JSON.stringify(view));
  await shape.api1.start();
  await c.finishCase(id);
});

test("RabbitMQ stopped and started mid-create: the create in flight finishes ACTIVE, one asked meanwhile is accepted and finishes too, delete leaves nothing", async () => {
  const since = c.taskManagerLogs();
  pause(shape.compute);
  let id = "";
  let during = "";
  try {
    id = await c.create("rabbit-restart");
    await c.claimed(id);
    await sleep(500);
    await shape.rabbit.halt();
    // Asked while the broker is down: accepted (not a 503 that leaves a record behind).
    during = await c.create("during-outage", { once: true });
    await sleep(2000);
    await shape.rabbit.start();
  } finally {
    resume(shape.compute);
  }
  for (const each of [id, during]) {
    const view = await c.settled(each);
    assert.equal(view.status, "ACTIVE", JSON.stringify(view));
  }
  // The fault landed in the create: its place step lost the bus, waited and tried again.
  assert.match(since(), /"code":"BUS_[A-Z_]+".*"msg":"step place failed; retrying"/);
  await c.finishCase(id);
  await c.finishCase(during);
});

test("PostgreSQL restarted mid-create: the create ends and the host holds what the store says", async () => {
  const since = c.taskManagerLogs();
  pause(shape.compute);
  let id = "";
  try {
    id = await c.create("pg-restart");
    await c.claimed(id);
    await shape.pg.halt();
    // The host answers while the database is away: the task manager must record that later.
    resume(shape.compute);
    await sleep(3000);
  } finally {
    resume(shape.compute);
    await shape.pg.start();
  }
  const view = await c.settled(id);
  assert.equal(view.status, "ACTIVE", JSON.stringify(view));
  // The fault landed in the create: a write of it found the database away, waited and tried again.
  assert.match(since(), /"code":"STORE_UNAVAILABLE".*failed; retrying/);
  await c.finishCase(id);
});

test("a create force-deleted before its host answered: delete finds the host and leaves nothing there", async () => {
  pause(shape.compute);
  let id = "";
  try {
    id = await c.create("deleted-mid-create");
    await c.claimed(id);
    await sleep(500); // the provision request is on its way to the paused host
    // What `trove force-delete` does: the admin resets the status (cancelling the create), then deletes.
    assert.equal((await c.http("POST", `/instances/${id}/action`, { reset_status: {} })).status, 202);
    assert.equal((await c.http("DELETE", `/instances/${id}`)).status, 202);
  } finally {
    resume(shape.compute);
  }
  await c.gone(id);
  await waitFor(async () => ((await c.openTasks()) === 0 ? true : undefined), {
    timeoutMs: 60_000,
    what: "every task to end",
  });
  // The host provisioned it (the request was already there) and then destroyed it.
  await c.assertHostMatchesStore();
});

test("a create that cannot succeed fails cleanly, at once, and delete after the failure leaves nothing", async () => {
  // Accepted by the parameter rules, fatal at the engine's start (wal_level minimal needs
  // max_wal_senders 0): retrying cannot change that, so the create fails without waiting.
  const group = await c.http("POST", "/configurations", {
    configuration: {
      name: "unworkable",
      values: { wal_level: "minimal" },
      datastore: { type: "postgresql" },
    },
  });
  assert.equal(group.status, 200, JSON.stringify(group.json));
  const configuration = (group.json as { configuration: { id: string } }).configuration.id;
  const id = await c.create("doomed", { configuration });
  const view = await c.settled(id);
  assert.equal(view.status, "ERROR", JSON.stringify(view));
  assert.equal((await c.taskOf(id))?.state, "failed");
  // Placed before it failed: the store names the host, and the host holds it until the delete.
  await c.finishCase(id);
  assert.equal((await c.http("DELETE", `/configurations/${configuration}`)).status, 202);
});

test("no fault took down a process it did not aim at: all six still run", () => {
  assert.deepEqual(notRunning(shape), []);
});
