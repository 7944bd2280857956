import { access, mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { UnavailableError } from "../../domain/index.js";
import type { Logger } from "../../lib/index.js";
import type { HostCapabilities, VolumeKind } from "../types.js";
import { CONTROLLERS, findHierarchies, prepareParent, type CgroupHierarchies } from "./cgroups.js";
import { hostCommand } from "./commands.js";
import { isMountPoint } from "./mounts.js";
import { hasCapSysResource } from "./proc.js";
import { resolveRunAs, type RunAsUser } from "./runas.js";

export interface ProbeSettings {
  rootDir: string;
  volumeMode: "auto" | VolumeKind;
  cgroups: boolean;
  cgroupParent: string;
  runAsUser: string;
  logger: Logger;
}

export interface HostFacts {
  capabilities: HostCapabilities;
  hierarchies: CgroupHierarchies;
  runAs: RunAsUser;
}

/** Finds what this host offers, by trying it (a tiny loop volume, the cgroup parent), and logs what is not enforced. */
export async function probeHost(settings: ProbeSettings): Promise<HostFacts> {
  const { logger } = settings;
  const root = process.getuid?.() === 0;
  const notEnforced: string[] = [];
  await mkdir(settings.rootDir, { recursive: true, mode: 0o755 });

  const runAs = await resolveRunAs(root, settings.runAsUser, logger);
  if (!root) notEnforced.push("Coffer is not root: engines run as Coffer's own user, not a dedicated one");

  let volumeKind: VolumeKind = "directory";
  if (settings.volumeMode !== "directory") {
    const why = root ? await loopVolumeProblem(settings.rootDir) : "Coffer is not root";
    if (why === undefined) volumeKind = "loop";
    else if (settings.volumeMode === "loop") {
      throw new UnavailableError("LOOP_VOLUMES_UNAVAILABLE", `loop volumes were asked for but: ${why}`, {
        retryable: false,
      });
    } else notEnforced.push(`volume sizes are not enforced (plain directories; usage is measured): ${why}`);
  } else notEnforced.push("volume sizes are not enforced (directory volumes chosen); usage is measured");

  const onlineVolumeResize = volumeKind === "loop" && (await hasCapSysResource());
  if (volumeKind === "loop" && !onlineVolumeResize) {
    notEnforced.push("volumes grow only while stopped: no CAP_SYS_RESOURCE for ext4 online resize");
  }

  let hierarchies: CgroupHierarchies = {};
  if (settings.cgroups && root)
    hierarchies = await prepareParent(await findHierarchies(), settings.cgroupParent);
  for (const c of CONTROLLERS) {
    if (hierarchies[c]) continue;
    const why = !settings.cgroups
      ? "cgroups disabled"
      : !root
        ? "Coffer is not root"
        : "no usable controller";
    notEnforced.push(`${LIMIT_NAMES[c]} limits are not enforced (${why})`);
  }

  const capabilities: HostCapabilities = {
    root,
    volumeKind,
    onlineVolumeResize,
    limits: {
      memory: hierarchies.memory?.version ?? null,
      cpu: hierarchies.cpu?.version ?? null,
      pids: hierarchies.pids?.version ?? null,
    },
    runAs,
    publicAddresses: false, // the provider probes its public pool, if it has one
    notEnforced,
  };
  logger.info({ capabilities }, "compute host probed");
  for (const line of notEnforced) logger.warn(line);
  return { capabilities, hierarchies, runAs };
}

const LIMIT_NAMES = { memory: "memory", cpu: "CPU", pids: "process-count" } as const;

/** Tries a 16 MB loop volume end to end; returns why it failed, or undefined when it works. */
async function loopVolumeProblem(rootDir: string): Promise<string | undefined> {
  try {
    await access("/dev/loop-control");
  } catch {
    return "no /dev/loop-control";
  }
  const dir = join(rootDir, `.probe-${process.pid}-${Date.now()}`);
  const image = join(dir, "probe.img");
  const mountPoint = join(dir, "mnt");
  try {
    await mkdir(mountPoint, { recursive: true });
    const file = await open(image, "wx");
    await file.truncate(16 * 1024 * 1024);
    await file.close();
    await hostCommand("mkfs.ext4", ["-q", "-F", image]);
    await hostCommand("mount", ["-t", "ext4", "-o", "loop", image, mountPoint]);
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
