// The local provider with directory volumes (forced by option): addresses, processes, limits.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { access, mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { CofferError } from "../../domain/index.js";
import { run, silentLogger } from "../../lib/index.js";
import { cleanupLocalRoot } from "../testing.js";
import type { ComputeProvider, HostCapabilities } from "../types.js";
import { findHierarchies, memoryLimitBytes } from "./cgroups.js";
import { ipToInt, parsePool } from "./addresses.js";
import { parseProcStat, readProcStat } from "./proc.js";
import { createLocalProvider } from "./provider.js";
import { randomPool, tempRoot, uniqueCgroupParent, waitStopped } from "./test-support.js";

const isRoot = process.getuid?.() === 0;
const code = (c: string) => (err: unknown) => err instanceof CofferError && err.code === c;
const spec = (instanceId: string) => ({ instanceId, volumeSizeGb: 1, ramMb: 64, vcpus: 1, isPublic: false });
const sleeper = (stopSignal: NodeJS.Signals) => ({ file: "/bin/sleep", args: ["600"], env: {}, stopSignal });

describe("local provider, directory volumes", () => {
  let dir = "";
  let rootDir = "";
  const cgroupParent = uniqueCgroupParent();
  const addressPool = randomPool();
  const make = (extra: { addressPool?: string; rootDir?: string } = {}) =>
    createLocalProvider({
      rootDir,
      addressPool,
      cgroupParent,
      volumeMode: "directory",
      logger: silentLogger(),
      ...extra,
    });
  let provider: ComputeProvider;
  let caps: HostCapabilities;

  before(async () => {
    dir = await tempRoot("dir");
    rootDir = join(dir, "root");
    provider = make();
    caps = await provider.probe();
  });
  after(() => cleanupLocalRoot(dir, cgroupParent));

  test("the probe reports directory volumes as not size-enforced", () => {
    assert.equal(caps.volumeKind, "directory");
    assert.equal(caps.volumeFilesystem, null);
    assert.equal(caps.onlineVolumeResize, false);
    assert.ok(caps.notEnforced.some((s) => s.startsWith("volume sizes are not enforced")));
  });

  test("concurrent provisions get distinct addresses from the pool, kept across restarts", async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `d${i}`);
    const placements = await Promise.all(ids.map((id) => provider.provision(spec(id))));
    const range = parsePool(addressPool);
    const addresses = placements.map((p) => p.address);
    assert.equal(new Set(addresses).size, ids.length);
    for (const a of addresses) assert.ok(ipToInt(a) >= range.first && ipToInt(a) <= range.last, a);
    assert.ok(placements.every((p) => p.volumeKind === "directory" && p.host.length > 0 && !p.isPublic));
    assert.ok(placements.every((p) => p.volumeFilesystem === undefined));
    const restarted = await make().list();
    assert.deepEqual(restarted.map((p) => p.address).sort(), [...addresses].sort());
    await Promise.all(ids.map((id) => provider.destroy(id)));
    assert.deepEqual(await readdir(join(rootDir, "addresses")), []);
    assert.deepEqual(await readdir(join(rootDir, "instances")), []);
  });

  test("usage of a directory volume is measured; it can grow but not shrink", async () => {
    const p = await provider.provision(spec("usage"));
    const s = await stat(p.volumePath);
    assert.deepEqual([s.uid, s.mode & 0o777], [caps.runAs.uid, 0o700]);
    const command = {
      file: "/bin/dd",
      args: ["if=/dev/zero", `of=${join(p.volumePath, "f")}`, "bs=1M", "count=3"],
      env: {},
      stopSignal: "SIGTERM" as const,
    };
    await provider.launch("usage", command, { logFile: join(dir, "usage.log") });
    await waitStopped(provider, "usage");
    const usage = await provider.volumeUsage("usage");
    assert.equal(usage.sizeGb, 1);
    assert.ok(usage.usedGb * 1024 >= 3 && usage.usedGb * 1024 < 3.5, `used ${usage.usedGb} GB`);
    await provider.resizeVolume("usage", 3);
    assert.equal((await provider.volumeUsage("usage")).sizeGb, 3);
    await assert.rejects(provider.resizeVolume("usage", 2), code("VOLUME_SHRINK_NOT_SUPPORTED"));
    await provider.destroy("usage");
    await assert.rejects(provider.volumeUsage("usage"), code("COMPUTE_INSTANCE_NOT_FOUND"));
  });

  test("stop falls back to SIGKILL when the stop signal is ignored; resize changes the limits", async () => {
    await provider.provision(spec("stubborn"));
    // sleep ignores SIGWINCH: only the SIGKILL after the timeout ends it.
    const { pid } = await provider.launch("stubborn", sleeper("SIGWINCH"), { logFile: join(dir, "s.log") });
    assert.deepEqual(await provider.processStatus("stubborn"), { running: true, pid });
    await provider.resize("stubborn", { ramMb: 256, vcpus: 0.5 });
    const h = await findHierarchies();
    if (caps.limits.memory === "v1" && h.memory) {
      const limit = await readFile(
        join(h.memory.root, cgroupParent, "stubborn", "memory.limit_in_bytes"),
        "utf8",
      );
      assert.equal(Number(limit), memoryLimitBytes(256));
    }
    if (caps.limits.cpu === "v1" && h.cpu) {
      const quota = await readFile(join(h.cpu.root, cgroupParent, "stubborn", "cpu.cfs_quota_us"), "utf8");
      assert.equal(Number(quota), 50_000);
    }
    assert.equal((await make().list()).find((p) => p.instanceId === "stubborn")?.ramMb, 256);
    const started = Date.now();
    await provider.stop("stubborn", { timeoutMs: 300 });
    assert.ok(Date.now() - started >= 300);
    assert.deepEqual(await provider.processStatus("stubborn"), { running: false });
    await assert.rejects(access(`/proc/${pid}`));
    await provider.stop("stubborn"); // idempotent
    await provider.destroy("stubborn");
  });

  test("the engine outlives the Coffer process that launched it; the next one adopts it", async () => {
    const face = new URL("../index.js", import.meta.url).href;
    const lib = new URL("../../lib/index.js", import.meta.url).href;
    const script = `
      const { createLocalProvider } = await import(${JSON.stringify(face)});
      const { silentLogger } = await import(${JSON.stringify(lib)});
      const [rootDir, addressPool, cgroupParent, logFile] = process.argv.slice(1);
      const p = createLocalProvider({ rootDir, addressPool, cgroupParent, volumeMode: "directory", logger: silentLogger() });
      await p.provision({ instanceId: "outliver", volumeSizeGb: 1, ramMb: 64, vcpus: 1, isPublic: false });
      const command = { file: "/bin/sleep", args: ["600"], env: {}, stopSignal: "SIGTERM" };
      console.log((await p.launch("outliver", command, { logFile })).pid);`;
    const logFile = join(dir, "outliver.log");
    const first = await run(process.execPath, [
      "--input-type=module",
      "-e",
      script,
      rootDir,
      addressPool,
      cgroupParent,
      logFile,
    ]);
    assert.equal(first.code, 0, first.stderr);
    const pid = Number(first.stdout.trim());
    const stat = await readFile(`/proc/${pid}/stat`, "utf8"); // the launching process has exited; this one runs
    assert.notEqual(parseProcStat(stat).ppid, process.pid);
    const adopted = await provider.adopt();
    assert.deepEqual(adopted.find((a) => a.placement.instanceId === "outliver")?.process, {
      running: true,
      pid,
    });
    await provider.stop("outliver");
    const after = await readProcStat(pid); // gone, or a zombie until init reaps it
    assert.ok(after === undefined || after.state === "Z", after?.state);
    await provider.destroy("outliver");
  });

  test("a program that cannot start is reported and nothing is recorded", async () => {
    await provider.provision(spec("bad"));
    const missing = { file: "/nonexistent/engine", args: [], env: {}, stopSignal: "SIGTERM" as const };
    await assert.rejects(
      provider.launch("bad", missing, { logFile: join(dir, "bad.log") }),
      code("PROCESS_SPAWN_FAILED"),
    );
    assert.deepEqual(await provider.processStatus("bad"), { running: false });
    await provider.destroy("bad");
  });

  test("bad input and unknown instances get domain errors", async () => {
    await assert.rejects(provider.provision(spec("../etc")), code("INVALID_INSTANCE_ID"));
    await assert.rejects(
      provider.provision({ ...spec("x"), volumeSizeGb: 0.5 }),
      code("INVALID_VOLUME_SIZE"),
    );
    await assert.rejects(provider.provision({ ...spec("x"), vcpus: 0 }), code("INVALID_VCPUS"));
    await assert.rejects(
      provider.launch("nope", sleeper("SIGTERM"), { logFile: join(dir, "n.log") }),
      code("COMPUTE_INSTANCE_NOT_FOUND"),
    );
    await provider.destroy("nope"); // nothing to do, no error
    assert.throws(() => make({ addressPool: "10.0.0.0/8" }), code("INVALID_ADDRESS_POOL"));
  });

  // As a normal user, engines run as Coffer's own user, who can enter its own directories.
  test(
    "a root directory the run-as user cannot enter is refused at provision",
    { skip: !isRoot },
    async () => {
      const hidden = join(dir, "hidden");
      await mkdir(hidden, { mode: 0o700 });
      const p = make({ rootDir: join(hidden, "root") });
      await assert.rejects(p.provision(spec("h")), code("COMPUTE_ROOT_UNREACHABLE"));
      assert.deepEqual(await p.list(), []);
    },
  );
});
