// Spare volumes: a provision takes a volume made ahead and it behaves as one made for it (needs root).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdir, stat, statfs, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { silentLogger, waitFor } from "../../lib/index.js";
import { cleanupLocalRoot } from "../testing.js";
import type { ComputeProvider, HostCapabilities } from "../types.js";
import { isMountPoint, loopDevicesUnder, mountAt, mountsUnder } from "./mounts.js";
import { createLocalProvider } from "./provider.js";
import { randomPool, tempRoot, uniqueCgroupParent } from "./test-support.js";

const GIB = 1024 ** 3;
const isRoot = process.getuid?.() === 0;

describe("local provider, spare volumes", { skip: !isRoot && "needs root" }, () => {
  let dir = "";
  let rootDir = "";
  let provider: ComputeProvider;
  let caps: HostCapabilities;
  const cgroupParent = uniqueCgroupParent();
  const spares = () => readdir(join(rootDir, "spares", "instances")).catch(() => [] as string[]);
  const ready = (n: number) =>
    waitFor(
      async () =>
        (await spares()).length === n && (await mountsUnder(join(rootDir, "spares"))).length === n
          ? true
          : undefined,
      {
        timeoutMs: 30_000,
        intervalMs: 50,
        what: `${n} spare volumes`,
      },
    );

  before(async () => {
    dir = await tempRoot("spare");
    rootDir = join(dir, "root");
    provider = createLocalProvider({
      rootDir,
      addressPool: randomPool(),
      cgroupParent,
      logger: silentLogger(),
      spareVolumes: [{ sizeGb: 2, count: 1 }],
    });
    caps = await provider.probe();
  });
  after(() => cleanupLocalRoot(dir, cgroupParent));

  test("a provision of the spare's size takes it: mounted, its size, the engine user's, empty; a new spare follows", async () => {
    await ready(1);
    const [spare] = await spares();
    const placement = await provider.provision({
      instanceId: "sp-a",
      volumeSizeGb: 2,
      ramMb: 128,
      vcpus: 1,
      isPublic: false,
    });
    assert.ok(!(await spares()).includes(spare!), "the spare was taken");
    assert.ok(await isMountPoint(placement.volumePath));
    const fs = await statfs(placement.volumePath);
    assert.ok(Math.abs(fs.blocks * fs.bsize - 2 * GIB) < 0.1 * GIB, "a 2 GB filesystem");
    const root = await stat(placement.volumePath);
    assert.equal(root.uid, placement.runAs.uid);
    assert.equal(root.mode & 0o777, 0o700);
    const empty = caps.volumeFilesystem === "ext4" ? ["lost+found"] : [];
    assert.deepEqual((await readdir(placement.volumePath)).sort(), empty);
    assert.equal((await mountAt(placement.volumePath))?.fsType, caps.volumeFilesystem);
    await writeFile(join(placement.volumePath, "x"), "data");
    assert.equal((await provider.volumeUsage("sp-a")).sizeGb, 2);
    if (caps.onlineVolumeResize) {
      // The loop device was attached under the spare's image name: growth finds it by the mount.
      await provider.resizeVolume("sp-a", 3);
      const grown = await statfs(placement.volumePath);
      assert.ok(grown.blocks * grown.bsize > 2.9 * GIB, "grown to 3 GB");
    }
    await ready(1); // refilled

    // Another size is made the usual way; destroying leaves no mount or loop device of either.
    const other = await provider.provision({
      instanceId: "sp-b",
      volumeSizeGb: 1,
      ramMb: 128,
      vcpus: 1,
      isPublic: false,
    });
    assert.ok(await isMountPoint(other.volumePath));
    await provider.destroy("sp-a");
    await provider.destroy("sp-b");
    assert.deepEqual(await mountsUnder(join(rootDir, "instances")), []);
    const loops = await loopDevicesUnder(join(rootDir, "instances"));
    assert.deepEqual(loops, []);
  });

  test("spares a previous run left are removed, and new ones made", async () => {
    await ready(1);
    const [old] = await spares();
    const again = createLocalProvider({
      rootDir,
      addressPool: randomPool(),
      cgroupParent,
      logger: silentLogger(),
      spareVolumes: [{ sizeGb: 2, count: 1 }],
    });
    await again.probe();
    await waitFor(
      async () =>
        (await spares()).some((s) => s !== old) && !(await spares()).includes(old!) ? true : undefined,
      {
        timeoutMs: 30_000,
        intervalMs: 50,
        what: "the old spare replaced",
      },
    );
    await ready(1);
  });

  test("a clean stop (close) removes every spare — no mount, loop device or image — and leaves instances be", async () => {
    const closing = join(dir, "closing");
    const own = createLocalProvider({
      rootDir: closing,
      addressPool: randomPool(),
      cgroupParent,
      logger: silentLogger(),
      spareVolumes: [{ sizeGb: 1, count: 2 }],
    });
    await own.probe();
    const spareDir = join(closing, "spares");
    const made = () => readdir(join(spareDir, "instances")).catch(() => [] as string[]);
    await waitFor(async () => ((await mountsUnder(spareDir)).length === 2 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: "2 spare volumes",
    });
    const kept = await own.provision({
      instanceId: "sp-c",
      volumeSizeGb: 1,
      ramMb: 128,
      vcpus: 1,
      isPublic: false,
    });
    assert.equal((await made()).length, 1, "one spare taken");
    await own.close();
    assert.deepEqual(await mountsUnder(spareDir), []);
    assert.deepEqual(await loopDevicesUnder(spareDir), []);
    assert.deepEqual(await made(), []);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // past the refill delay: nothing is made again
    assert.deepEqual(await made(), []);
    assert.ok(await isMountPoint(kept.volumePath), "the instance's volume stays");
    assert.equal((await own.list()).length, 1);
  });
});
