import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { openTestApp, routeTable, type TestApp } from "./testing.js";

/*
 * The OpenAPI document cannot drift from the routes: it is generated from them, and this checks
 * that what it says holds for every route the app has (read from Fastify's route table, so a new
 * route is checked without touching this file): each route is in it and nothing else, every path
 * parameter is declared, every operation states its fault shape, and what it says about tokens is
 * what the server does. The document itself must be valid OpenAPI 3.1.
 */

interface Operation {
  tags?: string[];
  security?: unknown[];
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

let t: TestApp;
let doc: Doc;
before(async () => {
  t = await openTestApp();
  const res = await t.app.inject({ method: "GET", url: "/openapi.json" });
  assert.equal(res.statusCode, 200, res.body);
  doc = JSON.parse(res.body) as Doc;
});
after(() => t.close());

const toOpenApi = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
const operations = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );

test("the document is valid OpenAPI 3.1, served without a token", async () => {
  assert.equal(doc.openapi, "3.1.0");
  const result = await new Validator().validate({ ...structuredClone(doc) });
  assert.ok(result.valid, JSON.stringify(result.errors, null, 1));
});

test("every route is in the document, and the document has nothing else", async () => {
  const served = routeTable(t.app).map((r) => `${r.method} ${toOpenApi(r.path)}`);
  const documented = operations().map((o) => `${o.method} ${o.path}`);
  assert.ok(served.length >= 60, `${served.length} routes`);
  assert.deepEqual([...documented].sort(), [...served].sort());
});

test("every operation declares its path parameters and its faults, by API", () => {
  for (const { method, path, op } of operations()) {
    const key = `${method} ${path}`;
    const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const declared = (op.parameters ?? []).filter((p) => p.in === "path");
    assert.deepEqual(declared.map((p) => p.name).sort(), [...names].sort(), key);
    assert.ok(
      declared.every((p) => p.required),
      key,
    );
    const fault = path.startsWith("/v3") ? "KeystoneError" : "TroveFault";
    for (const range of ["4XX", "5XX"]) {
      const ref = op.responses[range]?.content?.["application/json"]?.schema.$ref;
      assert.equal(ref, `#/components/schemas/${fault}`, `${key} ${range}`);
    }
    assert.equal(op.tags?.length, 1, key);
  }
});

test("what the document says about tokens is what the server does", async () => {
  let secured = 0;
  for (const { method, path, op } of operations()) {
    const url = path.replace(/\{[^}]+\}/g, "x");
    const res = await t.app.inject({ method: method as "GET", url });
    const needsToken = (op.security ?? []).length > 0;
    if (needsToken) secured++;
    assert.equal(
      res.statusCode === 401,
      needsToken,
      `${method} ${path} says token ${needsToken ? "required" : "not required"}; anonymous got ${res.statusCode} ${res.body}`,
    );
  }
  assert.ok(secured >= 50, `${secured} secured operations`);
});

test("the faults the server sends match the document's fault schemas", async () => {
  const schemas = (
    JSON.parse((await t.app.inject({ method: "GET", url: "/openapi.json" })).body) as {
      components: { schemas: Record<string, { additionalProperties?: { required: string[] } }> };
    }
  ).components.schemas;
  const trove = await t.app.inject({ method: "GET", url: "/v1.0/p/instances" });
  const inner = Object.values(JSON.parse(trove.body) as Record<string, Record<string, unknown>>)[0]!;
  for (const key of schemas.TroveFault!.additionalProperties!.required) assert.ok(key in inner, key);
  const keystone = JSON.parse((await t.app.inject({ method: "GET", url: "/v3/users" })).body);
  assert.deepEqual(Object.keys(keystone.error).sort(), ["code", "message", "title"]);
});
