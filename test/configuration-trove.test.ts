import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { run, waitFor } from "../src/lib/index.js";
import { cofferBin, startCoffer, trove, type CofferServer } from "./support/coffer-server.js";

/*
 * Configuration groups end to end, through the real `trove` CLI against a real server with real
 * engines, checked with the engines' own clients (mariadb, psql) as a user created at `trove
 * create --users`. One instance per engine for the whole file: MariaDB's max_connections is
 * dynamic (applied at once), PostgreSQL's needs a restart (RESTART_REQUIRED until `trove restart`).
 * A few steps use Coffer's own CLI (`coffer configuration-*`) instead, to cover it on real instances.
 * The PostgreSQL instance is made by `openstack database instance create --is-public`, as
 * upstream's own tests make theirs, on a server with no public address pool.
 */

interface Engine {
  datastore: "mariadb" | "postgresql";
  /** Whether max_connections changes without a restart. */
  live: boolean;
  id: string;
  address: string;
  group: string;
  /** The flavor-derived max_connections (configuration-default). */
  base: number;
}

let server: CofferServer;
const engines: Engine[] = [
  { datastore: "mariadb", live: true, id: "", address: "", group: "", base: 0 },
  { datastore: "postgresql", live: false, id: "", address: "", group: "", base: 0 },
];

async function ok(args: string[]): Promise<string> {
  const result = await trove(server, args);
  assert.equal(result.code, 0, `trove ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}
const json = async <T>(args: string[]): Promise<T> => JSON.parse(await ok(["--json", ...args])) as T;
async function coffer<T>(args: string[]): Promise<T> {
  const result = await run(process.execPath, [cofferBin, ...args, "--json"], {
    env: server.env,
    timeoutMs: 60_000,
  });
  assert.equal(result.code, 0, `coffer ${args.join(" ")}: ${result.stderr}`);
  return (result.stdout.trim() ? JSON.parse(result.stdout) : undefined) as T;
}
/** `values` as trove prints it: an object with --json, JSON text otherwise. */
const valuesOf = (group: { values: unknown }): unknown =>
  typeof group.values === "string" ? JSON.parse(group.values) : group.values;
type View = { status: string; operating_status: string; ip?: string; fault?: string; configuration?: string };
const show = (e: Engine) => json<View>(["show", e.id]);

/** Waits until the instance's task is over: ACTIVE and HEALTHY, or RESTART_REQUIRED. */
async function settled(e: Engine, want: "ACTIVE" | "RESTART_REQUIRED"): Promise<View> {
  const view = await waitFor(
    async () => {
      const v = await show(e);
      if (v.status === "ERROR") throw new Error(`${e.datastore} instance in ERROR: ${JSON.stringify(v)}`);
      const done =
        v.status === "RESTART_REQUIRED" || (v.status === "ACTIVE" && v.operating_status === "HEALTHY");
      return done ? v : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 300, what: `${e.datastore} to settle` },
  );
  assert.equal(view.status, want, `${e.datastore}: ${JSON.stringify(view)}`);
  assert.equal(view.fault, undefined, `${e.datastore} has no fault`);
  return view;
}

/** max_connections as the engine reports it to a plain user, with the engine's own client. */
async function maxConnections(e: Engine): Promise<number> {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: server.dir };
  const result =
    e.datastore === "mariadb"
      ? await run(
          "mariadb",
          [
            "--no-defaults",
            "-h",
            e.address,
            "-P",
            "3306",
            "-u",
            "u1",
            "-ppw1",
            "-N",
            "-B",
            "-e",
            "SHOW VARIABLES LIKE 'max_connections'",
          ],
          { env, timeoutMs: 30_000 },
        )
      : await run(
          "psql",
          [
            `host=${e.address} port=5432 user=u1 password=pw1 dbname=db1`,
            "-AtX",
            "-c",
            "SHOW max_connections",
          ],
          {
            env,
            timeoutMs: 30_000,
          },
        );
  assert.equal(result.code, 0, `${e.datastore} client: ${result.stderr}`);
  return Number(result.stdout.trim().split(/\s+/).pop());
}

/**
 * After a change: MariaDB has it at once; PostgreSQL says RESTART_REQUIRED, and has it after
 * `trove restart`. The change's request answered once the values were applied (as upstream's
 * blocking guest calls), so both hold the moment it returns: no waiting before the first look.
 */
async function expectApplied(e: Engine, before: number, expected: number): Promise<void> {
  const now = await show(e);
  if (e.live) {
    assert.equal(await maxConnections(e), expected, `${e.datastore}: applied when the request returned`);
    assert.deepEqual([now.status, now.operating_status], ["ACTIVE", "HEALTHY"], JSON.stringify(now));
    return;
  }
  assert.equal(now.status, "RESTART_REQUIRED", `${e.datastore}: ${JSON.stringify(now)}`);
  await settled(e, "RESTART_REQUIRED");
  assert.equal(await maxConnections(e), before, `${e.datastore}: not before the restart`);
  await ok(["restart", e.id]);
  await settled(e, "ACTIVE");
  assert.equal(await maxConnections(e), expected, `${e.datastore}: in effect after the restart`);
}

before(async () => {
  server = await startCoffer();
  await Promise.all(
    engines.map(async (e) => {
      if (e.datastore === "postgresql") {
        const args = ["database", "instance", "create", `cfg-${e.datastore}`, "--flavor", "6", "--size", "1"];
        args.push("--datastore", e.datastore, "--databases", "db1", "--users", "u1:pw1", "--is-public");
        const created = await run("openstack", [...args, "-f", "json"], {
          env: server.env,
          timeoutMs: 60_000,
        });
        assert.equal(created.code, 0, created.stderr);
        e.id = (JSON.parse(created.stdout) as { id: string }).id;
        return;
      }
      const created = await json<{ id: string }>([
        "create",
        `cfg-${e.datastore}`,
        "6",
        "--size",
        "1",
        "--datastore",
        e.datastore,
        "--databases",
        "db1",
        "--users",
        "u1:pw1",
      ]);
      e.id = created.id;
    }),
  );
  for (const e of engines) {
    const view = await settled(e, "ACTIVE");
    e.address = view.ip!.split(",")[0]!.trim();
  }
});

after(async () => {
  await server?.close();
});

test("is_public on a server without a public pool: accepted, shown, reachable at the instance's own address", async () => {
  const pg = engines.find((e) => e.datastore === "postgresql")!;
  const shown = await run("openstack", ["database", "instance", "show", pg.id, "-f", "json"], {
    env: server.env,
    timeoutMs: 60_000,
  });
  assert.equal(shown.code, 0, shown.stderr);
  const view = JSON.parse(shown.stdout) as {
    public: boolean;
    addresses: { address: string; type: string }[];
  };
  assert.equal(view.public, true);
  assert.deepEqual(view.addresses, [{ address: pg.address, type: "private" }], "no public address to show");
  assert.ok(pg.address.startsWith("127."), pg.address);
  assert.ok((await maxConnections(pg)) > 0, "a client connects at that address");
});

test("the base configuration comes from the flavor (configuration-default)", async () => {
  for (const e of engines) {
    const defaults =
      e.datastore === "mariadb"
        ? await coffer<Record<string, unknown>>(["configuration-default", e.id])
        : await json<Record<string, unknown>>(["configuration-default", e.id]);
    e.base = Number(defaults.max_connections);
    // c1.nano, 128 MB: 100 connections per 512 MB, at least 20.
    assert.equal(e.base, 25, e.datastore);
    assert.equal(await maxConnections(e), e.base);
  }
});

test("parameters: listed per datastore version with their restart flags", async () => {
  const params = await json<{ name: string; restart_required: boolean }[]>([
    "configuration-parameter-list",
    "15",
    "--datastore",
    "postgresql",
  ]);
  assert.equal(params.find((p) => p.name === "max_connections")?.restart_required, true);
  const one = await json<{ restart_required: boolean }>([
    "configuration-parameter-show",
    "10.11",
    "max_connections",
    "--datastore",
    "mariadb",
  ]);
  assert.equal(one.restart_required, false);
});

test("create a group with max_connections, attach it: in effect (MariaDB at once, PostgreSQL after a restart)", async () => {
  for (const e of engines) {
    const group = await json<{ id: string; values: unknown }>([
      "configuration-create",
      `g-${e.datastore}`,
      '{"max_connections": 150}',
      "--datastore",
      e.datastore,
    ]);
    assert.deepEqual(valuesOf(group), { max_connections: 150 });
    e.group = group.id;
    await ok(["configuration-attach", e.id, e.group]);
  }
  for (const e of engines) {
    await expectApplied(e, e.base, 150);
    assert.equal((await show(e)).configuration, e.group);
    const users = await coffer<{ id: string }[]>(["configuration-instances", e.group]);
    assert.deepEqual(
      users.map((i) => i.id),
      [e.id],
    );
  }
});

test("patch the group: the new value is applied to the instance", async () => {
  for (const e of engines) await ok(["configuration-patch", e.group, '{"max_connections": 160}']);
  for (const e of engines) await expectApplied(e, 150, 160);
});

test("invalid values are 422s naming the parameter, and change nothing", async () => {
  const invalid: Record<Engine["datastore"], [string, RegExp][]> = {
    mariadb: [['{"max_connections": 1}', /max_connections/]],
    postgresql: [
      ['{"max_connections": "many"}', /max_connections/],
      ['{"no_such_parameter": 1}', /no_such_parameter/],
      // The right type, refused by the engine itself (its own parser, asked before anything changes).
      ['{"wal_level": "bogus"}', /wal_level/],
    ],
  };
  for (const e of engines) {
    for (const [values, parameter] of invalid[e.datastore]) {
      const result = await trove(server, ["configuration-patch", e.group, values]);
      assert.notEqual(result.code, 0, values);
      assert.match(result.stderr, /HTTP 422/, result.stderr);
      assert.match(result.stderr, parameter);
    }
    const group = await json<{ values: unknown }>(["configuration-show", e.group]);
    assert.deepEqual(valuesOf(group), { max_connections: 160 });
    assert.equal((await show(e)).status, "ACTIVE");
    assert.equal(await maxConnections(e), 160);
  }
});

test("values survive a restart of the engine and of Coffer", async () => {
  await server.kill();
  await server.start();
  for (const e of engines) {
    await settled(e, "ACTIVE");
    assert.equal(await maxConnections(e), 160, `${e.datastore} after Coffer restarted`);
    await ok(["restart", e.id]);
    await settled(e, "ACTIVE");
    assert.equal(await maxConnections(e), 160, `${e.datastore} after the engine restarted`);
  }
});

test("detach: the flavor's default is back; the group can then be deleted", async () => {
  for (const e of engines) {
    const refused = await trove(server, ["configuration-delete", e.group]);
    assert.notEqual(refused.code, 0, "attached groups are not deleted");
    if (e.datastore === "mariadb") await coffer(["configuration-detach", e.id]);
    else await ok(["configuration-detach", e.id]);
  }
  for (const e of engines) {
    await expectApplied(e, 160, e.base);
    assert.equal((await show(e)).configuration, undefined);
    await ok(["configuration-delete", e.group]);
  }
});
