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
  // Another name does not wait: the section under "one" ends only once the one under "two" has
  // run, which it could not if either waited for the other. (No timing: a busy machine is slow.)
  let twoRan!: () => void;
  const ran = new Promise<void>((resolve) => (twoRan = resolve));
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("sections of different names waited for each other")), 10_000);
  });
  try {
    const both = Promise.all([
      a.exclusive("one", async () => {
        await ran;
        return "one";
      }),
      b.exclusive("two", async () => {
        twoRan();
        return "two";
      }),
    ]);
    assert.deepEqual(await Promise.race([both, stuck]), ["one", "two"]);
  } finally {
    clearTimeout(timer);
  }
}

export function exclusiveCases(factory: StoreFactory): void {
  test("exclusive sections of one name run one at a time and let go on a throw", async (t) => {
    const store = await openFresh(t, factory);
    await checkExclusive(store, store);
  });
}
