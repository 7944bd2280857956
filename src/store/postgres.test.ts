import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { freePort, silentLogger } from "../lib/index.js";
import { startTempPostgres, type TempPostgres } from "../lib/testing.js";
import { openStore, type Store } from "./index.js";
import { storeConformance } from "./store.conformance.js";
import { MIGRATIONS } from "./migrations/index.js";
import { checkExclusive } from "./conformance/exclusive.js";

// A real PostgreSQL server of our own; each test gets a new database on it.
let server: TempPostgres;
before(async () => {
  server = await startTempPostgres();
});
after(() => server?.stop());

let n = 0;
async function freshDatabaseUrl(): Promise<string> {
  const name = `store_test_${++n}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}

const open = async (url: string, poolSize?: number): Promise<Store> =>
  openStore({ kind: "postgres", url, ...(poolSize ? { poolSize } : {}) }, { logger: silentLogger() });

// A pool of 8 connections, so that concurrent reservations really race in the server.
storeConformance("postgres", async () => open(await freshDatabaseUrl(), 8));

test("postgres: two stores migrating one database at once apply each migration once", async () => {
  const url = await freshDatabaseUrl();
  const stores = [await open(url), await open(url), await open(url)];
  try {
    const results = await Promise.all(stores.map((s) => s.migrate()));
    assert.deepEqual(
      results.flatMap((r) => r.applied),
      MIGRATIONS.map(([name]) => name),
    );
    assert.equal((await stores[0]!.domains.list()).length, 1, "the default domain was seeded once");
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
});

test("postgres: exclusive sections are one at a time across processes (two stores on one database)", async () => {
  const url = await freshDatabaseUrl();
  const [a, b] = [await open(url), await open(url)];
  try {
    await checkExclusive(a, b);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test("postgres: an unreachable server is UnavailableError, retryable", async () => {
  const port = await freePort();
  const store = await open(`postgresql://postgres@127.0.0.1:${port}/postgres`);
  try {
    assert.equal(store.dialect, "postgres");
    for (const attempt of [() => store.ping(), () => store.migrate(), () => store.roles.list()])
      await assert.rejects(attempt(), { kind: "unavailable", code: "STORE_UNAVAILABLE", retryable: true });
  } finally {
    await store.close();
  }
});

test("postgres: a server that goes away turns into UnavailableError, not a crash", async () => {
  const own = await startTempPostgres();
  let store: Store | undefined;
  try {
    store = await open(own.url);
    await store.migrate();
    await store.ping(); // leaves idle connections in the pool, which the shutdown breaks
    await own.stop();
    await assert.rejects(store.roles.list(), { kind: "unavailable", retryable: true });
    await assert.rejects(store.ping(), { kind: "unavailable", code: "STORE_UNAVAILABLE" });
  } finally {
    await store?.close();
    await own.stop();
  }
});
