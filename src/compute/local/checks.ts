import { stat } from "node:fs/promises";
import { dirname } from "node:path";
import { UnavailableError, ValidationError } from "../../domain/index.js";
import type { RunAs } from "../types.js";

/** Whole GiB from 1 to 16 TiB: the image is `size × 2^30` bytes exactly. */
export function checkVolumeSize(sizeGb: number): void {
  if (!Number.isInteger(sizeGb) || sizeGb < 1 || sizeGb > 16384) {
    throw new ValidationError(
      "INVALID_VOLUME_SIZE",
      `volume size must be a whole number of GB from 1, not ${sizeGb}`,
    );
  }
}

export function checkLimits(limits: { ramMb: number; vcpus: number }): void {
  if (!Number.isInteger(limits.ramMb) || limits.ramMb < 16) {
    throw new ValidationError("INVALID_RAM", `RAM must be a whole number of MB from 16, not ${limits.ramMb}`);
  }
  if (!(limits.vcpus > 0) || limits.vcpus > 1024) {
    throw new ValidationError("INVALID_VCPUS", `vCPUs must be more than 0, not ${limits.vcpus}`);
  }
}

/**
 * The engine, running as `runAs`, must be able to walk down to its volume. A root directory under
 * /root (mode 0700) is the usual trap: say so at provision rather than let the engine fail later.
 * Supplementary groups are not counted: engines are started without any.
 */
export async function checkReachable(dir: string, runAs: RunAs): Promise<void> {
  for (let path = dir; ; path = dirname(path)) {
    const s = await stat(path);
    const bit = s.uid === runAs.uid ? 0o100 : s.gid === runAs.gid ? 0o010 : 0o001;
    if (runAs.uid !== 0 && (s.mode & bit) === 0) {
      throw new UnavailableError(
        "COMPUTE_ROOT_UNREACHABLE",
        `engines run as uid ${runAs.uid} and cannot enter ${path}; put the compute root under a directory they can traverse`,
        { retryable: false, details: { path } },
      );
    }
    if (path === dirname(path)) return;
  }
}
