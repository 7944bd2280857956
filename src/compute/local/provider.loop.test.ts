// The local provider with loop volumes and cgroups, end to end on this host (needs root).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { access, open, readFile, rm, stat, statfs } from "node:fs/promises";
import { join } from "node:path";
import { CofferError } from "../../domain/index.js";
import { freePort, run, silentLogger, waitFor } from "../../lib/index.js";
import { cleanupLocalRoot } from "../testing.js";
import type { ComputeProvider, HostCapabilities, InstancePlacement } from "../types.js";
import { findHierarchies, memoryLimitBytes } from "./cgroups.js";
import { isMountPoint, loopDevicesUnder, mountAt, mountsUnder } from "./mounts.js";
import { createLocalProvider } from "./provider.js";
import {
  ask,
  hasXfsTools,
  mountIdOf,
  randomPool,
  tempRoot,
  uniqueCgroupParent,
  waitStopped,
  writeScript,
} from "./test-support.js";

const GIB = 1024 ** 3;
const isRoot = process.getuid?.() === 0;
const code = (c: string) => (err: unknown) => err instanceof CofferError && err.code === c;

describe("local provider, loop volumes", { skip: !isRoot && "needs root" }, () => {
  let dir = "";
  let rootDir = "";
  let script = "";
  const cgroupParent = uniqueCgroupParent();
  const addressPool = randomPool();
  const make = () => createLocalProvider({ rootDir, addressPool, cgroupParent, logger: silentLogger() });
  let provider: ComputeProvider;
  let caps: HostCapabilities;
  let placement: InstancePlacement;
  let port = 0;
  const writer = () => ({
    file: process.execPath,
    args: [script, placement.address, String(port), join(placement.volumePath, "grow")],
    env: {},
    stopSignal: "SIGTERM" as const,
  });
  const logFile = () => join(dir, "logs", "vol-a.log");

  before(async () => {
    dir = await tempRoot("loop");
    rootDir = join(dir, "root");
    script = await writeScript(dir);
    provider = make();
    caps = await provider.probe();
  });
  after(() => cleanupLocalRoot(dir, cgroupParent));

  test("the probe finds loop volumes (XFS where xfsprogs is installed) and a non-root run-as user", async () => {
    assert.equal(caps.root, true);
    assert.equal(caps.volumeKind, "loop", caps.notEnforced.join("; "));
    if (await hasXfsTools()) {
      assert.equal(caps.volumeFilesystem, "xfs", caps.notEnforced.join("; "));
      assert.equal(caps.onlineVolumeResize, true);
      assert.ok(!caps.notEnforced.some((s) => s.includes("grow only while stopped")));
    }
    assert.notEqual(caps.runAs.uid, 0);
    assert.equal(caps.runAs.user, "coffer");
  });

  test("provision: own address, a mounted volume of the size owned by the run-as user; idempotent", async () => {
    placement = await provider.provision({
      instanceId: "vol-a",
      volumeSizeGb: 1,
      ramMb: 128,
      vcpus: 1,
      isPublic: false,
    });
    assert.match(placement.address, new RegExp(`^${addressPool.split(".").slice(0, 3).join("\\.")}\\.`));
    assert.ok(!placement.address.endsWith(".0") && placement.address !== "127.0.0.1");
    assert.equal(placement.volumeKind, "loop");
    assert.equal(placement.volumeFilesystem, caps.volumeFilesystem);
    assert.equal((await mountAt(placement.volumePath))?.fsType, caps.volumeFilesystem);
    const s = await stat(placement.volumePath);
    assert.deepEqual([s.uid, s.gid], [caps.runAs.uid, caps.runAs.gid]);
    const image = await stat(join(rootDir, "instances", "vol-a", "volume.img"));
    assert.equal(image.size, GIB);
    assert.ok(image.blocks * 512 < 0.1 * GIB, "the image is sparse");
    assert.deepEqual(await provider.provision({ ...placementSpec(), volumeSizeGb: 1 }), placement);
  });

  test("writing past the size fails with ENOSPC inside the volume only", async () => {
    const fill = join(placement.volumePath, "fill");
    await provider.launch(
      "vol-a",
      {
        file: "/bin/dd",
        args: ["if=/dev/zero", `of=${fill}`, "bs=4M", "oflag=direct"],
        env: {},
        stopSignal: "SIGTERM",
      },
      { logFile: logFile() },
    );
    await waitStopped(provider, "vol-a");
    assert.match(await readFile(logFile(), "utf8"), /No space left on device/);
    // XFS keeps 64 MiB of 1 GiB for its log (922 MiB free); ext4 with no root reserve 958 MiB.
    const written = (await stat(fill)).size;
    assert.ok(written > 0.85 * GIB && written < GIB, `filled ${written} bytes`);
    const usage = await provider.volumeUsage("vol-a");
    assert.equal(usage.sizeGb, 1);
    assert.ok(usage.usedGb > 0.85 && usage.usedGb <= 1, `used ${usage.usedGb}`);
  });

  test("launch: a process on the instance address, not root, in its cgroups, still up when the volume is full", async () => {
    port = await freePort(placement.address);
    const { pid } = await provider.launch("vol-a", writer(), { logFile: logFile() });
    assert.deepEqual(await provider.launch("vol-a", writer(), { logFile: logFile() }), { pid }); // one per instance
    const answer = await waitFor(() => ask(placement.address, port).catch(() => undefined), {
      timeoutMs: 10_000,
      what: "the writer to listen",
    });
    assert.equal(answer, "ENOSPC");
    const ps = await run("ps", ["-o", "uid=", "-p", String(pid)]);
    assert.equal(Number(ps.stdout.trim()), caps.runAs.uid);
    assert.notEqual(Number(ps.stdout.trim()), 0);
    const groups = await readFile(`/proc/${pid}/cgroup`, "utf8");
    for (const [controller, version] of Object.entries(caps.limits)) {
      if (version === "v1") assert.match(groups, new RegExp(`:${controller}:/${cgroupParent}/vol-a\\n`));
    }
    const memory = (await findHierarchies()).memory;
    if (caps.limits.memory === "v1" && memory) {
      const limit = await readFile(join(memory.root, cgroupParent, "vol-a", "memory.limit_in_bytes"), "utf8");
      assert.equal(Number(limit), memoryLimitBytes(128));
    }
    assert.equal(await ask(placement.address, port), "ENOSPC"); // still serving
  });

  test("resizeVolume grows the volume: more space, data kept; online, the same mount stays", async () => {
    if (caps.onlineVolumeResize) {
      const { pid } = await provider.processStatus("vol-a");
      const mountBefore = [(await stat(placement.volumePath)).dev, await mountIdOf(placement.volumePath)];
      await provider.resizeVolume("vol-a", 2); // while the writer keeps its file open and runs
      assert.deepEqual(await provider.processStatus("vol-a"), { running: true, pid });
      assert.deepEqual(
        [(await stat(placement.volumePath)).dev, await mountIdOf(placement.volumePath)],
        mountBefore,
        "grown in place: the same device and mount",
      );
      const df = await run("df", ["-B1", "--output=size", placement.volumePath]);
      assert.ok(Number(df.stdout.split("\n")[1]) > 1.9 * GIB, df.stdout);
    } else {
      await assert.rejects(provider.resizeVolume("vol-a", 2), code("VOLUME_RESIZE_NEEDS_STOP"));
      await provider.stop("vol-a");
      const held = await open(join(placement.volumePath, "fill"), "r"); // someone still in the volume
      await assert.rejects(provider.resizeVolume("vol-a", 2), code("VOLUME_BUSY"));
      await held.close();
      await provider.resizeVolume("vol-a", 2);
      await provider.launch("vol-a", writer(), { logFile: logFile() });
    }
    const answer = await waitFor(() => ask(placement.address, port).catch(() => undefined), {
      timeoutMs: 10_000,
      what: "the writer to answer",
    });
    assert.equal(answer, "ok");
    assert.ok((await stat(join(placement.volumePath, "fill"))).size > 0.85 * GIB);
    const usage = await provider.volumeUsage("vol-a");
    assert.equal(usage.sizeGb, 2);
    assert.equal((await stat(join(rootDir, "instances", "vol-a", "volume.img"))).size, 2 * GIB);
    assert.ok((await statfsTotal(placement.volumePath)) > 1.9 * GIB);
    await assert.rejects(provider.resizeVolume("vol-a", 1), code("VOLUME_SHRINK_NOT_SUPPORTED"));
  });

  test("a restarted Coffer finds the instance and adopts its running process", async () => {
    const before = await provider.processStatus("vol-a");
    assert.equal(before.running, true);
    const restarted = make();
    assert.deepEqual(
      (await restarted.list()).map((p) => [p.instanceId, p.address]),
      [["vol-a", placement.address]],
    );
    const adopted = await restarted.adopt();
    assert.deepEqual(adopted[0]?.process, before);
    assert.equal(await ask(placement.address, port), "ok");
    provider = restarted;
  });

  test("stop ends the process; after a 'reboot' (volume unmounted) adopt mounts it again", async () => {
    const { pid } = await provider.processStatus("vol-a");
    await provider.stop("vol-a", { timeoutMs: 5_000 });
    assert.deepEqual(await provider.processStatus("vol-a"), { running: false });
    await assert.rejects(access(`/proc/${pid}`));
    const broken = await provider.provision({ ...placementSpec(), instanceId: "vol-c" });
    for (const p of [placement, broken]) await run("umount", [p.volumePath]);
    await rm(join(rootDir, "instances", "vol-c", "volume.img")); // lost: adoption goes on without it
    assert.equal(await isMountPoint(placement.volumePath), false);
    await assert.rejects(provider.volumeUsage("vol-a"), code("VOLUME_NOT_MOUNTED"));
    provider = make();
    const adopted = await provider.adopt();
    assert.deepEqual(
      adopted.map((a) => [a.placement.instanceId, a.process.running, a.problem !== undefined]),
      [
        ["vol-a", false, false],
        ["vol-c", false, true],
      ],
    );
    await provider.destroy("vol-c");
    assert.equal((await mountAt(placement.volumePath))?.fsType, caps.volumeFilesystem);
    // Stopped and unmounted, it grows too (XFS only grows mounted: it is mounted first).
    await run("umount", [placement.volumePath]);
    await provider.resizeVolume("vol-a", 3);
    assert.equal((await provider.volumeUsage("vol-a")).sizeGb, 3);
    assert.ok((await statfsTotal(placement.volumePath)) > 2.9 * GIB);
    assert.ok((await stat(join(placement.volumePath, "fill"))).size > 0.85 * GIB);
  });

  test("destroy leaves nothing: no mount, loop device, cgroup, file or address; idempotent", async () => {
    await provider.launch("vol-a", writer(), { logFile: logFile() }); // destroy kills it
    await provider.destroy("vol-a");
    await provider.destroy("vol-a");
    assert.deepEqual(await mountsUnder(rootDir), []);
    assert.deepEqual(await loopDevicesUnder(rootDir), []);
    await assert.rejects(access(join(rootDir, "instances", "vol-a")));
    for (const h of Object.values(await findHierarchies())) {
      await assert.rejects(access(join(h.root, cgroupParent, "vol-a")));
    }
    assert.deepEqual(await provider.list(), []);
    assert.deepEqual(await provider.processStatus("vol-a"), { running: false });
    const again = await provider.provision({ ...placementSpec(), instanceId: "vol-b" });
    assert.equal(again.address, placement.address); // the address was freed
    await provider.destroy("vol-b");
  });
});

function placementSpec() {
  return { instanceId: "vol-a", volumeSizeGb: 1, ramMb: 128, vcpus: 1, isPublic: false };
}

async function statfsTotal(path: string): Promise<number> {
  const s = await statfs(path);
  return s.blocks * s.bsize;
}
