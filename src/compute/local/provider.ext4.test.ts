// ext4 loop volumes: asked for by option, and those recorded before volumes were XFS (needs root).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat, statfs, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CofferError } from "../../domain/index.js";
import { freePort, run, silentLogger, waitFor } from "../../lib/index.js";
import { cleanupLocalRoot } from "../testing.js";
import type { ComputeProvider, InstancePlacement } from "../types.js";
import { mountAt } from "./mounts.js";
import { hasCapSysResource } from "./proc.js";
import { createLocalProvider } from "./provider.js";
import { ask, hasXfsTools, randomPool, tempRoot, uniqueCgroupParent, writeScript } from "./test-support.js";

const GIB = 1024 ** 3;
const isRoot = process.getuid?.() === 0;
const code = (c: string) => (err: unknown) => err instanceof CofferError && err.code === c;
const spec = (instanceId: string) => ({ instanceId, volumeSizeGb: 1, ramMb: 128, vcpus: 1, isPublic: false });

describe("local provider, ext4 volumes", { skip: !isRoot && "needs root" }, () => {
  let dir = "";
  let rootDir = "";
  let script = "";
  let port = 0;
  let placement: InstancePlacement;
  let ext4Online = false;
  const cgroupParent = uniqueCgroupParent();
  const addressPool = randomPool();
  const make = (volumeFilesystem: "auto" | "ext4") =>
    createLocalProvider({ rootDir, addressPool, cgroupParent, volumeFilesystem, logger: silentLogger() });
  const logFile = () => join(dir, "e4.log");
  /** The writer keeps a file on the volume open and appends 8 MiB per connection. */
  const launchWriter = async (provider: ComputeProvider) => {
    const command = {
      file: process.execPath,
      args: [script, placement.address, String(port), join(placement.volumePath, "grow")],
      env: {},
      stopSignal: "SIGTERM" as const,
    };
    await provider.launch("e4-a", command, { logFile: logFile() });
    return waitFor(() => ask(placement.address, port).catch(() => undefined), {
      timeoutMs: 10_000,
      what: "the writer to answer",
    });
  };
  /** Grows the volume of a running writer: online where ext4 can, else refused, then stopped, grown, started. */
  const grow = async (provider: ComputeProvider, sizeGb: number) => {
    if (ext4Online) return provider.resizeVolume("e4-a", sizeGb);
    await assert.rejects(provider.resizeVolume("e4-a", sizeGb), code("VOLUME_RESIZE_NEEDS_STOP"));
    assert.equal((await provider.volumeUsage("e4-a")).sizeGb, sizeGb - 1, "nothing changed");
    await provider.stop("e4-a", { timeoutMs: 5_000 });
    await provider.resizeVolume("e4-a", sizeGb); // offline: unmount, e2fsck, resize2fs, mount
    assert.equal(await launchWriter(provider), "ok");
  };

  before(async () => {
    dir = await tempRoot("ext4");
    rootDir = join(dir, "root");
    script = await writeScript(dir);
    ext4Online = await hasCapSysResource();
  });
  after(() => cleanupLocalRoot(dir, cgroupParent));

  test("volumeFilesystem ext4: ext4 volumes, grown offline where ext4 cannot grow online", async () => {
    const provider = make("ext4");
    const caps = await provider.probe();
    assert.equal(caps.volumeFilesystem, "ext4");
    assert.equal(caps.onlineVolumeResize, ext4Online);
    if (!ext4Online) {
      assert.ok(caps.notEnforced.some((s) => s.startsWith("volumes grow only while stopped")));
    }
    placement = await provider.provision(spec("e4-a"));
    assert.equal(placement.volumeFilesystem, "ext4");
    assert.equal((await mountAt(placement.volumePath))?.fsType, "ext4");
    port = await freePort(placement.address);
    assert.equal(await launchWriter(provider), "ok");
    await grow(provider, 2);
    assert.equal((await provider.volumeUsage("e4-a")).sizeGb, 2);
    assert.ok((await total(placement.volumePath)) > 1.9 * GIB);
    assert.equal(await ask(placement.address, port), "ok");
    await provider.stop("e4-a", { timeoutMs: 5_000 });
  });

  test("a placement recorded without a filesystem is ext4: mounted and grown as ext4 on an XFS host", async () => {
    const file = join(rootDir, "instances", "e4-a", "placement.json");
    const record = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    delete record.volumeFilesystem; // as written before volumes could be XFS
    await writeFile(file, JSON.stringify(record));
    await run("umount", [placement.volumePath]); // a reboot
    const provider = make("auto");
    const caps = await provider.probe();
    const adopted = await provider.adopt();
    assert.deepEqual(
      adopted.map((a) => [a.placement.instanceId, a.placement.volumeFilesystem, a.problem]),
      [["e4-a", "ext4", undefined]],
    );
    assert.equal((await mountAt(placement.volumePath))?.fsType, "ext4");
    assert.equal(await launchWriter(provider), "ok");
    await grow(provider, 3); // even where the host's own volumes (XFS) grow online
    assert.ok((await total(placement.volumePath)) > 2.9 * GIB);
    assert.ok((await stat(join(placement.volumePath, "grow"))).size >= 3 * 8 * 1024 ** 2, "data kept");

    const fresh = await provider.provision(spec("e4-b"));
    assert.equal(fresh.volumeFilesystem, caps.volumeFilesystem);
    if (await hasXfsTools()) assert.equal(fresh.volumeFilesystem, "xfs");
    await provider.destroy("e4-a");
    await provider.destroy("e4-b");
  });
});

async function total(path: string): Promise<number> {
  const s = await statfs(path);
  return s.blocks * s.bsize;
}
