/**
 * store/testing: fixtures for tests of other components (never production code): a migrated
 * SQLite store in a temp dir, and the catalog rows (a PostgreSQL datastore version and the
 * c1.nano flavor) that instance rows refer to.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../lib/index.js";
import { openStore } from "./open.js";
import type { Store } from "./port.js";

export { seedInstances } from "./conformance/harness.js";

export async function openTempSqliteStore(): Promise<{ store: Store; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "coffer-store-"));
  const store = await openStore(
    { kind: "sqlite", path: join(dir, "coffer.sqlite") },
    { logger: silentLogger() },
  );
  await store.migrate();
  return {
    store,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
