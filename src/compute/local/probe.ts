import { mkdir } from "node:fs/promises";
import { UnavailableError } from "../../domain/index.js";
import type { Logger } from "../../lib/index.js";
import type { HostCapabilities, VolumeFilesystem, VolumeKind } from "../types.js";
import { CONTROLLERS, findHierarchies, prepareParent, type CgroupHierarchies } from "./cgroups.js";
import { hasCapSysResource } from "./proc.js";
import { loopVolumeProblem } from "./probe-volumes.js";
import { resolveRunAs, type RunAsUser } from "./runas.js";

export interface ProbeSettings {
  rootDir: string;
  volumeMode: "auto" | VolumeKind;
  volumeFilesystem: "auto" | VolumeFilesystem;
  cgroups: boolean;
  cgroupParent: string;
  runAsUser: string;
  logger: Logger;
}

export interface HostFacts {
  capabilities: HostCapabilities;
  hierarchies: CgroupHierarchies;
  runAs: RunAsUser;
  /** Whether ext4 volumes (the provider's own, or older ones) can grow while mounted. */
  ext4OnlineResize: boolean;
}

/** Finds what this host offers, by trying it (a tiny loop volume, the cgroup parent), and logs what is not enforced. */
export async function probeHost(settings: ProbeSettings): Promise<HostFacts> {
  const { logger } = settings;
  const started = performance.now();
  const root = process.getuid?.() === 0;
  const notEnforced: string[] = [];
  await mkdir(settings.rootDir, { recursive: true, mode: 0o755 });

  const runAs = await resolveRunAs(root, settings.runAsUser, logger);
  if (!root) notEnforced.push("Coffer is not root: engines run as Coffer's own user, not a dedicated one");

  const volumeStarted = performance.now();
  let volumeKind: VolumeKind = "directory";
  let volumeFilesystem: VolumeFilesystem | null = null;
  let xfsProblem: string | undefined;
  if (settings.volumeMode !== "directory") {
    const found = root ? await findLoopFilesystem(settings) : { problem: "Coffer is not root" };
    if ("filesystem" in found) {
      volumeKind = "loop";
      volumeFilesystem = found.filesystem;
      xfsProblem = found.xfsProblem;
    } else if (settings.volumeMode === "loop") {
      throw new UnavailableError(
        "LOOP_VOLUMES_UNAVAILABLE",
        `loop volumes were asked for but: ${found.problem}`,
        { retryable: false },
      );
    } else {
      notEnforced.push(
        `volume sizes are not enforced (plain directories; usage is measured): ${found.problem}`,
      );
    }
  } else notEnforced.push("volume sizes are not enforced (directory volumes chosen); usage is measured");
  const volumeProbeMs = Math.round(performance.now() - volumeStarted);

  // XFS grows mounted with CAP_SYS_ADMIN, which mounting needed anyway; ext4 also needs CAP_SYS_RESOURCE.
  const ext4OnlineResize = volumeKind === "loop" && (await hasCapSysResource());
  const onlineVolumeResize = volumeFilesystem === "xfs" || ext4OnlineResize;
  if (volumeFilesystem === "ext4" && !ext4OnlineResize) {
    const why = xfsProblem ? `XFS is not usable here (${xfsProblem})` : "ext4 volumes were chosen";
    notEnforced.push(
      `volumes grow only while stopped: ext4 needs CAP_SYS_RESOURCE to grow online, and ${why}`,
    );
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
    volumeFilesystem,
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
  logger.info(
    { capabilities, volumeProbeMs, probeMs: Math.round(performance.now() - started) },
    "compute host probed",
  );
  for (const line of notEnforced) logger.warn(line);
  return { capabilities, hierarchies, runAs, ext4OnlineResize };
}

const LIMIT_NAMES = { memory: "memory", cpu: "CPU", pids: "process-count" } as const;

/**
 * XFS when it can be made, mounted and grown online here (unless ext4 is asked for), else ext4;
 * `problem` when neither works. XFS asked for by name and not usable is an error, not a fallback.
 */
async function findLoopFilesystem(
  settings: ProbeSettings,
): Promise<{ filesystem: VolumeFilesystem; xfsProblem?: string } | { problem: string }> {
  let xfsProblem: string | undefined;
  if (settings.volumeFilesystem !== "ext4") {
    xfsProblem = await loopVolumeProblem(settings.rootDir, "xfs");
    if (xfsProblem === undefined) return { filesystem: "xfs" };
    if (settings.volumeFilesystem === "xfs") {
      throw new UnavailableError("XFS_VOLUMES_UNAVAILABLE", `XFS volumes were asked for but: ${xfsProblem}`, {
        retryable: false,
      });
    }
  }
  const problem = await loopVolumeProblem(settings.rootDir, "ext4");
  if (problem !== undefined) return { problem };
  return xfsProblem === undefined ? { filesystem: "ext4" } : { filesystem: "ext4", xfsProblem };
}
