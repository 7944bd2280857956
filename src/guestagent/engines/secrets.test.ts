import { test } from "node:test";
import assert from "node:assert/strict";
import { mysqlNativeHash, scramSha256Verifier } from "./secrets.js";

test("mysql_native_password hash matches MySQL's PASSWORD()", () => {
  // SELECT PASSWORD('password') on MySQL 5.x / MariaDB
  assert.equal(mysqlNativeHash("password"), "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19");
});

test("SCRAM verifiers are salted and shaped as PostgreSQL stores them", () => {
  const a = scramSha256Verifier("s3cret");
  const b = scramSha256Verifier("s3cret");
  assert.match(a ?? "", /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
  assert.notEqual(a, b, "a fresh salt each time");
  // Non-ASCII passwords go through SASLprep on the server: left for the server to hash.
  assert.equal(scramSha256Verifier("pässword"), undefined);
});
