import { access, mkdir, open, rm, statfs, truncate } from "node:fs/promises";
import { join } from "node:path";
import type { VolumeFilesystem } from "../types.js";
import { hostCommand } from "./commands.js";
import { isMountPoint, mountAt } from "./mounts.js";
import { MKFS } from "./volumes.js";

const MIB = 1024 ** 2;

/**
 * The smallest image that shows a filesystem works here, and for XFS what it is chosen for: growing
 * while mounted. mkfs.xfs refuses less than 300 MB; a sparse image costs only what mkfs writes
 * (XFS zeroes its 64 MiB log with a fallocate, which takes no time).
 */
const PROBE = {
  ext4: { sizeMb: 16, grownMb: undefined },
  xfs: { sizeMb: 300, grownMb: 320 },
} as const satisfies Record<VolumeFilesystem, { sizeMb: number; grownMb: number | undefined }>;

/**
 * Tries a loop volume of `filesystem` end to end (make, mount and, for XFS, grow it mounted);
 * returns why it failed, or undefined when it works.
 */
export async function loopVolumeProblem(
  rootDir: string,
  filesystem: VolumeFilesystem,
): Promise<string | undefined> {
  try {
    await access("/dev/loop-control");
  } catch {
    return "no /dev/loop-control";
  }
  const dir = join(rootDir, `.probe-${filesystem}-${process.pid}-${Date.now()}`);
  const image = join(dir, "probe.img");
  const mountPoint = join(dir, "mnt");
  const { sizeMb, grownMb } = PROBE[filesystem];
  try {
    await mkdir(mountPoint, { recursive: true });
    const file = await open(image, "wx");
    await file.truncate(sizeMb * MIB);
    await file.close();
    const mkfs = MKFS[filesystem];
    await hostCommand(mkfs.file, [...mkfs.args, image]);
    await hostCommand("mount", ["-t", filesystem, "-o", "loop", image, mountPoint]);
    if (grownMb !== undefined) {
      const before = await sizeOf(mountPoint);
      const device = (await mountAt(mountPoint))?.source ?? "";
      await truncate(image, grownMb * MIB);
      await hostCommand("losetup", ["--set-capacity", device]);
      await hostCommand("xfs_growfs", ["-d", mountPoint]);
      if ((await sizeOf(mountPoint)) <= before) return "xfs_growfs did not grow the mounted filesystem";
    }
    await hostCommand("umount", [mountPoint]);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    if (await isMountPoint(mountPoint).catch(() => false))
      await hostCommand("umount", [mountPoint]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

async function sizeOf(mountPoint: string): Promise<number> {
  const s = await statfs(mountPoint);
  return s.blocks * s.bsize;
}
