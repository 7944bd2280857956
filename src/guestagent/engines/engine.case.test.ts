/**
 * The conformance suite every engine driver passes, against a real engine that the suite starts
 * itself (as runAs, on its own loopback address and free port). Each engine's test file calls
 * `engineConformance` with the few things only it knows: how a plain user connects.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { CofferError } from "../../domain/index.js";
import { waitFor } from "../../lib/index.js";
import { engineFor } from "./index.js";
import { accountCases } from "./engine-accounts.case.test.js";
import { createTestSite, launchEngine, type EngineProcess, type TestSite } from "./testing.js";
import type { Credentials, Engine, EngineLayout } from "./engine.js";
import { engineConfigCases, type ConfigConformance } from "./engine-config.case.test.js";

/** A plain user's session, opened with the engine's own client library. */
export interface UserSession {
  query(sql: string): Promise<unknown[]>;
  close(): Promise<void>;
}

export interface ConformanceOptions {
  manager: string;
  /** Connects over TCP at layout.address:port as `user` to `database`; rejects when refused. */
  connectAs(layout: EngineLayout, user: Credentials, database: string): Promise<UserSession>;
  /** Databases the session can see, where the engine hides the others (MariaDB). */
  visibleDatabases?(session: UserSession): Promise<string[]>;
  /** The engine's catalogue and sample parameters for the configuration cases. */
  config: ConfigConformance;
}

const ADMIN: Credentials = { username: "os_admin", password: "Adm1n'pa\\ss\"word" };
const SIZING = { ramMb: 256, vcpus: 1 };

async function refusedOn(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });
}

export function engineConformance(options: ConformanceOptions): void {
  const engine: Engine = engineFor(options.manager);
  const name = engine.capabilities.name;

  describe(`${options.manager} engine (${name}, real server)`, () => {
    let site: TestSite;
    let layout: EngineLayout;
    const running: EngineProcess[] = [];

    async function start(l: EngineLayout): Promise<EngineProcess> {
      const proc = await launchEngine(engine.launchCommand(l), l.runAs, `${l.logFile}.out`);
      running.push(proc);
      await engine.secure(l, ADMIN, 30_000);
      return proc;
    }

    before(async () => {
      site = await createTestSite(engine);
      layout = await site.layout("main");
    });
    after(async () => {
      for (const proc of running) await proc.stop().catch(() => undefined);
      await site?.cleanup();
    });

    test("initialize, render, launch and secure: running on its address only", async (t) => {
      const began = performance.now();
      await engine.initialize(layout);
      await engine.renderConfig(layout, SIZING);
      await start(layout);
      t.diagnostic(`${name}: init + start + secure = ${Math.round(performance.now() - began)} ms`);
      assert.equal(await engine.health(layout, ADMIN), "running");
      await engine.waitReady(layout, ADMIN, 5000);
      assert.ok(await refusedOn("127.0.0.1", layout.port), "must not listen on 127.0.0.1");
      await assert.rejects(engine.health(layout, { ...ADMIN, password: "wrong" }), (err: unknown) => {
        return err instanceof CofferError && err.code === "ENGINE_AUTH_FAILED";
      });
    });

    test("creates databases and users; a user reaches only its own databases", async () => {
      // "shopXa" would match a grant on shop_a if `_` were left a wildcard (MySQL grant syntax).
      const others = ["other db`\"'", "shopXa"];
      await engine.createDatabases(layout, ADMIN, [{ name: "shop_a" }, ...others.map((name) => ({ name }))]);
      await engine.createDatabases(layout, ADMIN, [{ name: "shop_a" }]); // idempotent
      const alice = { username: "alice", password: "s3cret'\\\"pw" };
      const user = { name: alice.username, password: alice.password, databases: ["shop_a"] };
      await engine.createUsers(layout, ADMIN, [user]);

      const session = await options.connectAs(layout, alice, "shop_a");
      try {
        await session.query("CREATE TABLE items (id integer)");
        await session.query("INSERT INTO items VALUES (1), (2)");
        const rows = await session.query("SELECT count(*) AS n FROM items");
        assert.equal(Number(Object.values(rows[0] as object)[0]), 2);
        if (options.visibleDatabases) {
          assert.deepEqual(await options.visibleDatabases(session), ["shop_a"]);
        }
      } finally {
        await session.close();
      }
      for (const other of others)
        await assert.rejects(options.connectAs(layout, alice, other), `no access to ${other}`);
      await assert.rejects(options.connectAs(layout, { ...alice, password: "nope" }, "shop_a"));

      const dbs = (await engine.listDatabases(layout, ADMIN)).items;
      assert.deepEqual(
        dbs.map((d) => d.name),
        ["other db`\"'", "shopXa", "shop_a"],
      );
      assert.deepEqual((await engine.listUsers(layout, ADMIN)).items, [
        { name: "alice", databases: ["shop_a"], ...(engine.capabilities.userHosts ? { host: "%" } : {}) },
      ]);
    });

    accountCases(() => ({ engine, layout, admin: ADMIN }), options);

    test("refuses system names", async () => {
      const admin = engine.capabilities.adminUser;
      await assert.rejects(
        engine.createUsers(layout, ADMIN, [{ name: admin, password: "x", databases: [] }]),
        (err: unknown) => err instanceof CofferError && err.code === "USER_NAME_RESERVED",
      );
    });

    test("secure again resets the admin password (idempotent, rotates it)", async () => {
      const rotated = { ...ADMIN, password: "rotated-password" };
      await engine.secure(layout, rotated, 5000);
      assert.equal(await engine.health(layout, rotated), "running");
      await assert.rejects(engine.health(layout, ADMIN), (err: unknown) => {
        return err instanceof CofferError && err.code === "ENGINE_AUTH_FAILED";
      });
      await engine.secure(layout, ADMIN, 5000);
    });

    test("observe reads the engine's figures: sessions, and transactions that move with work", async () => {
      const before = await engine.observe(layout, ADMIN);
      assert.equal(before.health, "running");
      assert.equal(typeof before.figures.connections, "number");
      assert.equal(typeof before.figures.transactions, "number");
      const alice = { username: "alice", password: "s3cret'\\\"pw" };
      const session = await options.connectAs(layout, alice, "shop_a");
      try {
        const during = await engine.observe(layout, ADMIN);
        assert.ok(during.figures.connections! >= before.figures.connections! + 1, JSON.stringify(during));
        for (let i = 0; i < 20; i++) await session.query(`INSERT INTO items VALUES (${i})`);
      } finally {
        await session.close();
      }
      // PostgreSQL's statistics reach pg_stat_database when a backend flushes them (at the latest
      // when it exits), so look again until they show.
      const after = await waitFor(
        async () => {
          const look = await engine.observe(layout, ADMIN);
          return look.figures.transactions! >= before.figures.transactions! + 20 ? look : undefined;
        },
        { timeoutMs: 15_000, what: "the transactions to show" },
      );
      if (before.figures.queries !== undefined) {
        assert.ok(after.figures.queries! >= before.figures.queries + 20, JSON.stringify(after));
      }
    });

    engineConfigCases(
      {
        engine,
        layout: () => layout,
        admin: ADMIN,
        sizing: SIZING,
        async restart() {
          await running.pop()!.stop();
          await start(layout);
        },
      },
      options.config,
    );

    test("stops on its stop signal, then reports down", async () => {
      const proc = running.pop()!;
      await proc.stop();
      const exit = await proc.exited;
      assert.equal(exit.code, 0, `clean exit after ${engine.capabilities.stopSignal}`);
      assert.equal(await engine.health(layout, ADMIN, 1000), "down");
      assert.deepEqual(await engine.observe(layout, ADMIN, 1000), { health: "down", figures: {} });
    });

    test("a copy of a template starts faster than a fresh init", async (t) => {
      const template = { binDir: site.binDir, dataDir: `${site.root}/template`, runAs: site.runAs };
      await engine.prepareTemplate(template);
      const copy = await site.layout("copy");
      const began = performance.now();
      await engine.initializeFromTemplate(template.dataDir, copy);
      await engine.renderConfig(copy, SIZING);
      const proc = await start(copy);
      t.diagnostic(`${name}: template copy + start + secure = ${Math.round(performance.now() - began)} ms`);
      assert.equal(await engine.health(copy, ADMIN), "running");
      assert.deepEqual(await engine.listDatabases(copy, ADMIN), { items: [] });
      await proc.stop();
    });
  });
}
