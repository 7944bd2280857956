import { hostname } from "node:os";
import { resolve } from "node:path";
import { ValidationError } from "../../domain/index.js";
import type { Logger } from "../../lib/index.js";
import type { VolumeFilesystem, VolumeKind } from "../types.js";
import { parsePool, parsePublicPool } from "./addresses.js";
import type { SpareVolumeSpec } from "./spares.js";

export interface LocalProviderOptions {
  /** Where placements, address leases, volume images and mount points live (e.g. `<dataDir>/compute`). */
  rootDir: string;
  /** Instance addresses come from here; must lie inside 127.0.0.0/8. Default `127.100.0.0/16`. */
  addressPool?: string;
  /** The system user engines run as when Coffer is root (created if missing). Default `coffer`. */
  runAsUser?: string;
  /** `auto` (default): loop volumes when root and the host allows, else directories. */
  volumeMode?: "auto" | VolumeKind;
  /**
   * The filesystem of new loop volumes. `auto` (default): XFS when the host can make, mount and grow
   * one while mounted (the probe tries), else ext4 (which grows online only with CAP_SYS_RESOURCE).
   */
  volumeFilesystem?: "auto" | VolumeFilesystem;
  /** Use the host's cgroups for memory/CPU/process limits when root. Default true. */
  cgroups?: boolean;
  /** The cgroup under which each instance gets `<parent>/<instanceId>`. Default `coffer`. */
  cgroupParent?: string;
  /** Most processes an instance may have (cgroup pids controller). Default 1024. */
  pidsMax?: number;
  /** Recorded as each placement's host. Default: this machine's host name. */
  hostName?: string;
  /** Loop volumes kept formatted and mounted ahead of provisions, per size. Default: none. */
  spareVolumes?: readonly SpareVolumeSpec[];
  /**
   * Public addresses (is_public) come from here: an IPv4 CIDR routed to this host, or free
   * addresses of its own network. Default: none, and instances cannot be public.
   */
  publicAddressPool?: string;
  /** The interface public addresses are added to. Required with `publicAddressPool`. */
  publicInterface?: string;
  logger: Logger;
}

type Optional = "publicAddressPool" | "publicInterface";
export type ResolvedLocalOptions = Readonly<
  Required<Omit<LocalProviderOptions, Optional>> & Pick<LocalProviderOptions, Optional>
>;

export function resolveLocalOptions(options: LocalProviderOptions): ResolvedLocalOptions {
  const resolved = {
    rootDir: resolve(options.rootDir),
    addressPool: options.addressPool ?? "127.100.0.0/16",
    runAsUser: options.runAsUser ?? "coffer",
    volumeMode: options.volumeMode ?? "auto",
    volumeFilesystem: options.volumeFilesystem ?? "auto",
    cgroups: options.cgroups ?? true,
    cgroupParent: options.cgroupParent ?? "coffer",
    pidsMax: options.pidsMax ?? 1024,
    hostName: options.hostName ?? hostname(),
    spareVolumes: options.spareVolumes ?? [],
    publicAddressPool: options.publicAddressPool,
    publicInterface: options.publicInterface,
    logger: options.logger,
  };
  // Bad pools throw now rather than at the first provision.
  parsePool(resolved.addressPool);
  if (resolved.publicAddressPool !== undefined) {
    parsePublicPool(resolved.publicAddressPool);
    if (!resolved.publicInterface || !/^[A-Za-z0-9_.:@-]{1,15}$/.test(resolved.publicInterface)) {
      throw new ValidationError(
        "INVALID_PUBLIC_INTERFACE",
        "a public address pool needs publicInterface, the network interface to put its addresses on",
      );
    }
  }
  if (
    !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(resolved.cgroupParent) ||
    resolved.cgroupParent.includes("..")
  ) {
    throw new ValidationError(
      "INVALID_CGROUP_PARENT",
      `cgroup parent "${resolved.cgroupParent}" is not a relative name`,
    );
  }
  if (!["auto", "xfs", "ext4"].includes(resolved.volumeFilesystem)) {
    throw new ValidationError(
      "INVALID_VOLUME_FILESYSTEM",
      `volume filesystem "${resolved.volumeFilesystem}" is not one of auto, xfs, ext4`,
    );
  }
  if (!Number.isInteger(resolved.pidsMax) || resolved.pidsMax < 16) {
    throw new ValidationError("INVALID_PIDS_MAX", "pidsMax must be an integer of at least 16");
  }
  return Object.freeze(resolved);
}
