import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { silentLogger } from "../lib/index.js";
import { openStore } from "./index.js";
import { storeConformance } from "./store.conformance.js";

const dir = await mkdtemp(join(tmpdir(), "coffer-store-sqlite-"));
after(() => rm(dir, { recursive: true, force: true }));

let n = 0;
storeConformance("sqlite", () =>
  openStore({ kind: "sqlite", path: join(dir, `db-${++n}`, "coffer.sqlite") }, { logger: silentLogger() }),
);

test("sqlite: creates the parent directory, uses WAL, keeps data across reopen", async () => {
  const path = join(dir, "nested", "deeper", "coffer.sqlite");
  const first = await openStore({ kind: "sqlite", path }, { logger: silentLogger() });
  try {
    assert.equal(first.dialect, "sqlite");
    await first.migrate();
    await first.roles.create({ id: "r", name: "admin" });
    assert.ok(existsSync(`${path}-wal`), "write-ahead log in use");
  } finally {
    await first.close();
  }
  const second = await openStore({ kind: "sqlite", path }, { logger: silentLogger() });
  try {
    assert.deepEqual(await second.migrate(), { applied: [] });
    assert.deepEqual(await second.roles.get("r"), { id: "r", name: "admin" });
  } finally {
    await second.close();
  }
});

test("sqlite: a database migrated by a newer Coffer is refused", async () => {
  const path = join(dir, "newer", "coffer.sqlite");
  const store = await openStore({ kind: "sqlite", path }, { logger: silentLogger() });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  const raw = new Database(path);
  raw.prepare("insert into kysely_migration (name, timestamp) values ('9999_from_the_future', 'x')").run();
  raw.close();
  const again = await openStore({ kind: "sqlite", path }, { logger: silentLogger() });
  try {
    await assert.rejects(again.migrate(), { kind: "internal", code: "STORE_MIGRATION_FAILED" });
  } finally {
    await again.close();
  }
});
