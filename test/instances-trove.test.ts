import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { run, waitFor, type RunResult } from "../src/lib/index.js";
import { adminSession, startCoffer, trove, type CofferServer } from "./support/coffer-server.js";

/*
 * The instances issue's "done when", end to end: the real server with every role, the real
 * `trove` CLI, and the real `mysql` and `psql` clients connecting to the engines at the
 * addresses the API reports, on their standard ports.
 */

let server: CofferServer;
before(async () => {
  server = await startCoffer();
});
after(() => server.close());

interface View {
  id: string;
  status: string;
  operating_status: string;
  ip?: string | string[];
  flavor: string | { id: string };
  volume: number | { size: number };
}

async function show(name: string): Promise<View> {
  const result = await trove(server, ["--json", "show", name]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as View;
}

async function until(
  name: string,
  ok: (v: View) => boolean,
  what: string,
  timeoutMs = 90_000,
): Promise<View> {
  return waitFor(
    async () => {
      const view = await show(name);
      if (view.status === "ERROR") throw new Error(`${name} went to ERROR: ${JSON.stringify(view)}`);
      return ok(view) ? view : undefined;
    },
    { timeoutMs, intervalMs: 300, what: `${name} ${what}` },
  );
}
const healthy = (v: View) => v.status === "ACTIVE" && v.operating_status === "HEALTHY";
const ipOf = (v: View) => (Array.isArray(v.ip) ? v.ip[0]! : v.ip!);

async function ok(args: string[]): Promise<RunResult> {
  const result = await trove(server, args);
  assert.equal(result.code, 0, `trove ${args.join(" ")}: ${result.stderr}`);
  return result;
}

function mysql(host: string, sql: string, db = "shop"): Promise<RunResult> {
  return run("mysql", [
    "--protocol=TCP",
    "-h",
    host,
    "-P",
    "3306",
    "-u",
    "alice",
    "-palice-pw",
    db,
    "-N",
    "-e",
    sql,
  ]);
}
function psql(host: string, sql: string): Promise<RunResult> {
  return run("psql", ["-h", host, "-p", "5432", "-U", "bob", "-d", "app", "-At", "-c", sql], {
    env: { ...process.env, PGPASSWORD: "bob-pw", PGCONNECT_TIMEOUT: "5" },
  });
}
function enginePids(): Promise<string> {
  return run("pgrep", ["-f", `${server.dir}/compute/host/instances/`]).then((r) =>
    r.stdout.split("\n").sort().join(" ").trim(),
  );
}

test("trove create reaches ACTIVE/HEALTHY for mysql and postgresql, and their users connect", async () => {
  await ok([
    "create",
    "vm1",
    "2",
    "--size",
    "3",
    "--datastore",
    "mysql",
    "--databases",
    "shop",
    "--users",
    "alice:alice-pw",
  ]);
  await ok([
    "create",
    "pg1",
    "2",
    "--size",
    "1",
    "--datastore",
    "postgresql",
    "--databases",
    "app",
    "--users",
    "bob:bob-pw",
  ]);
  const vm1 = await until("vm1", healthy, "healthy");
  const pg1 = await until("pg1", healthy, "healthy");
  assert.notEqual(ipOf(vm1), ipOf(pg1), "each instance has its own address");
  assert.notEqual(ipOf(vm1), "127.0.0.1");

  const my = await mysql(ipOf(vm1), "create table t (x int); insert into t values (42); select x from t;");
  assert.equal(my.code, 0, my.stderr);
  assert.equal(my.stdout.trim(), "42");
  const pg = await psql(ipOf(pg1), "create table t (x int); insert into t values (7); select x from t;");
  assert.equal(pg.code, 0, pg.stderr);
  assert.match(pg.stdout, /^7$/m);

  const list = JSON.parse((await ok(["--json", "list"])).stdout) as { name: string }[];
  assert.deepEqual(list.map((i) => i.name).sort(), ["pg1", "vm1"]);
});

test("restart, resize-volume and resize-instance do what they say", async () => {
  const pidsBefore = await enginePids();
  await ok(["restart", "vm1"]);
  await until("vm1", healthy, "healthy after restart");
  assert.notEqual(await enginePids(), pidsBefore, "the engine process was restarted");

  // The volume (XFS on a host with xfsprogs) grows while the engine keeps running.
  const pidsRunning = await enginePids();
  await ok(["resize-volume", "vm1", "4"]);
  const grown = await until(
    "vm1",
    (v) => healthy(v) && (typeof v.volume === "number" ? v.volume : v.volume.size) === 4,
    "volume 4",
  );
  const df = await run("df", [
    "-BG",
    "--output=size",
    `${server.dir}/compute/host/instances/${grown.id}/volume`,
  ]);
  assert.match(df.stdout, /\b4G\b/); // XFS: 4 GiB less its 64 MiB log, which df -BG rounds up
  assert.equal(await enginePids(), pidsRunning, "grown online: the same engine processes");

  await ok(["resize-instance", "vm1", "3"]);
  const resized = await until(
    "vm1",
    (v) => healthy(v) && (typeof v.flavor === "string" ? v.flavor : v.flavor.id) === "3",
    "flavor 3",
  );
  assert.equal(resized.status, "ACTIVE");
  const data = await mysql(ipOf(resized), "select x from t;");
  assert.equal(data.stdout.trim(), "42", "data survives restart and resizes");
});

test("writing past the volume fails inside the engine, which stays up; after resize-volume it succeeds", async () => {
  const host = ipOf(await show("pg1"));
  // Out-of-line storage without compression, so that every byte really lands on the volume.
  const setup = await psql(
    host,
    "create table big (x text); alter table big alter column x set storage external;",
  );
  assert.equal(setup.code, 0, setup.stderr);
  const fill = "insert into big select repeat(md5(r::text), 32768) from generate_series(1, 1100) r"; // 1.1 GB
  const full = await psql(host, fill);
  assert.notEqual(full.code, 0, "1.1 GB does not fit on a 1 GB volume");
  assert.match(full.stderr, /No space left on device/, JSON.stringify(full));
  assert.equal((await psql(host, "select 1")).stdout.trim(), "1", "the engine is still up");
  await psql(host, "truncate big; checkpoint;"); // give back what the failed write left behind

  // The same write with room for it and its write-ahead log.
  await ok(["resize-volume", "pg1", "4"]);
  await until(
    "pg1",
    (v) => healthy(v) && (typeof v.volume === "number" ? v.volume : v.volume.size) === 4,
    "volume 4",
    120_000,
  );
  const retry = await psql(host, fill);
  assert.equal(retry.code, 0, retry.stderr);
  assert.equal((await psql(host, "select count(*) from big")).stdout.trim(), "1100");
  await psql(host, "drop table big");
});

test("a SIGKILLed Coffer loses no data and keeps the same engines; a killed engine shows and comes back", async () => {
  const pids = await enginePids();
  await server.kill("SIGKILL");
  assert.equal(await enginePids(), pids, "engines outlive the control plane");
  await server.start();
  assert.equal(await enginePids(), pids, "the restarted Coffer adopts them instead of starting new ones");
  const vm1 = await until("vm1", healthy, "healthy after Coffer's restart");
  assert.equal((await mysql(ipOf(vm1), "select x from t;")).stdout.trim(), "42");

  const engine = (await run("pgrep", ["-f", `${server.dir}/compute/host/instances/${vm1.id}`])).stdout.split(
    "\n",
  )[0]!;
  // The guest agent reports the dead engine and launches it again within about a heartbeat, so
  // watch the API itself at a pace no CLI can keep.
  const { token, base } = await adminSession(server);
  const seen = new Set<string>();
  process.kill(Number(engine), "SIGKILL");
  await waitFor(
    async () => {
      const res = await fetch(`${base}/instances/${vm1.id}`, { headers: { "x-auth-token": token } });
      const view = ((await res.json()) as { instance: View }).instance;
      seen.add(view.operating_status);
      return seen.has("SHUTDOWN") ? true : undefined;
    },
    {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: `vm1 to show its engine down (seen: ${[...seen].join(", ")})`,
    },
  );
  await until("vm1", healthy, "to be brought back", 60_000);
  assert.equal((await mysql(ipOf(vm1), "select x from t;")).stdout.trim(), "42");
});

test("a create cut short by a SIGKILL of Coffer finishes after the restart", async () => {
  await ok([
    "create",
    "interrupted",
    "6",
    "--size",
    "1",
    "--datastore",
    "postgresql",
    "--users",
    "carol:carol-pw",
    "--databases",
    "c",
  ]);
  await server.kill("SIGKILL"); // within a few hundred ms of the POST: the create task is mid-flight
  await server.start();
  const view = await until("interrupted", healthy, "healthy after the interrupted create", 120_000);
  const q = await run("psql", ["-h", ipOf(view), "-U", "carol", "-d", "c", "-At", "-c", "select 1"], {
    env: { ...process.env, PGPASSWORD: "carol-pw", PGCONNECT_TIMEOUT: "5" },
  });
  assert.equal(q.stdout.trim(), "1", q.stderr);
  await ok(["delete", "interrupted"]);
});

test("trove delete removes an instance; force-delete removes one in any state", async () => {
  await ok(["delete", "vm1"]);
  await ok(["create", "fresh", "6", "--size", "1", "--datastore", "mariadb"]);
  await ok(["force-delete", "fresh"]); // most likely still in BUILD
  await waitFor(
    async () => {
      const list = JSON.parse((await ok(["--json", "list"])).stdout) as { name: string }[];
      return list.every((i) => i.name === "pg1") ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 300, what: "vm1 and fresh to be gone" },
  );
  const notFound = await trove(server, ["show", "vm1"]);
  assert.notEqual(notFound.code, 0);
  const left = await run("pgrep", ["-f", `${server.dir}/compute/host/instances/`]);
  assert.equal(left.stdout.trim().split("\n").filter(Boolean).length, 1, "only pg1's engine is left");
});
