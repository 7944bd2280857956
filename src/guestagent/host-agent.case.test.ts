/**
 * The host agent and its guest agents end to end, shared by both engines: a real local compute
 * provider (loop volumes and cgroups when root), real engines, a real in-process bus, and a
 * stand-in conductor that records the heartbeats it is cast. Every suite has its own address
 * pool (a random /24 in 127.0.0.0/8, away from 127.0.0.x and the default 127.100.0.0/16), root
 * dir and cgroup parent, since other suites run beside it and engines listen on standard ports.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomInt, randomUUID } from "node:crypto";
import { connect } from "node:net";
import { access, chmod, mkdtemp, readdir, readFile, rm, stat, statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInProcessBus, type JsonValue, type MessageBus } from "../bus/index.js";
import { createLocalProvider, type ComputeProvider } from "../compute/index.js";
import { cleanupLocalRoot } from "../compute/testing.js";
import type { Heartbeat } from "../conductor/index.js";
import { CofferError, systemClock, type Manager, type ServiceStatus } from "../domain/index.js";
import { silentLogger, waitFor } from "../lib/index.js";
import { capabilitiesOf, engineFor } from "./engines/index.js";
import { createHostAgent, GuestClient, HostClient, type HostAgent, type PrepareRequest } from "./index.js";

export interface Session {
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export interface HostAgentCase {
  manager: Manager;
  /** Opens a session as a plain user over TCP with the engine's own client library. */
  connectAs(host: string, port: number, user: string, password: string, database: string): Promise<Session>;
  /** A query any user may run whose answer follows the flavor's memory (e.g. the buffer size). */
  memorySettingSql: string;
  /** The loop volumes' filesystem (default auto: XFS here, which grows while the engine runs). */
  volumeFilesystem?: "auto" | "ext4";
  config: {
    /** A query any user may run that shows a setting's value (`%s` is the name). */
    showSql: string;
    dynamic: { name: string; value: string | number | boolean; shown: string };
    static: { name: string; value: string | number | boolean; shown: string };
    /** A value of the right type the engine's parser refuses. */
    rejected: Record<string, string | number | boolean>;
    /** Values the parser accepts but the engine cannot run with. */
    unworkable: Record<string, string | number | boolean>;
    /** What the engine logs when it cannot start with `unworkable`: the error quotes it. */
    unworkableSays: RegExp;
  };
}

const isRoot = process.getuid?.() === 0;
const BEAT_MS = 250;
const ALICE = { name: "alice", password: "Al1ce-pw'\"\\x" };
const code = (c: string) => (err: unknown) => err instanceof CofferError && err.code === c;

function randomPool(): string {
  // 127.101–199.x.0/24: not 127.0.0.x (engine tests), not 127.100/16 (the default pool), not 127.200+ (compute tests).
  return `127.${randomInt(101, 200)}.${randomInt(0, 256)}.0/24`;
}

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export function hostAgentSuite(options: HostAgentCase): void {
  const engine = engineFor(options.manager);
  const port = capabilitiesOf(options.manager).defaultPort;

  describe(`host agent with ${options.manager} (real engines, provider and bus)`, () => {
    let dir = "";
    let computeRoot = "";
    let guestRoot = "";
    const cgroupParent = `coffer-gtest-${process.pid}-${randomInt(1e9)}`;
    const addressPool = randomPool();
    const hostName = `host-${randomUUID().slice(0, 8)}`;
    const beats: Heartbeat[] = [];
    let bus: MessageBus;
    let provider: ComputeProvider;
    let host: HostAgent;
    let image = "";
    let version = "";
    const idA = randomUUID();
    const idB = randomUUID();
    let address = "";

    const newHostAgent = (timing: { heartbeatIntervalMs?: number; livenessIntervalMs?: number } = {}) =>
      createHostAgent({
        bus,
        provider,
        logger: silentLogger(),
        clock: systemClock,
        hostName,
        rootDir: guestRoot,
        heartbeatIntervalMs: BEAT_MS,
        startTimeoutMs: 60_000,
        ...timing,
      });
    const hostClient = () => new HostClient(bus, hostName);
    const guest = (id: string) => new GuestClient(bus, id);
    const pidOf = async (id: string) => (await provider.processStatus(id)).pid;
    const request = (id: string, ramMb: number): PrepareRequest => ({
      instanceId: id,
      manager: options.manager,
      image,
      version,
      ramMb,
      vcpus: 1,
      volumeSizeGb: 1,
      databases: [{ name: "shop" }],
      users: [{ ...ALICE, databases: ["shop"] }],
      overrides: {},
    });
    const asAlice = () => options.connectAs(address, port, ALICE.name, ALICE.password, "shop");
    async function aliceQuery(sql: string): Promise<Record<string, unknown>[]> {
      const session = await asAlice();
      try {
        return await session.query(sql);
      } finally {
        await session.close();
      }
    }
    const count = async () =>
      Number(Object.values((await aliceQuery("SELECT count(*) AS n FROM items"))[0]!)[0]);
    /** The first heartbeat of `id` after `since` (an index into beats) with one of these statuses. */
    const beatAfter = (id: string, since: number, statuses: ServiceStatus[], timeoutMs = 30_000) =>
      waitFor(
        async () => beats.slice(since).find((b) => b.instanceId === id && statuses.includes(b.status)),
        {
          timeoutMs,
          what: `a heartbeat of ${id} saying ${statuses.join(" or ")}`,
        },
      );

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "cf-ga-"));
      await chmod(dir, 0o755); // the engines' user must traverse it
      computeRoot = join(dir, "compute");
      guestRoot = join(dir, "g");
      for (const candidate of engine.capabilities.installDirs) {
        const found = await engine.probe(candidate);
        if (found) [image, version] = [candidate, found.version];
      }
      assert.ok(image, `${options.manager} is not installed`);
      bus = createInProcessBus({ logger: silentLogger() });
      await bus.serve("conductor", {
        heartbeat: async (args: JsonValue) => void beats.push(args as unknown as Heartbeat),
      });
      provider = createLocalProvider({
        rootDir: computeRoot,
        addressPool,
        cgroupParent,
        volumeMode: isRoot ? "loop" : "directory",
        volumeFilesystem: options.volumeFilesystem ?? "auto",
        logger: silentLogger(),
      });
      host = newHostAgent();
      await host.start();
    });

    after(async () => {
      await host?.stop().catch(() => undefined);
      await bus?.close().catch(() => undefined);
      if (computeRoot) await cleanupLocalRoot(computeRoot, cgroupParent);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test("provision places the instance on its own address; idempotent", async () => {
      const spec = { instanceId: idA, volumeSizeGb: 1, ramMb: 256, vcpus: 1, isPublic: false };
      const placed = await hostClient().provision(spec);
      assert.equal(placed.host, hostName);
      assert.ok(placed.address.startsWith(addressPool.split(".").slice(0, 3).join(".") + "."));
      assert.deepEqual(await hostClient().provision(spec), placed);
      address = placed.address;
      await hostClient().provision({ ...spec, instanceId: idB, ramMb: 128 });
      await assert.rejects(hostClient().provision({ ...spec, volumeSizeGb: 0 }), code("GUEST_ARGS_INVALID"));
    });

    test("two first prepares at once share one template; users connect with their password", async (t) => {
      const began = performance.now();
      const [a, b] = await Promise.all([
        guest(idA).prepare(request(idA, 256)),
        guest(idB).prepare(request(idB, 128)),
      ]);
      t.diagnostic(`two prepares, template made on first use: ${Math.round(performance.now() - began)} ms`);
      assert.equal(a.status, "healthy");
      assert.equal(b.status, "healthy");
      assert.ok(a.volumeUsedGb !== null && a.volumeUsedGb > 0 && a.volumeUsedGb < 1);
      assert.equal((await readdir(join(guestRoot, "templates"))).length, 1);

      await aliceQuery("CREATE TABLE items (id integer)");
      await aliceQuery("INSERT INTO items VALUES (1), (2), (3)");
      assert.equal(await count(), 3);
      await assert.rejects(options.connectAs(address, port, ALICE.name, "wrong", "shop"));

      const stateFile = join(guestRoot, "guests", `${idA}.json`);
      assert.equal((await stat(stateFile)).mode & 0o777, 0o600);
      const saved = JSON.parse(await readFile(stateFile, "utf8"));
      assert.equal(saved.prepared, true);
      assert.equal(saved.desired, "running");
      assert.ok(saved.admin.password.length >= 24);
      assert.ok(
        !JSON.stringify(a).includes(saved.admin.password),
        "the admin password never leaves the host",
      );
      const mine = beats.filter((x) => x.instanceId === idA).map((x) => x.status);
      assert.equal(mine[0], "building");
      assert.ok(mine.includes("healthy"));
    });

    test("prepare again is idempotent; a prepare from scratch, with a group's values, costs little more than copy + start", async (t) => {
      const again = await guest(idA).prepare(request(idA, 256));
      assert.equal(again.status, "healthy");
      assert.equal(await count(), 3);
      const idC = randomUUID();
      const placedC = await hostClient().provision({
        instanceId: idC,
        volumeSizeGb: 1,
        ramMb: 128,
        vcpus: 1,
        isPublic: false,
      });
      try {
        const began = performance.now();
        const { dynamic } = options.config;
        const withGroup = { ...request(idC, 128), overrides: { [dynamic.name]: dynamic.value } };
        assert.equal((await guest(idC).prepare(withGroup)).status, "healthy");
        t.diagnostic(`prepare with a template ready: ${Math.round(performance.now() - began)} ms`);
        const session = await options.connectAs(placedC.address, port, ALICE.name, ALICE.password, "shop");
        try {
          const rows = await session.query(options.config.showSql.replace("%s", dynamic.name));
          assert.equal(
            String(Object.values(rows[0]!)[0]),
            dynamic.shown,
            "the group's value from the first start",
          );
        } finally {
          await session.close();
        }
        const state = JSON.parse(await readFile(join(guestRoot, "guests", `${idC}.json`), "utf8"));
        assert.deepEqual(state.lastWorking, withGroup.overrides);
      } finally {
        await hostClient().destroy(idC);
      }
    });

    test("databases, users and root over the bus: refused requests change nothing", async () => {
      const g = guest(idA);
      const caps = engine.capabilities;
      const state = async () => JSON.stringify([await g.listDatabases(), await g.listUsers()]);
      const initial = await state();
      assert.deepEqual(
        (await g.listDatabases()).databases.map((d) => d.name),
        ["shop"],
      );
      const refusals: [Promise<unknown>, string][] = [
        [g.createDatabases([{ name: "shop" }]), "DATABASE_EXISTS"],
        [
          g.createDatabases([{ name: "fresh" }, { name: caps.systemDatabases[0]! }]),
          "DATABASE_NAME_RESERVED",
        ],
        [g.createDatabases([{ name: "bad;name" }]), "DATABASE_NAME_INVALID"],
        [g.createUsers([{ name: "bob", password: "pw", databases: ["nope"] }]), "DATABASE_NOT_FOUND"],
        [g.createUsers([{ name: "alice", password: "pw", databases: [] }]), "USER_EXISTS"],
        [g.createUsers([{ name: caps.adminUser, password: "pw", databases: [] }]), "USER_NAME_RESERVED"],
        [g.getUser({ name: caps.adminUser }), "USER_NAME_RESERVED"],
        [g.getUser({ name: "nobody" }), "USER_NOT_FOUND"],
        [g.deleteDatabase("nope"), "DATABASE_NOT_FOUND"],
        [g.updateUser({ name: "alice" }, {}), "USER_UPDATE_EMPTY"],
        [g.revokeAccess({ name: "alice" }, "nope"), "DATABASE_NOT_FOUND"],
        [
          g.changePasswords([
            { name: "alice", password: "x" },
            { name: "nobody", password: "y" },
          ]),
          "USER_NOT_FOUND",
        ],
        [g.enableRoot("bad\u0000password"), "USER_PASSWORD_INVALID"],
      ];
      for (const [call, expected] of refusals) await assert.rejects(call, code(expected), expected);
      assert.equal(await state(), initial, "nothing changed");
      assert.equal(await count(), 3, "alice's password and access are as they were");

      await g.createDatabases([{ name: "ledger" }]);
      await g.createUsers([{ name: "bob", password: "bob-pw", databases: ["ledger"] }]);
      const bob = (db: string) => options.connectAs(address, port, "bob", "bob-pw", db);
      await (await bob("ledger")).close();
      await assert.rejects(bob("shop"));
      await assert.rejects(g.revokeAccess({ name: "bob" }, "shop"), code("USER_ACCESS_NOT_FOUND"));
      await g.grantAccess({ name: "bob" }, ["shop"]);
      assert.deepEqual(await g.listAccess({ name: "bob" }), ["ledger", "shop"]);
      await (await bob("shop")).close();
      await assert.rejects(g.updateUser({ name: "bob" }, { name: "alice" }), code("USER_EXISTS"));

      const root = await g.enableRoot();
      assert.equal(root.name, caps.rootUser);
      assert.ok(root.password.length >= 20);
      assert.equal(await g.isRootEnabled(), true);
      await (await options.connectAs(address, port, root.name, root.password, "shop")).close();
      await g.disableRoot();
      assert.equal(await g.isRootEnabled(), false);

      await g.deleteUser({ name: "bob" });
      await assert.rejects(bob("ledger"));
      await g.deleteDatabase("ledger");
      assert.equal(await state(), initial);
    });

    test("a failed prepare reports 'failed to spawn' and says why; a later prepare recovers", async () => {
      const idF = randomUUID();
      await hostClient().provision({
        instanceId: idF,
        volumeSizeGb: 1,
        ramMb: 128,
        vcpus: 1,
        isPublic: false,
      });
      try {
        const since = beats.length;
        const bad = { ...request(idF, 128), overrides: { "no such parameter!": 1 } };
        await assert.rejects(guest(idF).prepare(bad), (err: unknown) => {
          assert.ok(err instanceof CofferError);
          assert.equal(err.code, "ENGINE_CONFIG_INVALID");
          assert.match(err.message, /prepare of instance .* failed while checking the configuration/);
          return true;
        });
        await beatAfter(idF, since, ["failed to spawn"], 1000);
        assert.equal((await guest(idF).getStatus()).status, "failed to spawn");
        await assert.rejects(guest(idF).restart(), code("GUEST_NOT_PREPARED"));

        // Well formed, unknown to the engine: its own parser refuses it before it is written.
        const unknown = { ...request(idF, 128), overrides: { coffer_no_such_setting: 1 } };
        await assert.rejects(guest(idF).prepare(unknown), (err: unknown) => {
          assert.ok(err instanceof CofferError && err.code === "ENGINE_CONFIG_REJECTED", String(err));
          assert.match(err.message, /failed while checking the configuration.*coffer_no_such_setting/);
          return true;
        });
        // Accepted by the parser, fatal at start: prepare says so at once.
        const began = performance.now();
        const unworkable = { ...request(idF, 128), overrides: options.config.unworkable };
        await assert.rejects(guest(idF).prepare(unworkable), (err: unknown) => {
          assert.ok(err instanceof CofferError && err.code === "GUEST_ENGINE_EXITED", String(err));
          // The engine's own reason, not "see its log": nobody using the API can read that log.
          assert.match(err.message, /exited while starting: /);
          assert.match(err.message, options.config.unworkableSays);
          return true;
        });
        assert.ok(performance.now() - began < 20_000, "not at the start timeout");
        assert.equal((await provider.processStatus(idF)).running, false);

        assert.equal((await guest(idF).prepare(request(idF, 128))).status, "healthy");
      } finally {
        await hostClient().destroy(idF);
      }
    });

    test("SIGKILL: a heartbeat reports it and the engine comes back with its data", async () => {
      const pid = (await pidOf(idA))!;
      const since = beats.length;
      process.kill(pid, "SIGKILL");
      await beatAfter(idA, since, ["crashed", "shutdown"]);
      await beatAfter(idA, beats.length, ["healthy"]);
      assert.notEqual(await pidOf(idA), pid);
      assert.equal(await count(), 3);
    });

    test("restart: a new engine process, healthy, data kept", async () => {
      const pid = await pidOf(idA);
      const report = await guest(idA).restart();
      assert.equal(report.status, "healthy");
      assert.notEqual(await pidOf(idA), pid);
      assert.equal(await count(), 3);
    });

    test("stop: shutdown, nothing listens, heartbeats do not bring it back; start: healthy", async () => {
      const stopped = await guest(idA).stop();
      assert.equal(stopped.status, "shutdown");
      assert.ok(await refused(address, port));
      const since = beats.length;
      await beatAfter(idA, since, ["shutdown"]);
      await beatAfter(idA, beats.length, ["shutdown"]);
      assert.equal((await provider.processStatus(idA)).running, false);
      assert.equal((await guest(idA).getStatus()).status, "shutdown");
      assert.equal((await guest(idA).start()).status, "healthy");
      assert.equal(await count(), 3);
    });

    test("resize_flavor: new limits and engine settings, restarted, healthy", async () => {
      const before = Object.values((await aliceQuery(options.memorySettingSql))[0]!)[0];
      const report = await guest(idA).resizeFlavor(512, 2);
      assert.equal(report.status, "healthy");
      const after = Object.values((await aliceQuery(options.memorySettingSql))[0]!)[0];
      assert.notEqual(String(after), String(before));
      const placement = (await provider.list()).find((p) => p.instanceId === idA)!;
      assert.deepEqual([placement.ramMb, placement.vcpus], [512, 2]);
      assert.equal(await count(), 3);
    });

    test("resize_volume: grown, data kept, healthy; online (the same engine process) where the volume can", async () => {
      const pid = await pidOf(idA);
      const report = await guest(idA).resizeVolume(2);
      assert.equal(report.status, "healthy");
      const caps = await provider.probe(); // XFS volumes grow online; directories have nothing to grow
      if (caps.onlineVolumeResize || caps.volumeKind === "directory") {
        assert.equal(await pidOf(idA), pid, "grown while the engine ran");
      } else assert.notEqual(await pidOf(idA), pid, "stopped, grown, started again");
      const usage = await provider.volumeUsage(idA);
      assert.equal(usage.sizeGb, 2);
      if (isRoot) {
        const placement = (await provider.list()).find((p) => p.instanceId === idA)!;
        const fs = await statfs(placement.volumePath);
        assert.ok(fs.blocks * fs.bsize > 1.5 * 1024 ** 3, "the filesystem itself grew");
      }
      assert.equal(await count(), 3);
      await assert.rejects(guest(idA).resizeVolume(1), code("VOLUME_SHRINK_NOT_SUPPORTED"));
    });

    test("configuration: checked first, dynamic values at once, static ones at a restart, failures undone", async () => {
      const { dynamic, static: fixed, rejected, unworkable } = options.config;
      const show = async (name: string) =>
        String(Object.values((await aliceQuery(options.config.showSql.replace("%s", name)))[0]!)[0]);
      const stateFile = join(guestRoot, "guests", `${idA}.json`);
      const saved = async () => JSON.parse(await readFile(stateFile, "utf8")).overrides as unknown;
      const defaults = { dynamic: await show(dynamic.name), fixed: await show(fixed.name) };

      await assert.rejects(guest(idA).checkOverrides(rejected), code("ENGINE_CONFIG_REJECTED"));
      await assert.rejects(guest(idA).updateOverrides(rejected), code("ENGINE_CONFIG_REJECTED"));
      assert.deepEqual(await saved(), {}, "a refused value changes nothing");

      const one = { [dynamic.name]: dynamic.value };
      const both = { ...one, [fixed.name]: fixed.value };
      const applied = await guest(idA).updateOverrides(one);
      assert.deepEqual([applied.status, applied.restartRequired], ["healthy", false]);
      assert.equal(await show(dynamic.name), dynamic.shown);
      assert.equal((await guest(idA).updateOverrides(both)).restartRequired, true);
      assert.equal(await show(fixed.name), defaults.fixed, "waits for the restart");
      assert.equal((await guest(idA).restart()).status, "healthy");
      assert.deepEqual([await show(dynamic.name), await show(fixed.name)], [dynamic.shown, fixed.shown]);
      assert.equal((await guest(idA).updateOverrides(both)).restartRequired, false, "nothing pending");

      // A value the engine cannot run with is undone: refused by the running engine (a dynamic
      // one), or, if it waits for a restart, rolled back when the engine does not start with it.
      const outcome = await guest(idA)
        .updateOverrides({ ...both, ...unworkable })
        .catch((err: unknown) => err);
      if (outcome instanceof CofferError) {
        assert.equal(outcome.code, "ENGINE_CONFIG_REJECTED", outcome.message);
      } else {
        assert.equal((outcome as { restartRequired: boolean }).restartRequired, true);
        await assert.rejects(guest(idA).restart(), (err: unknown) => {
          assert.ok(err instanceof CofferError && err.code === "GUEST_CONFIG_ROLLED_BACK", String(err));
          assert.match(err.message, /last working configuration/);
          return true;
        });
      }
      assert.deepEqual(await saved(), both);
      assert.equal((await guest(idA).getStatus()).status, "healthy");
      assert.deepEqual([await show(dynamic.name), await show(fixed.name)], [dynamic.shown, fixed.shown]);
      assert.equal(await count(), 3);
    });

    test("a new host agent adopts running engines (same pid), keeps stopped ones stopped", async () => {
      assert.equal((await guest(idB).stop()).status, "shutdown");
      const pid = await pidOf(idA);
      await host.stop();
      await assert.rejects(guest(idA).getStatus(), code("BUS_NO_SERVER"));
      assert.equal(await pidOf(idA), pid, "stopping the host agent leaves engines running");
      host = newHostAgent();
      await host.start();
      assert.equal(await pidOf(idA), pid, "adopted, not restarted");
      assert.equal((await guest(idA).getStatus()).status, "healthy");
      await beatAfter(idA, beats.length, ["healthy"]);
      assert.equal(await count(), 3);
      assert.equal((await provider.processStatus(idB)).running, false);
      assert.equal((await guest(idB).getStatus()).status, "shutdown");
    });

    test("an engine that died while no host agent ran is launched again at start", async () => {
      await host.stop();
      const pid = (await pidOf(idA))!;
      process.kill(pid, "SIGKILL");
      await waitFor(async () => ((await provider.processStatus(idA)).running ? undefined : true), {
        timeoutMs: 10_000,
        what: "the engine to die",
      });
      host = newHostAgent();
      await host.start();
      await beatAfter(idA, beats.length, ["healthy"]);
      assert.notEqual(await pidOf(idA), pid);
      assert.equal(await count(), 3);
    });

    test("between heartbeats, an engine that died is seen and launched again within the liveness interval", async () => {
      await host.stop();
      host = newHostAgent({ heartbeatIntervalMs: 600_000, livenessIntervalMs: 100 });
      await host.start();
      const pid = (await pidOf(idA))!;
      const since = beats.length;
      process.kill(pid, "SIGKILL");
      await beatAfter(idA, since, ["crashed"]);
      await waitFor(async () => ((await provider.processStatus(idA)).running ? true : undefined), {
        timeoutMs: 30_000,
        what: "the engine to run again without a heartbeat",
      });
      assert.notEqual(await pidOf(idA), pid);
      await host.stop();
      host = newHostAgent();
      await host.start();
      await beatAfter(idA, beats.length, ["healthy"]);
      assert.equal(await count(), 3, "its data too");
    });

    test("destroy leaves nothing: no process, mount, files or topic; idempotent", async () => {
      const pidA = (await pidOf(idA))!;
      await hostClient().destroy(idA);
      await hostClient().destroy(idB);
      await hostClient().destroy(idA);
      await hostClient().destroy(randomUUID());
      assert.equal(await exists(`/proc/${pidA}`), false, "the engine process is gone");
      const mounts = await readFile("/proc/self/mounts", "utf8");
      assert.ok(!mounts.includes(dir), "nothing mounted under the test dir");
      assert.deepEqual(await provider.list(), []);
      assert.deepEqual(await readdir(join(computeRoot, "instances")), []);
      for (const sub of ["guests", "run", "logs"])
        assert.deepEqual(await readdir(join(guestRoot, sub)), [], sub);
      await assert.rejects(guest(idA).getStatus(), code("BUS_NO_SERVER"));
      assert.ok(await refused(address, port));
    });
  });
}
