import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../lib/index.js";
import { openStore } from "../store/index.js";
import { registerCatalog } from "./index.js";

test("first start: each registered version gets its engine's parameter rules; later starts keep an admin's", async () => {
  const dir = await mkdtemp(join(tmpdir(), "coffer-catalog-"));
  const store = await openStore(
    { kind: "sqlite", path: join(dir, "coffer.sqlite") },
    { logger: silentLogger() },
  );
  try {
    await store.migrate();
    await registerCatalog(store, silentLogger());
    const versions = await store.datastoreVersions.list();
    assert.ok(versions.length >= 3, "postgresql, mysql and mariadb are installed here");
    for (const v of versions) {
      const rules = await store.parameterRules.list(v.id);
      assert.ok(rules.length >= 60, `${v.manager}: ${rules.length} rules`);
    }
    const pg = versions.find((v) => v.manager === "postgresql")!;
    const maxConnections = (await store.parameterRules.get(pg.id, "max_connections"))!;
    await store.parameterRules.upsert(pg.id, { ...maxConnections, max: 300 });
    await store.parameterRules.delete(pg.id, "work_mem");
    await registerCatalog(store, silentLogger());
    assert.equal((await store.parameterRules.get(pg.id, "max_connections"))?.max, 300);
    assert.equal(await store.parameterRules.get(pg.id, "work_mem"), undefined, "an admin's removal stands");
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
