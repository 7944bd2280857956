import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CofferError } from "../../domain/index.js";
import { AddressPool, intToIp, ipToInt, parsePool, parsePublicPool } from "./addresses.js";

const dir = await mkdtemp(join(tmpdir(), "coffer-addresses-"));
after(() => rm(dir, { recursive: true, force: true }));

const code = (c: string) => (err: unknown) => err instanceof CofferError && err.code === c;

test("a pool keeps inside 127.0.0.0/8 and leaves out the network and broadcast addresses", () => {
  const r = parsePool("127.100.0.0/16");
  assert.equal(intToIp(r.first), "127.100.0.1");
  assert.equal(intToIp(r.last), "127.100.255.254");
  assert.equal(intToIp(parsePool("127.5.6.7/24").first), "127.5.6.1"); // host bits are masked off
  assert.equal(ipToInt("127.0.0.1"), 0x7f000001);
  for (const bad of [
    "10.0.0.0/8",
    "0.0.0.0/0",
    "127.0.0.0/31",
    "127.0.0.0",
    "127.0.0.300/24",
    "128.0.0.0/8",
  ]) {
    assert.throws(() => parsePool(bad), code("INVALID_ADDRESS_POOL"), bad);
  }
});

test("leases are the lowest free address, never 127.0.0.1, one per instance, and persist", async () => {
  const leases = join(dir, "a");
  const pool = new AddressPool(leases, "127.0.0.0/29");
  assert.equal(await pool.lease("i1"), "127.0.0.2"); // .0 network, .1 the host's own
  assert.equal(await pool.lease("i1"), "127.0.0.2"); // the same instance keeps its address
  assert.equal(await pool.lease("i2"), "127.0.0.3");
  const reopened = new AddressPool(leases, "127.0.0.0/29");
  assert.equal(await reopened.lease("i2"), "127.0.0.3");
  await reopened.release("i1");
  assert.equal(await reopened.lease("i3"), "127.0.0.2"); // freed, reused
  await pool.release("i1"); // i1 no longer holds it: i3's lease stays
  assert.equal((await pool.leases()).get("127.0.0.2"), "i3");
});

test("concurrent leases from separate pools over one directory never share an address", async () => {
  const leases = join(dir, "b");
  const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);
  const got = await Promise.all(ids.map((id) => new AddressPool(leases, "127.9.9.0/24").lease(id)));
  assert.equal(new Set(got).size, ids.length);
  assert.ok(!got.includes("127.9.9.0") && !got.includes("127.9.9.255"));
  assert.equal((await readdir(leases)).length, ids.length);
});

test("an exhausted pool says so", async () => {
  const pool = new AddressPool(join(dir, "c"), "127.8.8.0/30");
  await pool.lease("x");
  await pool.lease("y");
  await assert.rejects(pool.lease("z"), code("COMPUTE_ADDRESS_POOL_EXHAUSTED"));
});

test("a public pool is routable space; a /31 or /32 uses every address", () => {
  const r = parsePublicPool("203.0.113.16/28");
  assert.equal(intToIp(r.first), "203.0.113.17");
  assert.equal(intToIp(r.last), "203.0.113.30");
  const one = parsePublicPool("198.51.100.7/32");
  assert.equal(intToIp(one.first), "198.51.100.7");
  assert.equal(intToIp(one.last), "198.51.100.7");
  const pair = parsePublicPool("198.51.100.8/31");
  assert.deepEqual([intToIp(pair.first), intToIp(pair.last)], ["198.51.100.8", "198.51.100.9"]);
  for (const bad of [
    "127.100.0.0/24",
    "0.1.2.0/24",
    "224.0.0.0/24",
    "240.0.0.0/24",
    "10.0.0.0/8",
    "10.0.0.0",
  ]) {
    assert.throws(() => parsePublicPool(bad), code("INVALID_ADDRESS_POOL"), bad);
  }
});
