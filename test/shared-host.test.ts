import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { freePort, run, waitFor } from "../src/lib/index.js";
import { login, type ApiClient } from "./support/api.js";
import { cofferBin, startCoffer, type CofferServer } from "./support/coffer-server.js";

/*
 * A host shared with others: two Coffers started with only their own data dir, compute dir and
 * port — no address option, so both hand out addresses from the same default pool — while a third
 * program already listens on the pool's first address, on the engines' own ports (as another
 * MariaDB and PostgreSQL would). Each Coffer creates a MySQL and a PostgreSQL instance, all four at
 * once; each goes ACTIVE at an address of its own and answers SQL there. A third Coffer on the
 * first one's compute directory is refused; a clean stop of the second leaves no spare behind.
 *
 * (The harness also gives each server its own cgroup parent: that keeps test files apart, not
 * these two servers, which would share the default one just as well.)
 */

const FIRST = "127.100.0.1"; // the first address of the default pool, 127.100.0.0/16
let third: ChildProcess;
let servers: CofferServer[] = [];

before(async () => {
  third = await squatter(FIRST, [3306, 5432]);
  servers = await Promise.all([startCoffer({ addressPool: null }), startCoffer({ addressPool: null })]);
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  third.kill("SIGKILL");
});

interface View {
  id: string;
  status: string;
  ip?: string[];
  fault?: { message: string };
}

test("two Coffers and a third program on one host: four instances, four addresses, all answering SQL", async () => {
  const apis = await Promise.all(servers.map((s) => login(s.url, s.env)));
  const wanted = apis.flatMap((api, n) =>
    (["mysql", "postgresql"] as const).map((datastore) => ({ api, n, datastore, db: `c${n}_${datastore}` })),
  );
  const created = await Promise.all(
    wanted.map(async (w) => {
      const res = await w.api.trove<{ instance: View }>("POST", "/instances", {
        instance: {
          name: w.db,
          flavorRef: "1",
          volume: { size: 1 },
          datastore: { type: w.datastore },
          databases: [{ name: w.db }],
          users: [{ name: "app", password: "app-pw-1", databases: [{ name: w.db }] }],
        },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return { ...w, id: res.body.instance.id };
    }),
  );
  const active = await Promise.all(created.map((c) => untilActive(c.api, c.id)));
  const addresses = active.map((v) => v.ip![0]!);
  assert.equal(new Set(addresses).size, 4, `one address each: ${addresses.join(" ")}`);
  for (const address of addresses) {
    assert.match(address, /^127\.100\.\d+\.\d+$/, "from the default pool");
    assert.notEqual(address, FIRST, "never where another program listens");
  }
  // Each instance answers at its own address: the database made for it is there.
  for (const [i, c] of created.entries()) {
    const answer = await sql(c.datastore, addresses[i]!, c.db, `SELECT '${c.db}'`);
    assert.equal(answer.code, 0, `${c.db} at ${addresses[i]}: ${answer.stderr}`);
    assert.equal(answer.stdout.trim(), c.db);
  }
});

test("a Coffer with another data directory is refused the compute directory in use, and says why", async () => {
  const [first] = servers;
  const computeDir = join(first!.dir, "compute");
  const dataDir = join(first!.dir, "another-data");
  const port = await freePort();
  const args = ["server", "--data-dir", dataDir, "--compute-dir", computeDir, "--port", String(port)];
  const result = await run(process.execPath, [cofferBin, ...args], {
    env: { ...first!.env, COFFER_LOG_LEVEL: "silent" },
    timeoutMs: 60_000,
  });
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(
    result.stderr,
    new RegExp(
      `ERROR: the compute directory ${computeDir} is in use by the Coffer with pid ${first!.pid()} and data directory ${first!.dataDir}; give this one its own with --compute-dir`,
    ),
  );
  // The first one's instances were not touched.
  const api = await login(first!.url, first!.env);
  const list = await api.trove<{ instances: View[] }>("GET", "/instances");
  assert.ok(
    list.body.instances.every((i) => i.status === "ACTIVE"),
    JSON.stringify(list.body),
  );
});

test("a clean stop (SIGTERM) leaves no spare volume mounted or attached; its instances keep answering", async () => {
  const server = servers[1]!;
  const spares = join(server.dir, "compute", "host", "spares");
  const api = await login(server.url, server.env);
  const { body } = await api.trove<{ instances: (View & { name: string; datastore: { type: string } })[] }>(
    "GET",
    "/instances",
  );
  assert.ok((await mountsUnder(spares)).length > 0, "spares were made (default --spare-volumes 1:2)");
  await server.kill("SIGTERM");
  assert.deepEqual(await mountsUnder(spares), [], "no spare mounted");
  assert.deepEqual(await loopsUnder(spares), [], "no loop device of a spare");
  for (const instance of body.instances) {
    const datastore = instance.datastore.type as "mysql" | "postgresql";
    const answer = await sql(datastore, instance.ip![0]!, instance.name, `SELECT '${instance.name}'`);
    assert.equal(answer.stdout.trim(), instance.name, `${instance.name} still answers: ${answer.stderr}`);
  }
});

/** Mount points at or below `dir`, from this process's view of the mount table. */
async function mountsUnder(dir: string): Promise<string[]> {
  const table = await readFile("/proc/self/mountinfo", "utf8");
  return table
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}

/** Loop devices whose backing file is below `dir`. */
async function loopsUnder(dir: string): Promise<string[]> {
  const { stdout } = await run("losetup", ["--list", "--noheadings", "--output", "NAME,BACK-FILE"]);
  return stdout
    .split("\n")
    .filter((line) => line.includes(` ${dir}/`))
    .map((line) => line.trim().split(/\s+/)[0]!);
}

async function untilActive(api: ApiClient, id: string): Promise<View> {
  return waitFor(
    async () => {
      const res = await api.trove<{ instance: View }>("GET", `/instances/${id}`);
      const view = res.body.instance;
      if (view.status === "ERROR") throw new Error(`${id} went to ERROR: ${view.fault?.message}`);
      return view.status === "ACTIVE" ? view : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 300, what: `${id} ACTIVE` },
  );
}

function sql(datastore: "mysql" | "postgresql", host: string, db: string, query: string) {
  return datastore === "mysql"
    ? run("mysql", ["--protocol=TCP", "-h", host, "-u", "app", "-papp-pw-1", db, "-N", "-e", query])
    : run("psql", ["-h", host, "-U", "app", "-d", db, "-At", "-c", query], {
        env: { ...process.env, PGPASSWORD: "app-pw-1", PGCONNECT_TIMEOUT: "5" },
      });
}

/**
 * Another program, in a process of its own, listening on `address` at `ports`. A port something
 * else already holds there is left to it (the address is just as taken).
 */
async function squatter(address: string, ports: number[]): Promise<ChildProcess> {
  const script = `
const net = require("node:net");
let left = ${ports.length};
for (const port of ${JSON.stringify(ports)}) {
  const server = net.createServer((s) => s.destroy());
  const done = () => { if (--left === 0) console.log("listening"); };
  server.once("error", (err) => { if (err.code !== "EADDRINUSE") throw err; done(); });
  server.listen({ host: ${JSON.stringify(address)}, port, exclusive: true }, done);
}`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`the third program exited (${code})`)));
  });
  return child;
}
