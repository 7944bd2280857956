/**
 * compute: where database instances live. A `ComputeProvider` gives each instance an address, a
 * volume of the requested size and memory/CPU limits (`provision`), runs its engine as one
 * supervised, unprivileged process that outlives Coffer (`launch`, `processStatus`, `stop`), grows
 * and reports its volume, and takes everything back (`destroy`). Placements are persisted by the
 * provider, so a restarted Coffer finds (`list`) and re-establishes (`adopt`) what the host holds.
 * The provider knows nothing of engines: drivers hand it a `LaunchCommand`.
 *
 * A compute host first takes its directory (`lockComputeDir`): one Coffer per compute dir, and
 * only the one whose data dir owns it.
 *
 * `local`: instances on this host (loopback addresses, loop-mounted XFS or ext4 images, cgroups,
 * and public addresses filtered by nftables where the operator gives a public pool);
 * see docs/compute.md for what is enforced how.
 */
export type {
  AdoptedInstance,
  CgroupVersion,
  ComputeProvider,
  HostCapabilities,
  InstanceAccess,
  InstanceHoldings,
  InstancePlacement,
  InstanceSpec,
  LaunchCommand,
  LaunchOptions,
  ProcessStatus,
  RunAs,
  VolumeFilesystem,
  VolumeKind,
  VolumeUsage,
} from "./types.js";
export { noHoldings } from "./types.js";
export { createLocalProvider } from "./local/provider.js";
export { lockComputeDir, type ComputeDirLock, type ComputeDirOwner } from "./local/compute-dir.js";
export type { LocalProviderOptions } from "./local/options.js";
export type { SpareVolumeSpec } from "./local/spares.js";
