import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTestNetwork, type TestNetwork } from "../src/compute/testing.js";
import { run, waitFor, type RunResult } from "../src/lib/index.js";
import { startCoffer, type CofferServer } from "./support/coffer-server.js";

/*
 * access.is_public and allowed_cidrs end to end, with the real `openstack` client: a network
 * namespace joined to this host by a veth pair plays a machine on the operator's network, and the
 * real `psql` and `mysql` clients there connect to the public addresses Coffer hands out.
 */

let net: TestNetwork;
let server: CofferServer;
before(async () => {
  net = await startTestNetwork();
  server = await startCoffer({
    extraArgs: ["--public-address-pool", net.publicPool, "--public-interface", net.hostInterface],
  });
});
after(async () => {
  await server?.close();
  await net?.close();
});

interface Shown {
  id: string;
  status: string;
  operating_status: string;
  addresses: { address: string; type: string }[];
  public: boolean;
  allowed_cidrs: string[];
}

async function openstack(args: string[]): Promise<RunResult> {
  const result = await run("openstack", args, { env: server.env, timeoutMs: 120_000 });
  assert.equal(result.code, 0, `openstack ${args.join(" ")}: ${result.stderr}`);
  return result;
}

const show = async (name: string) =>
  JSON.parse((await openstack(["database", "instance", "show", name, "-f", "json"])).stdout) as Shown;

async function until(name: string, ok: (v: Shown) => boolean, what: string): Promise<Shown> {
  return waitFor(
    async () => {
      const v = await show(name);
      if (v.status === "ERROR") throw new Error(`${name} went to ERROR: ${JSON.stringify(v)}`);
      return ok(v) ? v : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 300, what: `${name} ${what}` },
  );
}

const healthy = (v: Shown) => v.status === "ACTIVE" && v.operating_status === "HEALTHY";
const addressOf = (v: Shown, type: string) => v.addresses.find((a) => a.type === type)?.address;

/** psql from the other machine; `ok` is whether it got the answer. */
async function psqlFromOutside(host: string): Promise<RunResult> {
  return net.run("psql", ["-h", host, "-U", "app", "-d", "shop", "-At", "-c", "select 6*7"], {
    env: { PATH: process.env.PATH, PGPASSWORD: "app-pw-1", PGCONNECT_TIMEOUT: "3" },
    timeoutMs: 20_000,
  });
}

async function mysqlFromOutside(host: string): Promise<RunResult> {
  return net.run(
    "mysql",
    [
      "--protocol=TCP",
      "-h",
      host,
      "-u",
      "app",
      "-papp-pw-1",
      "--connect-timeout=3",
      "-N",
      "-e",
      "select 6*7",
    ],
    { env: { PATH: process.env.PATH }, timeoutMs: 20_000 },
  );
}

async function enginePid(id: string): Promise<string> {
  return (await run("pgrep", ["-o", "-f", `${server.dir}/compute/host/instances/${id}`])).stdout.trim();
}

const create = (name: string, datastore: string, ...access: string[]) =>
  openstack([
    "database",
    "instance",
    "create",
    name,
    "--flavor",
    "2",
    "--size",
    "1",
    "--datastore",
    datastore,
    "--databases",
    "shop",
    "--users",
    "app:app-pw-1",
    ...access,
    "-f",
    "json",
  ]);

test("a public PostgreSQL instance answers on its public address, only to allowed CIDRs", async () => {
  await create("pg1", "postgresql", "--is-public", "--allowed-cidr", `${net.clientAddress}/32`);
  const pg = await until("pg1", healthy, "healthy");
  const pub = addressOf(pg, "public");
  assert.ok(pub?.startsWith(net.publicPool.split(".").slice(0, 3).join(".")), JSON.stringify(pg.addresses));
  assert.ok(addressOf(pg, "private")?.startsWith("127."));
  assert.equal(pg.public, true);
  assert.deepEqual(pg.allowed_cidrs, [`${net.clientAddress}/32`]);

  const reached = await psqlFromOutside(pub!);
  assert.equal(reached.code, 0, reached.stderr);
  assert.equal(reached.stdout.trim(), "42");

  // `--allowed-cidr` alone: the instance stays public, the filter changes, nothing restarts.
  const pid = await enginePid(pg.id);
  await openstack(["database", "instance", "update", "pg1", "--allowed-cidr", "10.0.0.0/8"]);
  const narrowed = await until("pg1", (v) => healthy(v) && v.allowed_cidrs[0] === "10.0.0.0/8", "narrowed");
  assert.equal(narrowed.public, true);
  assert.equal(addressOf(narrowed, "public"), pub);
  const refused = await psqlFromOutside(pub!);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /Connection refused/);
  assert.equal(await enginePid(pg.id), pid, "a filter change restarts nothing");
});

test("a private MariaDB instance becomes public and private again; its data stays", async () => {
  await create("my1", "mysql");
  const my = await until("my1", healthy, "healthy");
  assert.equal(my.public, false);
  assert.equal(addressOf(my, "public"), undefined);
  const seed = await run("mysql", [
    "--protocol=TCP",
    "-h",
    addressOf(my, "private")!,
    "-u",
    "app",
    "-papp-pw-1",
    "shop",
    "-e",
    "create table t (x int); insert into t values (7)",
  ]);
  assert.equal(seed.code, 0, seed.stderr);

  const pid = await enginePid(my.id);
  await openstack(["database", "instance", "update", "my1", "--is-public"]);
  const pub = await until("my1", (v) => healthy(v) && addressOf(v, "public") !== undefined, "public");
  const address = addressOf(pub, "public")!;
  const reached = await mysqlFromOutside(address);
  assert.equal(reached.code, 0, reached.stderr);
  assert.equal(reached.stdout.trim(), "42");
  assert.notEqual(await enginePid(my.id), pid, "the engine restarted to listen on its new address");

  await openstack(["database", "instance", "update", "my1", "--is-private"]);
  const priv = await until("my1", (v) => healthy(v) && addressOf(v, "public") === undefined, "private");
  assert.equal(priv.public, false);
  assert.notEqual((await mysqlFromOutside(address)).code, 0, "the address is gone");
  const data = await run("mysql", [
    "--protocol=TCP",
    "-h",
    addressOf(priv, "private")!,
    "-u",
    "app",
    "-papp-pw-1",
    "shop",
    "-N",
    "-e",
    "select x from t",
  ]);
  assert.equal(data.stdout.trim(), "7");
});

test("public addresses outlive a SIGKILLed Coffer, and deleting the instance takes them away", async () => {
  const pg = await show("pg1");
  const pub = addressOf(pg, "public")!;
  await openstack(["database", "instance", "update", "pg1", "--allowed-cidr", `${net.clientAddress}/32`]);
  await until("pg1", (v) => healthy(v) && v.allowed_cidrs[0] === `${net.clientAddress}/32`, "widened");
  await server.kill("SIGKILL");
  assert.equal((await psqlFromOutside(pub)).stdout.trim(), "42", "reachable while Coffer is down");
  await server.start();
  await until("pg1", healthy, "healthy after Coffer's restart");
  assert.equal((await psqlFromOutside(pub)).stdout.trim(), "42");

  await openstack(["database", "instance", "delete", "pg1"]);
  await waitFor(
    async () => {
      const list = await openstack(["database", "instance", "list", "-f", "json"]);
      return (JSON.parse(list.stdout) as { Name: string }[]).some((i) => i.Name === "pg1") ? undefined : true;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: "pg1 to be deleted" },
  );
  const held = await run("ip", ["-4", "-o", "addr", "show", "dev", net.hostInterface]);
  assert.ok(!held.stdout.includes(` ${pub}/32 `), "the address is off the interface");
  const tables = await run("nft", ["list", "tables"]);
  assert.ok(!tables.stdout.includes(pg.id.replace(/-/g, "_")), "its filter is gone");
});
