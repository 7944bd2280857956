import { chmod, chown, mkdir, open, statfs, truncate } from "node:fs/promises";
import { InvalidStateError } from "../../domain/index.js";
import { run, sleep, type Logger } from "../../lib/index.js";
import type { RunAs, VolumeFilesystem } from "../types.js";
import { HOST_PATH, hostCommand } from "./commands.js";
import { isMountPoint, loopDevicesFor, mountAt, mountsUnder } from "./mounts.js";
import type { Layout } from "./records.js";

export const GIB = 1024 ** 3;

/**
 * How each filesystem is made. ext4: -m 0 reserves no blocks for root, so the user gets the whole
 * size; initialising the inode tables and journal now (cheap on a sparse file) keeps the kernel's
 * lazy-init thread from writing later. XFS: the defaults (4 allocation groups and a 64 MiB log on
 * 1 GiB, 922 MiB free; mkfs.xfs 6.1 refuses a smaller log, and turning reflink off gains only 5 MiB).
 */
export const MKFS: Readonly<Record<VolumeFilesystem, { file: string; args: readonly string[] }>> = {
  ext4: { file: "mkfs.ext4", args: ["-q", "-F", "-m", "0", "-E", "lazy_itable_init=0,lazy_journal_init=0"] },
  xfs: { file: "mkfs.xfs", args: ["-q", "-f"] },
};

/**
 * A loop volume is a sparse image file of exactly the requested size holding an XFS or ext4
 * filesystem, loop-mounted at the instance's volume path: writes past the size fail with ENOSPC
 * inside the instance only. The mount point underneath is root's with mode 0700, so an engine
 * started while the volume is not mounted cannot write to the host's disk by mistake.
 */
export async function createLoopVolume(
  layout: Layout,
  id: string,
  sizeGb: number,
  runAs: RunAs,
  filesystem: VolumeFilesystem,
): Promise<void> {
  const image = layout.imageFile(id);
  const file = await open(image, "wx", 0o600);
  try {
    await file.truncate(sizeGb * GIB); // sparse: takes no space until written
  } finally {
    await file.close();
  }
  const mkfs = MKFS[filesystem];
  await hostCommand(mkfs.file, [...mkfs.args, image]);
  await mountLoopVolume(layout, id, filesystem);
  const mountPoint = layout.volumePath(id);
  await chown(mountPoint, runAs.uid, runAs.gid);
  await chmod(mountPoint, 0o700);
}

/** Mounts the image if it is not mounted (after a reboot, or a crash between steps). */
export async function mountLoopVolume(
  layout: Layout,
  id: string,
  filesystem: VolumeFilesystem,
): Promise<void> {
  const mountPoint = layout.volumePath(id);
  if (await isMountPoint(mountPoint)) return;
  await mkdir(mountPoint, { recursive: true, mode: 0o700 });
  await chmod(mountPoint, 0o700); // the covered directory: root's, unwritable for the engine
  // `-o loop` sets the loop device's autoclear flag: unmounting also detaches the device.
  await hostCommand("mount", [
    "-t",
    filesystem,
    "-o",
    "loop,noatime,nodev,nosuid",
    layout.imageFile(id),
    mountPoint,
  ]);
}

/**
 * Grows a mounted filesystem in place, while it is in use: the image is extended, the loop device
 * told, and the filesystem grown by the kernel (XFS: `xfs_growfs`, needing CAP_SYS_ADMIN; ext4:
 * `resize2fs`, needing CAP_SYS_RESOURCE as well). The mount stays the same: open files stay open.
 * Idempotent: after a failure half-way, the same call finishes the job.
 */
export async function growLoopVolumeOnline(
  layout: Layout,
  id: string,
  filesystem: VolumeFilesystem,
  newSizeGb: number,
): Promise<void> {
  const mountPoint = layout.volumePath(id);
  // The device actually mounted there (a spare's image was renamed after it was attached).
  const device = (await mountAt(mountPoint))?.source;
  if (!device?.startsWith("/dev/loop")) {
    throw new InvalidStateError("VOLUME_NOT_MOUNTED", `the volume of instance ${id} is not mounted`);
  }
  await truncate(layout.imageFile(id), newSizeGb * GIB);
  await hostCommand("losetup", ["--set-capacity", device]);
  if (filesystem === "xfs") await hostCommand("xfs_growfs", ["-d", mountPoint]);
  else await hostCommand("resize2fs", [device]);
}

/**
 * Grows an ext4 image while nothing uses it: unmount, check (resize2fs insists), resize, mount
 * again. (XFS has no offline growth: it grows only mounted.)
 * Refuses (VOLUME_BUSY) rather than touch an image a process outside Coffer still holds open.
 */
export async function growLoopVolumeOffline(layout: Layout, id: string, newSizeGb: number): Promise<void> {
  const image = layout.imageFile(id);
  for (const point of await mountsUnder(layout.instanceDir(id))) {
    await hostCommand("umount", [point]).catch((err: unknown) => {
      throw new InvalidStateError("VOLUME_BUSY", `the volume of instance ${id} is in use`, { cause: err });
    });
  }
  for (const device of await loopDevicesFor(image)) await hostCommand("losetup", ["--detach", device]);
  if (!(await detached(image))) {
    throw new InvalidStateError("VOLUME_BUSY", `the volume image of instance ${id} is still attached`);
  }
  await truncate(image, newSizeGb * GIB);
  await fsck(image);
  await hostCommand("resize2fs", [image]);
  await mountLoopVolume(layout, id, "ext4");
}

/**
 * Whether the image's loop devices are gone, waiting up to 2 s: the kernel detaches a device only
 * at its last close, and other programs open loop devices for a moment (`mount -o loop` scans
 * them for one that is free), so a detach can land a little after umount and losetup return.
 */
async function detached(image: string): Promise<boolean> {
  for (let waited = 0; ; waited += 20) {
    if ((await loopDevicesFor(image)).length === 0) return true;
    if (waited >= 2000) return false;
    await sleep(20);
  }
}

/** e2fsck -p exits 1 when it fixed something, which is still a usable filesystem. */
async function fsck(image: string): Promise<void> {
  try {
    await hostCommand("e2fsck", ["-f", "-p", image]);
  } catch (err) {
    const code = (err as { details?: { exitCode?: number } }).details?.exitCode;
    if (code !== 1) throw err;
  }
}

/**
 * For destroy: unmounts everything under the instance's directory and detaches the image's loop
 * devices. A mount kept busy by a process outside Coffer's control is detached lazily (it leaves
 * the tree now; the kernel lets go when the last user closes it), as the data is going anyway.
 */
export async function unmountLoopVolume(layout: Layout, id: string, logger: Logger): Promise<void> {
  for (const point of await mountsUnder(layout.instanceDir(id))) {
    try {
      await hostCommand("umount", [point]);
    } catch (err) {
      logger.warn({ err, mountPoint: point }, "volume busy; detaching it lazily");
      await hostCommand("umount", ["--lazy", point]);
    }
  }
  for (const device of await loopDevicesFor(layout.imageFile(id))) {
    await hostCommand("losetup", ["--detach", device]).catch((err: unknown) => {
      logger.warn({ err, device }, "could not detach loop device");
    });
  }
}

export async function createDirectoryVolume(layout: Layout, id: string, runAs: RunAs): Promise<void> {
  const path = layout.volumePath(id);
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chown(path, runAs.uid, runAs.gid);
  await chmod(path, 0o700);
}

/** Bytes used: the filesystem's own count for a loop volume, a walk (`du`) for a directory. */
export async function usedBytes(volumePath: string, kind: "loop" | "directory"): Promise<number> {
  if (kind === "loop") {
    const s = await statfs(volumePath);
    return (s.blocks - s.bfree) * s.bsize;
  }
  // -x: stay on this filesystem; du exits 1 on a file that vanished mid-walk, its total still stands.
  const result = await run("du", ["-s", "-x", "-B1", volumePath], { env: { PATH: HOST_PATH } });
  const total = Number(result.stdout.split(/\s/)[0]);
  return Number.isFinite(total) ? total : 0;
}
