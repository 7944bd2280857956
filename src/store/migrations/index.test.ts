import { test } from "node:test";
import assert from "node:assert/strict";
import { MIGRATIONS } from "./index.js";

test("migrations are numbered in increasing order, and each loads", async () => {
  const names = MIGRATIONS.map(([name]) => name);
  names.forEach((name, i) => {
    assert.match(name, /^\d{4}_[a-z0-9_]+$/);
    // Numbers may have gaps while changes developed in parallel reserve theirs (0003 is another's).
    if (i > 0)
      assert.ok(
        Number(name.slice(0, 4)) > Number(names[i - 1]!.slice(0, 4)),
        `${name} after ${names[i - 1]}`,
      );
  });
  for (const [name, load] of MIGRATIONS) assert.equal(typeof (await load()).up, "function", name);
});
