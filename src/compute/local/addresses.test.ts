import { test, after } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CofferError } from "../../domain/index.js";
import { freePort } from "../../lib/index.js";
import { AddressGuards } from "./address-guard.js";
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

/** A /29 of its own, away from the pools of other tests that run beside this one. */
const randomRange = () => `127.${randomInt(200, 254)}.${randomInt(0, 256)}.${8 * randomInt(0, 32)}/29`;

function listen(host: string, port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

test("leases are the lowest free address, never 127.0.0.1, one per instance, and persist", async () => {
  const leases = join(dir, "a");
  // 127.0.0.0/29 for the sake of 127.0.0.1; what listens there on this host is not this test's business.
  // One set of claims: both pools stand for the same process.
  const options = { guards: new AddressGuards(), checkPorts: false };
  const pool = new AddressPool(leases, "127.0.0.0/29", options);
  assert.equal(await pool.lease("i1"), "127.0.0.2"); // .0 network, .1 the host's own
  assert.equal(await pool.lease("i1"), "127.0.0.2"); // the same instance keeps its address
  assert.equal(await pool.lease("i2"), "127.0.0.3");
  const reopened = new AddressPool(leases, "127.0.0.0/29", options);
  assert.equal(await reopened.lease("i2"), "127.0.0.3");
  await reopened.release("i1");
  assert.equal(await reopened.lease("i3"), "127.0.0.2"); // freed, reused
  await pool.release("i1"); // i1 no longer holds it: i3's lease stays
  assert.equal((await pool.leases()).get("127.0.0.2"), "i3");
});

test("concurrent leases from separate pools over one directory never share an address", async () => {
  const leases = join(dir, "b");
  const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);
  const range = `127.${randomInt(200, 254)}.${randomInt(0, 256)}.0/24`;
  const got = await Promise.all(ids.map((id) => new AddressPool(leases, range).lease(id)));
  assert.equal(new Set(got).size, ids.length);
  assert.ok(!got.some((a) => a.endsWith(".0") || a.endsWith(".255")));
  assert.equal((await readdir(leases)).length, ids.length);
});

test("an exhausted pool says so", async () => {
  const pool = new AddressPool(join(dir, "c"), randomRange().replace("/29", "/30"));
  await pool.lease("x");
  await pool.lease("y");
  await assert.rejects(pool.lease("z"), code("COMPUTE_ADDRESS_POOL_EXHAUSTED"));
});

test("two compute dirs (two Coffers) never lease the same address, at once or one after the other", async () => {
  const range = randomRange(); // six usable addresses
  const [a, b] = [new AddressPool(join(dir, "d1"), range), new AddressPool(join(dir, "d2"), range)];
  const got = await Promise.all([
    ...[1, 2, 3].map((i) => a.lease(`a${i}`)),
    ...[1, 2, 3].map((i) => b.lease(`b${i}`)),
  ]);
  assert.equal(new Set(got).size, 6, got.join(" "));
  await assert.rejects(b.lease("b4"), (err: unknown) => {
    assert.ok(err instanceof CofferError && err.code === "COMPUTE_ADDRESS_POOL_EXHAUSTED");
    assert.match(err.message, /3 held by other Coffers on this host/);
    return true;
  });
  await a.release("a1");
  assert.equal(await b.lease("b4"), got[0], "released by the one, leased by the other");
});

test("an address where the engine's port is taken is skipped; the port taken on every address is said", async () => {
  const range = parsePool(randomRange());
  const first = intToIp(range.first);
  const port = await freePort();
  const squatter = await listen(first, port); // another server of the same kind, there already
  try {
    const pool = new AddressPool(join(dir, "e"), `${first}/29`);
    assert.equal(await pool.lease("x", [port]), intToIp(range.first + 1));
  } finally {
    await close(squatter);
  }
  const everywhere = await listen("0.0.0.0", port);
  try {
    const pool = new AddressPool(join(dir, "f"), randomRange());
    await assert.rejects(pool.lease("y", [port]), (err: unknown) => {
      assert.ok(err instanceof CofferError && err.code === "COMPUTE_PORT_IN_USE", String(err));
      assert.match(err.message, new RegExp(`0\\.0\\.0\\.0:${port}`));
      return true;
    });
    assert.deepEqual(await readdir(join(dir, "f")), [], "nothing leased");
  } finally {
    await close(everywhere);
  }
});

test("a restarted Coffer claims its leases again; one leased meanwhile by another is reported", async () => {
  const range = randomRange();
  const guardsA = new AddressGuards();
  const a = new AddressPool(join(dir, "g1"), range, { guards: guardsA });
  const address = await a.lease("kept");
  guardsA.releaseAll(); // A stops: its claims end with it
  const b = new AddressPool(join(dir, "g2"), range);
  assert.equal(await b.lease("other"), address, "nothing listens there: B may have it");
  const restarted = new AddressPool(join(dir, "g1"), range);
  assert.deepEqual(await restarted.claimAll(), [{ address, instanceId: "kept" }]);
  await b.release("other");
  const again = new AddressPool(join(dir, "g1"), range);
  assert.deepEqual(await again.claimAll(), []);
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
