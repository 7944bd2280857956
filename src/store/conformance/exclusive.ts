import { test } from "node:test";
import assert from "node:assert/strict";
import { sleep } from "../../lib/index.js";
import type { Store } from "../port.js";
import { openFresh, type StoreFactory } from "./harness.js";

/**
 * Sections under one lock name never overlap; sections under different names do not wait for
 * each other. Across processes (PostgreSQL) the dialect's own test runs this over two stores.
 */
export async function checkExclusive(a: Store, b: Store): Promise<void> {
  const log: string[] = [];
  const section = (store: Store, who: string, name = "bootstrap") =>
    store.exclusive(name, async () => {
      log.push(`${who} in`);
      await sleep(60);
      log.push(`${who} out`);
      return who;
    });
  const results = await Promise.all([section(a, "a1"), section(b, "b1"), section(a, "a2")]);
  assert.deepEqual(results, ["a1", "b1", "a2"]);
  for (let i = 0; i < log.length; i += 2) {
    assert.equal(log[i]?.replace(" in", ""), log[i + 1]?.replace(" out", ""), `overlap: ${log.join(", ")}`);
  }
  // A throw lets the lock go, and reaches the caller.
  await assert.rejects(
    a.exclusive("bootstrap", async () => {
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(await b.exclusive("bootstrap", async () => "free again"), "free again");
  // Another name does not wait: each section, inside its own lock, waits for the other to enter
  // (by order, not by time: a loaded machine must not fail it). Had one waited, the other would
  // wait in vain.
  let entered = 0;
  const meet = (store: Store, name: string) =>
    store.exclusive(name, async () => {
      entered++;
      for (let waited = 0; entered < 2; waited += 10) {
        if (waited > 10_000) throw new Error("sections of different names waited for each other");
        await sleep(10);
      }
    });
  await Promise.all([meet(a, "one"), meet(b, "two")]);
}

export function exclusiveCases(factory: StoreFactory): void {
  test("exclusive sections of one name run one at a time and let go on a throw", async (t) => {
    const store = await openFresh(t, factory);
    await checkExclusive(store, store);
  });
}
