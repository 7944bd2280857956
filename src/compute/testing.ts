/**
 * Test helpers for code that uses the local compute provider: a last-resort cleanup that leaves no
 * process, mount, loop device, cgroup or file behind, whatever state a failed test left.
 */
import { readdir, readFile, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { sleep } from "../lib/index.js";
import { findHierarchies } from "./local/cgroups.js";
import { hostCommand } from "./local/commands.js";
import { loopDevicesUnder, mountsUnder } from "./local/mounts.js";
import { isAlive, readPidRecord, signal } from "./local/processes.js";
import { Layout } from "./local/records.js";

export async function cleanupLocalRoot(rootDir: string, cgroupParent?: string): Promise<void> {
  const layout = new Layout(rootDir);
  const ids = await readdir(layout.instancesDir).catch(() => [] as string[]);
  for (const id of ids) {
    const record = await readPidRecord(layout.pidFile(id)).catch(() => undefined);
    if (record && (await isAlive(record))) signal(-record.pid, "SIGKILL");
  }
  if (cgroupParent) await removeCgroupTree(cgroupParent);
  for (const point of await mountsUnder(rootDir)) {
    await hostCommand("umount", [point]).catch(() => hostCommand("umount", ["--lazy", point]));
  }
  for (const device of await loopDevicesUnder(rootDir)) {
    await hostCommand("losetup", ["--detach", device]).catch(() => {});
  }
  await rm(rootDir, { recursive: true, force: true });
}

/** Kills every process in `<hierarchy>/<parent>/*` and removes those groups and the parent. */
async function removeCgroupTree(parent: string): Promise<void> {
  for (const h of Object.values(await findHierarchies())) {
    const top = join(h.root, parent);
    const children = await readdir(top, { withFileTypes: true }).catch(() => []);
    const dirs = children.filter((c) => c.isDirectory()).map((c) => join(top, c.name));
    for (const dir of [...dirs, top]) {
      for (let attempt = 0; attempt < 40; attempt++) {
        const procs = await readFile(join(dir, "cgroup.procs"), "utf8").catch(() => "");
        for (const pid of procs.split("\n").filter(Boolean)) signal(Number(pid), "SIGKILL");
        if (
          await rmdir(dir).then(
            () => true,
            (err: NodeJS.ErrnoException) => err.code === "ENOENT",
          )
        )
          break;
        await sleep(50);
      }
    }
  }
}
