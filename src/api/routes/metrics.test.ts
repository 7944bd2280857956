import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { registerCatalog } from "../../catalog/index.js";
import type { TestUser } from "../../identity/testing.js";
import { silentLogger } from "../../lib/index.js";
import { openTestApp, type TestApp } from "../testing.js";

// GET /metrics and GET instances/{id}/metrics over a real store: who may read them, and that
// what the conductor stored about an instance comes out as its series.
let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let instanceId: string;
const SCRAPE = "scrape-credential-for-tests";

before(async () => {
  t = await openTestApp({ env: { COFFER_METRICS_TOKEN: SCRAPE } });
  await registerCatalog(t.fx.store, silentLogger());
  alice = await t.fx.addUser("alpha", "alice", ["member"]);
  bob = await t.fx.addUser("beta", "bob", ["member"]);
  const created = await t.app.inject({
    method: "POST",
    url: `/v1.0/${alice.project.id}/instances`,
    headers: { "x-auth-token": alice.token },
    payload: {
      instance: { name: "db1", flavorRef: "2", volume: { size: 2 }, datastore: { type: "postgresql" } },
    },
  });
  assert.equal(created.statusCode, 200, created.body);
  instanceId = created.json().instance.id;
  // What the conductor writes from a heartbeat.
  const now = t.fx.clock.now();
  await t.fx.store.serviceStatuses.set(instanceId, "healthy", now);
  await t.fx.store.instances.update(instanceId, { volumeUsedGb: 0.5, updatedAt: now });
  await t.fx.store.engineFigures.set(instanceId, { connections: 3, transactions: 1234 }, now);
});
after(() => t.close());

const scrape = (headers: Record<string, string>, query = "") =>
  t.app.inject({ method: "GET", url: `/metrics${query}`, headers });

test("/metrics needs the scrape credential or an admin's token", async () => {
  assert.equal((await scrape({})).statusCode, 401);
  assert.equal((await scrape({ authorization: "Bearer wrong" })).statusCode, 401);
  assert.equal((await scrape({ "x-auth-token": alice.token })).statusCode, 403);
  assert.equal((await scrape({ authorization: `Bearer ${alice.token}` })).statusCode, 403);
  const bySecret = await scrape({ authorization: `Bearer ${SCRAPE}` });
  assert.equal(bySecret.statusCode, 200);
  assert.match(String(bySecret.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
  assert.equal((await scrape({ "x-auth-token": t.fx.admin.token })).statusCode, 200);
  assert.equal((await scrape({ authorization: `Bearer ${t.fx.admin.token}` })).statusCode, 200);
  const bad = await scrape({ authorization: `Bearer ${SCRAPE}` }, "?include=everything");
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().badRequest.message, /include must be one of/);
});

test("/metrics serves request and token-check metrics, and each instance's series", async () => {
  const res = await scrape({ authorization: `Bearer ${SCRAPE}` });
  const text = res.body;
  assert.match(
    text,
    /coffer_http_request_duration_seconds_count\{method="POST",route="\/v1.0\/:projectId\/instances",status="200"\} 1/,
  );
  assert.match(text, /coffer_token_checks_total\{result="valid"\} \d+/);
  const ids = `instance_id="${instanceId}",project_id="${alice.project.id}"`;
  assert.ok(text.includes(`coffer_instance_connections{${ids}} 3\n`), text);
  assert.ok(text.includes(`coffer_instance_transactions_total{${ids}} 1234\n`));
  assert.ok(text.includes(`coffer_instance_up{${ids}} 1\n`));
  assert.ok(text.includes(`coffer_instance_volume_size_bytes{${ids}} ${2 * 2 ** 30}\n`));
  assert.ok(text.includes(`coffer_instance_volume_used_bytes{${ids}} ${2 ** 29}\n`));
  assert.match(text, new RegExp(`coffer_instance_info\\{${ids},name="db1",datastore="postgresql",`));

  const processOnly = (await scrape({ authorization: `Bearer ${SCRAPE}` }, "?include=process")).body;
  assert.doesNotMatch(processOnly, /coffer_instance_/);
  const instancesOnly = (await scrape({ authorization: `Bearer ${SCRAPE}` }, "?include=instances")).body;
  assert.doesNotMatch(instancesOnly, /coffer_http_request/);
  assert.match(instancesOnly, /coffer_instance_up/);
});

test("an instance whose heartbeats stopped is not up", async () => {
  t.fx.clock.advance(10 * 60_000);
  try {
    const text = (await scrape({ authorization: `Bearer ${SCRAPE}` }, "?include=instances")).body;
    assert.ok(
      text.includes(`coffer_instance_up{instance_id="${instanceId}",project_id="${alice.project.id}"} 0\n`),
    );
  } finally {
    t.fx.clock.advance(-10 * 60_000);
  }
});

test("a project's member reads its instance's figures; another project's gets 404", async () => {
  const url = `/v1.0/${alice.project.id}/instances/${instanceId}/metrics`;
  const res = await t.app.inject({ method: "GET", url, headers: { "x-auth-token": alice.token } });
  assert.equal(res.statusCode, 200, res.body);
  const m = res.json().metrics;
  assert.equal(m.instance_id, instanceId);
  assert.equal(m.up, true);
  assert.deepEqual(m.figures, { connections: 3, transactions: 1234 });
  assert.deepEqual(m.volume, { size_bytes: 2 * 2 ** 30, used_bytes: 2 ** 29 });

  const text = await t.app.inject({
    method: "GET",
    url,
    headers: { "x-auth-token": alice.token, accept: "text/plain;version=0.0.4" },
  });
  assert.match(text.body, /coffer_instance_connections\{instance_id="[^"]+",project_id="[^"]+"\} 3/);

  const stranger = await t.app.inject({
    method: "GET",
    url: `/v1.0/${bob.project.id}/instances/${instanceId}/metrics`,
    headers: { "x-auth-token": bob.token },
  });
  assert.equal(stranger.statusCode, 404);
});
