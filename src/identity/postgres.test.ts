import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../config/index.js";
import { QuotaExceededError, systemClock, uuidGenerator } from "../domain/index.js";
import { silentLogger } from "../lib/index.js";
import { startTempPostgres, type TempPostgres } from "../lib/testing.js";
import { openStore, type Store } from "../store/index.js";
import { createPasswordHasher, TEST_SCRYPT_COST } from "./passwords.js";
import { createIdentity, type Identity } from "./service.js";

/*
 * The scaled-out shape: several Coffer processes (here, several identities each with its own
 * store pool) on one real PostgreSQL. Bootstraps that race create one admin; quota reservations
 * that race never pass a limit together.
 */
let pg: TempPostgres;
let dir: string;
const stores: Store[] = [];
before(async () => {
  pg = await startTempPostgres();
  dir = await mkdtemp(join(tmpdir(), "coffer-identity-pg-"));
});
after(async () => {
  for (const s of stores) await s.close();
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function openProcess(n: number): Promise<Identity> {
  const store = await openStore({ kind: "postgres", url: pg.url, poolSize: 4 }, { logger: silentLogger() });
  stores.push(store);
  await store.migrate();
  const config = resolveConfig({ env: {}, flags: { dataDir: join(dir, `p${n}`) } });
  return createIdentity({
    store,
    clock: systemClock,
    ids: uuidGenerator,
    config,
    hasher: createPasswordHasher(TEST_SCRYPT_COST),
  });
}

test("processes starting at once on one database bootstrap one admin between them", async () => {
  const identities = await Promise.all([1, 2, 3].map(openProcess));
  const results = await Promise.all(identities.map((i) => i.bootstrap({ adminPassword: "pg-admin" })));
  assert.equal(results.filter((r) => r.passwordSet).length, 1, "exactly one wrote the admin's password");
  const d = identities[0]!.directory;
  assert.equal((await d.listUsers({ name: "admin" })).length, 1);
  assert.deepEqual(
    (await d.listRoles()).map((r) => r.name),
    ["admin", "member", "reader"],
  );
  await identities[1]!.tokens.authenticate({
    identity: {
      methods: ["password"],
      password: { user: { name: "admin", domain: { id: "default" }, password: "pg-admin" } },
    },
    scope: { project: { name: "admin", domain: { id: "default" } } },
  });
});

test("racing multi-resource reservations from several processes never pass a limit", async () => {
  const identities = await Promise.all([4, 5, 6].map(openProcess));
  const project = "pg-race";
  await identities[0]!.quotas.setLimits(project, { instances: 4, volumes: 10 });
  const outcomes = await Promise.allSettled(
    Array.from({ length: 12 }, (_, i) =>
      identities[i % 3]!.quotas.reserve(project, { instances: 1, volumes: 3 }),
    ),
  );
  const passed = outcomes.filter((o) => o.status === "fulfilled").length;
  assert.equal(passed, 3, "volumes (3 × 3 ≤ 10) is the binding limit");
  for (const o of outcomes) {
    if (o.status === "rejected") assert.ok(o.reason instanceof QuotaExceededError, String(o.reason));
  }
  const usage = await identities[0]!.quotas.usage(project);
  const get = (r: string) => usage.find((u) => u.resource === r)!;
  assert.deepEqual(
    [get("instances").reserved, get("volumes").reserved],
    [3, 9],
    "all or nothing per request",
  );
});
