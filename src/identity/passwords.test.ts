import { test } from "node:test";
import assert from "node:assert/strict";
import { createPasswordHasher, DEFAULT_SCRYPT_COST, TEST_SCRYPT_COST } from "./passwords.js";

const hasher = createPasswordHasher(TEST_SCRYPT_COST);

test("a hash verifies its password and no other", async () => {
  const stored = await hasher.hash("correct horse");
  assert.match(stored, /^scrypt\$10\$8\$1\$[\w-]+\$[\w-]+$/);
  assert.equal(await hasher.verify("correct horse", stored), true);
  assert.equal(await hasher.verify("correct horsE", stored), false);
  assert.equal(await hasher.verify("", stored), false);
});

test("hashes are salted: the same password hashes differently each time", async () => {
  const a = await hasher.hash("pw");
  const b = await hasher.hash("pw");
  assert.notEqual(a, b);
  assert.ok(!a.includes("pw"));
});

test("the stored parameters are used, so a cost change keeps old hashes valid", async () => {
  const stronger = createPasswordHasher({ log2N: 11, r: 8, p: 1 });
  const old = await hasher.hash("pw");
  assert.equal(await stronger.verify("pw", old), true);
});

test("unreadable hashes never verify and never throw", async () => {
  for (const bad of ["", "plain", "scrypt$x$8$1$a$b", "scrypt$40$8$1$AAAA$AAAA", "bcrypt$10$8$1$AAAA$AAAA"]) {
    assert.equal(await hasher.verify("pw", bad), false, bad);
  }
});

test("the default cost is slow enough to matter", async () => {
  const real = createPasswordHasher(DEFAULT_SCRYPT_COST);
  const started = performance.now();
  const stored = await real.hash("pw");
  assert.ok(performance.now() - started > 5, "a scrypt hash at the default cost takes more than 5 ms");
  assert.equal(await real.verify("pw", stored), true);
});
