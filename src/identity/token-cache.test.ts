import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../domain/index.js";
import { TokenCache } from "./token-cache.js";
import type { TokenInfo } from "./token-info.js";

const clock = new FakeClock("2026-01-01T00:00:00Z");
const info = (user: string, project: string | null, expiresInMs = 3_600_000): TokenInfo => ({
  methods: ["password"],
  auditId: "a",
  issuedAt: clock.now(),
  expiresAt: new Date(clock.now().getTime() + expiresInMs),
  user: { id: user, name: user, domain: { id: "default", name: "Default" } },
  project:
    project === null ? null : { id: project, name: project, domain: { id: "default", name: "Default" } },
  roles: [],
});

test("entries live for the TTL, or until the token expires if sooner", () => {
  const cache = new TokenCache(clock, 30_000);
  cache.put("h1", info("u", "p"));
  cache.put("h2", info("u", "p", 5_000));
  clock.advance(4_000);
  assert.ok(cache.get("h1") && cache.get("h2"));
  clock.advance(2_000);
  assert.equal(cache.get("h2"), undefined);
  assert.ok(cache.get("h1"));
  clock.advance(25_000);
  assert.equal(cache.get("h1"), undefined);
});

test("invalidation by user, by project, or both", () => {
  const cache = new TokenCache(clock, 30_000);
  cache.put("a", info("u1", "p1"));
  cache.put("b", info("u1", "p2"));
  cache.put("c", info("u2", "p1"));
  cache.put("d", info("u2", null));
  cache.invalidate({ userId: "u1", projectId: "p2" });
  assert.deepEqual(
    ["a", "b", "c", "d"].map((k) => !!cache.get(k)),
    [true, false, true, true],
  );
  cache.invalidate({ projectId: "p1" });
  assert.deepEqual(
    ["a", "c", "d"].map((k) => !!cache.get(k)),
    [false, false, true],
  );
  cache.invalidate({ userId: "u2" });
  assert.equal(cache.size, 0);
});

test("a TTL of 0 disables caching; a full cache evicts the oldest", () => {
  const off = new TokenCache(clock, 0);
  off.put("a", info("u", "p"));
  assert.equal(off.get("a"), undefined);
  const small = new TokenCache(clock, 30_000, 2);
  small.put("a", info("u", "p"));
  small.put("b", info("u", "p"));
  small.put("c", info("u", "p"));
  assert.equal(small.size, 2);
  assert.equal(small.get("a"), undefined);
  assert.ok(small.get("c"));
});
