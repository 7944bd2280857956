import { test } from "node:test";
import assert from "node:assert/strict";
import { MIGRATIONS } from "./index.js";

test("migrations are numbered 0001, 0002, … in order, and each loads", async () => {
  const names = MIGRATIONS.map(([name]) => name);
  names.forEach((name, i) => {
    assert.match(name, /^\d{4}_[a-z0-9_]+$/);
    assert.equal(Number(name.slice(0, 4)), i + 1, `${name} is number ${i + 1}`);
  });
  for (const [name, load] of MIGRATIONS) assert.equal(typeof (await load()).up, "function", name);
});
