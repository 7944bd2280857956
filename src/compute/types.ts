/** The compute provider port: where database instances live, in domain words. */

export type VolumeKind = "loop" | "directory";

/** The filesystem in a loop volume: XFS grows while mounted with CAP_SYS_ADMIN alone; ext4 needs CAP_SYS_RESOURCE. */
export type VolumeFilesystem = "xfs" | "ext4";

/** The unprivileged identity an instance's engine runs as. */
export interface RunAs {
  uid: number;
  gid: number;
}

/** The resources a flavor and a volume size ask for. */
export interface InstanceSpec {
  /** Letters, digits, `-`, `_`, `.`; used in paths and cgroup names. */
  instanceId: string;
  /** Whole GiB, at least 1 (Trove volume sizes are whole GB). */
  volumeSizeGb: number;
  ramMb: number;
  vcpus: number;
  /**
   * Reachable from outside the host through a public address from the host's public pool. On a
   * host without a pool, recorded only: the instance's own address is its one address.
   */
  isPublic: boolean;
  /** Who may reach the public address (IPv4 CIDRs); empty: anyone. Default: empty. */
  allowedCidrs?: string[];
  /** The engine's TCP ports, the only ones open on the public address. */
  ports?: number[];
}

/** Who may reach an instance from outside the host, and on which ports. */
export interface InstanceAccess {
  isPublic: boolean;
  allowedCidrs: string[];
  ports: number[];
}

/** Where an instance lives. Persisted by the provider, so it survives Coffer's restarts. */
export interface InstancePlacement {
  instanceId: string;
  /** The instance's own loopback address; its engine listens here on the engine's standard port. */
  address: string;
  /** The mount point (or directory) the engine's data directory goes under; owned by `runAs`. */
  volumePath: string;
  volumeKind: VolumeKind;
  /** Loop volumes only. Records written before XFS volumes existed have none: they are ext4. */
  volumeFilesystem?: VolumeFilesystem;
  volumeSizeGb: number;
  ramMb: number;
  vcpus: number;
  isPublic: boolean;
  /** Present while the instance is public on a host with a public pool: an address from it. */
  publicAddress?: string;
  /** Absent in placements written before public addresses existed: nobody outside, no ports. */
  allowedCidrs?: string[];
  ports?: number[];
  runAs: RunAs;
  /** The host holding the instance (its host name). */
  host: string;
}

/** How to run an engine: an argument array, never a shell line. Given by the engine driver. */
export interface LaunchCommand {
  /** Absolute path of the program. */
  file: string;
  args: readonly string[];
  /** The whole environment (Coffer's own is not inherited), PATH aside. */
  env: Readonly<Record<string, string>>;
  /** The signal that asks the engine to shut down cleanly (e.g. SIGINT for PostgreSQL's fast shutdown). */
  stopSignal: NodeJS.Signals;
}

export interface LaunchOptions {
  /** stdout and stderr are appended here. */
  logFile: string;
}

export interface ProcessStatus {
  running: boolean;
  pid?: number;
}

export type CgroupVersion = "v1" | "v2";

/** What this host can isolate and enforce, found once by probing. */
export interface HostCapabilities {
  /** Coffer runs as root: loop volumes, cgroups and a separate run-as user need it. */
  root: boolean;
  /** The kind of volume `provision` creates. */
  volumeKind: VolumeKind;
  /** The filesystem `provision` makes in loop volumes; null with directory volumes. */
  volumeFilesystem: VolumeFilesystem | null;
  /**
   * Volumes `provision` makes now can grow while in use. An older volume of another filesystem may
   * not: `resizeVolume` says so per volume (VOLUME_RESIZE_NEEDS_STOP while the process runs).
   */
  onlineVolumeResize: boolean;
  /** The cgroup version that enforces each limit; null when it is not enforced. */
  limits: { memory: CgroupVersion | null; cpu: CgroupVersion | null; pids: CgroupVersion | null };
  runAs: RunAs & { user: string };
  /** A public address pool is configured and usable (interface present, nftables works). */
  publicAddresses: boolean;
  /** Plain sentences about what is not isolated or not enforced here (for logs and /mgmt). */
  notEnforced: string[];
}

/** One instance found at start-up; `problem` says what could not be re-established (the rest went on). */
export interface AdoptedInstance {
  placement: InstancePlacement;
  process: ProcessStatus;
  problem?: string;
}

/**
 * What the host really holds for one instance id, found where each kind of thing lives (not read
 * from its placement): for `coffer-manage audit`, which compares it with the store.
 */
export interface InstanceHoldings {
  instanceDir: boolean;
  placement: boolean;
  /** Its engine (and any process whose working directory is in its directory or cgroup). */
  processes: number[];
  cgroups: string[];
  /** Where its volume is mounted, if it is. */
  mountedAt?: string;
  loopDevices: string[];
  /** Its leased address. */
  address?: string;
  /** Its leased public address. */
  publicAddress?: string;
  /** Its nftables table exists (public instances). */
  firewall: boolean;
}

/** Holdings of an id before anything of it is found: a fresh object each time (its lists are filled). */
export function noHoldings(): InstanceHoldings {
  return {
    instanceDir: false,
    placement: false,
    processes: [],
    cgroups: [],
    loopDevices: [],
    firewall: false,
  };
}

export interface VolumeUsage {
  sizeGb: number;
  usedGb: number;
}

export interface ComputeProvider {
  /** What the host offers; probed once, then remembered. */
  probe(): Promise<HostCapabilities>;
  /** Gives an instance an address, a volume and limits. Idempotent: a second call returns the first placement. */
  provision(spec: InstanceSpec): Promise<InstancePlacement>;
  /**
   * Starts the instance's engine detached (own session, in its cgroup, as `runAs`), so that it outlives
   * Coffer. One process per instance: when it already runs, returns its pid and starts nothing.
   */
  launch(instanceId: string, command: LaunchCommand, options: LaunchOptions): Promise<{ pid: number }>;
  /** Whether the process `launch` started still runs (a reused pid is not mistaken for it). */
  processStatus(instanceId: string): Promise<ProcessStatus>;
  /** Sends the command's stop signal, then SIGKILL after `timeoutMs` (default 30 s). Idempotent. */
  stop(instanceId: string, options?: { timeoutMs?: number }): Promise<void>;
  /**
   * Grows the volume (never shrinks), while the process runs where this volume's filesystem can
   * grow mounted; otherwise refuses with VOLUME_RESIZE_NEEDS_STOP while the process runs.
   */
  resizeVolume(instanceId: string, newSizeGb: number): Promise<void>;
  /**
   * Gives (isPublic) or takes away the instance's public address and sets who may reach it, at
   * once; the engine must be restarted to listen on a new address. Returns the new placement. A
   * host without a public pool records isPublic and gives no address (the instance's own address
   * is the only one it has).
   */
  setAccess(instanceId: string, access: InstanceAccess): Promise<InstancePlacement>;
  /** New memory and CPU limits, applied at once to the running process. */
  resize(instanceId: string, limits: { ramMb: number; vcpus: number }): Promise<void>;
  volumeUsage(instanceId: string): Promise<VolumeUsage>;
  /** Kills the process and removes the volume, limits and address. Idempotent. */
  destroy(instanceId: string): Promise<void>;
  /** What this host holds, as recorded. */
  list(): Promise<InstancePlacement[]>;
  /** What this host really holds, by instance id, whatever its records say (for audits). */
  inventory(): Promise<Map<string, InstanceHoldings>>;
  /**
   * A clean stop: lets go of what holds no user's data — spare volumes are unmounted, their loop
   * devices detached and their images removed — and of this process's address claims. Instances,
   * their volumes and their engines stay: they outlive Coffer.
   */
  close(): Promise<void>;
  /**
   * At start-up: re-establishes what a reboot or crash undid (volume mounts, cgroups) for every
   * instance this host holds, and says which engines still run.
   */
  adopt(): Promise<AdoptedInstance[]>;
}
