import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { systemClock } from "../domain/index.js";
import { openIdentityFixture, type IdentityFixture } from "../identity/testing.js";
import { silentLogger } from "../lib/index.js";
import { createInProcessBus } from "../bus/index.js";
import { buildApp } from "./app.js";

let fx: IdentityFixture;
before(async () => {
  fx = await openIdentityFixture();
});
after(() => fx.close());

async function app(healthChecks: Record<string, () => Promise<void>> = {}) {
  const { config, identity, store } = fx;
  const bus = createInProcessBus({ logger: silentLogger() });
  return buildApp({ config, logger: silentLogger(), clock: systemClock, identity, store, bus, healthChecks });
}

test("GET / answers Trove's version document with a request id", async () => {
  const a = await app();
  const res = await a.inject({ method: "GET", url: "/", headers: { host: "db.example:8779" } });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers["x-openstack-request-id"] as string, /^req-[0-9a-f-]{36}$/);
  assert.deepEqual(res.json(), {
    versions: [
      {
        id: "v1.0",
        status: "CURRENT",
        updated: "2012-08-01T00:00:00Z",
        links: [{ rel: "self", href: "http://db.example:8779/v1.0/" }],
      },
    ],
  });
});

test("unknown routes get an itemNotFound fault", async () => {
  const res = await (await app()).inject({ method: "GET", url: "/v1.0/nope/things" });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().itemNotFound.code, 404);
  assert.ok(res.headers["x-openstack-request-id"]);
});

test("malformed JSON gets a badRequest fault, not the framework's error", async () => {
  const a = await app();
  a.post("/echo", async (req) => ({ got: req.body ?? null }));
  const res = await a.inject({
    method: "POST",
    url: "/echo",
    headers: { "content-type": "application/json" },
    payload: "{not json",
  });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), { badRequest: { code: 400, message: "The request body is not valid JSON." } });
});

test("an empty JSON body counts as no body", async () => {
  const a = await app();
  a.put("/echo", async (req) => ({ got: req.body ?? null }));
  const res = await a.inject({
    method: "PUT",
    url: "/echo",
    headers: { "content-type": "application/json" },
  });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { got: null });
});

test("schema violations read like Trove's validation errors", async () => {
  const a = await app();
  a.post(
    "/things",
    {
      schema: {
        body: {
          type: "object",
          required: ["instance"],
          properties: {
            instance: {
              type: "object",
              properties: { volume: { type: "object", properties: { size: { type: "integer" } } } },
            },
          },
        },
      },
    },
    async () => ({ ok: true }),
  );
  const res = await a.inject({
    method: "POST",
    url: "/things",
    payload: { instance: { volume: { size: "x" } } },
  });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().badRequest.message, "Validation error: instance['volume']['size'] must be integer");
});

test("unexpected errors are a 500 fault that hides the message", async () => {
  const a = await app();
  a.get("/boom", async () => {
    throw new Error("password=hunter2");
  });
  const res = await a.inject({ method: "GET", url: "/boom" });
  assert.equal(res.statusCode, 500);
  assert.match(res.json().instanceFault.message, /Please keep this ID/);
  assert.doesNotMatch(res.body, /hunter2/);
});

test("healthcheck reports failing dependencies with 503", async () => {
  const ok = await (await app({ store: async () => {} })).inject({ method: "GET", url: "/healthcheck" });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.body, "OK");
  const bad = await (
    await app({
      store: async () => {},
      bus: async () => {
        throw new Error("down");
      },
    })
  ).inject({ method: "GET", url: "/healthcheck" });
  assert.equal(bad.statusCode, 503);
  assert.equal(bad.body, "FAILED: bus");
});
