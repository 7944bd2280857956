import type { JsonValue, MessageBus } from "../bus/index.js";
import type { Manager, ServiceStatus } from "../domain/index.js";

/**
 * The RPC contracts of the compute side, and typed clients for the task manager.
 *
 * - A **host agent** runs on each compute host (in the embedded shape: inside the server process)
 *   and serves `compute.<host>`: it places instances (address, volume, limits) and starts one guest
 *   agent per instance it holds.
 * - A **guest agent** serves `guestagent.<instance id>` (Trove's topic) and owns that instance's
 *   engine: prepare, restart, stop, start, resize, status. It reports to the conductor.
 *
 * Payloads are plain JSON; secrets in them (user passwords at prepare) are never logged.
 */

export const hostTopic = (host: string): string => `compute.${host}`;
export const guestTopic = (instanceId: string): string => `guestagent.${instanceId}`;

export type PlacementRequest = {
  instanceId: string;
  volumeSizeGb: number;
  ramMb: number;
  vcpus: number;
  isPublic: boolean;
  /** Who may reach the public address (IPv4 CIDRs); absent or empty: anyone. */
  allowedCidrs?: string[];
  /** The engine to come: its port is the one open on a public address. */
  manager?: Manager;
};

/** `publicAddress` only when the instance is public. */
export type PlacementResult = { host: string; address: string; publicAddress?: string };

/** Trove's `access`: a public address or none, and who may connect to it. */
export type AccessRequest = { isPublic: boolean; allowedCidrs: string[] };
export type AccessReport = StatusReport & { publicAddress: string | null };

/** What a warm pool holds: engines of one installation, sized for one flavor and volume. */
export type PoolShape = {
  manager: Manager;
  image: string;
  version: string;
  ramMb: number;
  vcpus: number;
  volumeSizeGb: number;
};

/** A pooled engine taken for a new instance: its id becomes the instance's id. */
export type PooledInstance = { instanceId: string; host: string; address: string };

/** One string per pool shape: what a create must match exactly to take from that pool. */
export function poolKey(s: PoolShape): string {
  return [s.manager, s.image, s.version, s.ramMb, s.vcpus, s.volumeSizeGb].join("|");
}

export type DatabaseSpec = { name: string; characterSet?: string; collate?: string };
export type UserSpec = { name: string; password: string; host?: string; databases: string[] };

export type PrepareRequest = {
  instanceId: string;
  manager: Manager;
  /** For the local provider: the directory holding the engine's binaries. */
  image: string;
  /** Full engine version, e.g. "15.18". */
  version: string;
  ramMb: number;
  vcpus: number;
  volumeSizeGb: number;
  databases: DatabaseSpec[];
  users: UserSpec[];
  /** Engine parameters on top of the flavor-derived defaults (configuration groups). */
  overrides: Overrides;
};

export type StatusReport = { status: ServiceStatus; volumeUsedGb: number | null };

/** Engine parameters of a configuration group, by name. */
export type Overrides = Record<string, string | number | boolean>;

/** What update_overrides did: whether some value waits for a restart of the engine. */
export type OverridesReport = StatusReport & { restartRequired: boolean };
/** An account: `name@host` on engines with hosts (host `%` when absent), just the name elsewhere. */
export type UserRef = { name: string; host?: string };
export type UserChanges = { name?: string; host?: string; password?: string };
/** A page of a sorted list: the items after `marker` (a database name, or `name@host`), at most `limit`. */
export type PageArgs = { marker?: string; limit?: number };
export type DatabaseView = { name: string; characterSet: string; collate: string };
export type UserView = { name: string; host?: string; databases: string[] };
export type DatabasePage = { databases: DatabaseView[]; nextMarker?: string };
export type UserPage = { users: UserView[]; nextMarker?: string };
/** The engine's superuser and its password, which is shown once and stored nowhere. */
export type RootCredentials = { name: string; password: string };

/** Timeouts of guest calls (Trove's agent_call_low/high_timeout, shortened: engines here are local). */
export const GUEST_TIMEOUTS = { low: 15_000, high: 180_000 } as const;

const json = (value: unknown): JsonValue => value as JsonValue;

/** What the task manager asks of a compute host. */
export class HostClient {
  constructor(
    private readonly bus: MessageBus,
    readonly host: string,
  ) {}

  /** Idempotent: placing an instance already placed returns its placement. Starts its guest agent. */
  provision(request: PlacementRequest): Promise<PlacementResult> {
    return this.bus.call(hostTopic(this.host), "provision", json(request), {
      timeoutMs: GUEST_TIMEOUTS.high,
    });
  }

  /** Idempotent: stops the engine and guest agent, removes volume and address. */
  destroy(instanceId: string): Promise<void> {
    return this.bus.call(hostTopic(this.host), "destroy", { instanceId }, { timeoutMs: GUEST_TIMEOUTS.high });
  }

  /**
   * Takes a ready engine of this shape from the host's warm pool, or null when it has none. The
   * engine is reserved for the caller until `provision` with its id confirms it (or `releasePooled`
   * gives it back); a reservation nobody confirms is destroyed after a while.
   */
  claimPooled(shape: PoolShape, timeoutMs = 2000): Promise<PooledInstance | null> {
    return this.bus.call(hostTopic(this.host), "claim_pooled", json(shape), { timeoutMs });
  }

  /** Gives a claimed, unconfirmed engine back to its pool (the create that took it failed). */
  releasePooled(instanceId: string): Promise<void> {
    return this.bus.call(
      hostTopic(this.host),
      "release_pooled",
      { instanceId },
      { timeoutMs: GUEST_TIMEOUTS.low },
    );
  }
}

/** What the task manager (and the API, for users and databases) asks of one instance's guest agent. */
export class GuestClient {
  constructor(
    private readonly bus: MessageBus,
    readonly instanceId: string,
  ) {}

  private call<T>(method: string, args: unknown, timeoutMs: number): Promise<T> {
    return this.bus.call<T>(guestTopic(this.instanceId), method, json(args ?? {}), { timeoutMs });
  }

  /** Initialises and starts the engine, creates the requested databases and users. Idempotent. */
  prepare(request: PrepareRequest): Promise<StatusReport> {
    return this.call("prepare", request, GUEST_TIMEOUTS.high);
  }
  restart(): Promise<StatusReport> {
    return this.call("restart", {}, GUEST_TIMEOUTS.high);
  }
  /** Stops the engine and keeps it stopped (also across Coffer restarts) until `start`. */
  stop(): Promise<StatusReport> {
    return this.call("stop", {}, GUEST_TIMEOUTS.high);
  }
  start(): Promise<StatusReport> {
    return this.call("start", {}, GUEST_TIMEOUTS.high);
  }
  getStatus(): Promise<StatusReport> {
    return this.call("get_status", {}, GUEST_TIMEOUTS.low);
  }
  /** Grows the volume online; the engine keeps running. */
  resizeVolume(sizeGb: number): Promise<StatusReport> {
    return this.call("resize_volume", { sizeGb }, GUEST_TIMEOUTS.high);
  }
  /** New memory/CPU limits and engine settings for the flavor; restarts the engine. */
  resizeFlavor(ramMb: number, vcpus: number): Promise<StatusReport> {
    return this.call("resize_flavor", { ramMb, vcpus }, GUEST_TIMEOUTS.high);
  }
  /**
   * Gives or takes the public address and sets who may reach it. A running engine restarts when
   * its addresses change (it must listen anew); a change of allowed CIDRs alone restarts nothing.
   */
  updateAccess(access: AccessRequest): Promise<AccessReport> {
    return this.call("update_access", access, GUEST_TIMEOUTS.high);
  }
  /** Whether the engine would accept these values (ENGINE_CONFIG_REJECTED if not); changes nothing. */
  async checkOverrides(overrides: Overrides): Promise<void> {
    await this.call("check_overrides", { overrides }, GUEST_TIMEOUTS.low);
  }
  /**
   * Makes these the engine's configuration-group values ({} for none): checked, written, and the
   * dynamic ones applied at once. `restartRequired` says whether some value waits for a restart.
   */
  updateOverrides(overrides: Overrides): Promise<OverridesReport> {
    return this.call("update_overrides", { overrides }, GUEST_TIMEOUTS.high);
  }

  /*
   * Databases, users and root (Trove's method names). Calls, not casts: the guest checks the
   * request against the engine's rules and contents and answers with a ValidationError (400),
   * NotFoundError (404) or ConflictError (409) before changing anything, and the caller sees it.
   */

  listDatabases(page: PageArgs = {}): Promise<DatabasePage> {
    return this.call("list_databases", page, GUEST_TIMEOUTS.low);
  }
  /** DATABASE_EXISTS (409) if one exists already; none is created then. */
  createDatabases(databases: DatabaseSpec[]): Promise<void> {
    return this.call("create_database", { databases }, GUEST_TIMEOUTS.high);
  }
  /** DATABASE_NOT_FOUND (404) if absent. */
  deleteDatabase(name: string): Promise<void> {
    return this.call("delete_database", { name }, GUEST_TIMEOUTS.high);
  }
  listUsers(page: PageArgs = {}): Promise<UserPage> {
    return this.call("list_users", page, GUEST_TIMEOUTS.low);
  }
  /** USER_NOT_FOUND (404) if absent (or one of the system's). */
  getUser(user: UserRef): Promise<UserView> {
    return this.call("get_user", { user }, GUEST_TIMEOUTS.low);
  }
  /** USER_EXISTS (409), DATABASE_NOT_FOUND (404) for a database to grant; none is created then. */
  createUsers(users: UserSpec[]): Promise<void> {
    return this.call("create_user", { users }, GUEST_TIMEOUTS.high);
  }
  /** Rename, new host, new password; USER_EXISTS (409) when the new name@host is taken. */
  updateUser(user: UserRef, changes: UserChanges): Promise<void> {
    return this.call("update_attributes", { user, changes }, GUEST_TIMEOUTS.high);
  }
  /** All of them or none; USER_NOT_FOUND (404) if one is absent. */
  changePasswords(users: (UserRef & { password: string })[]): Promise<void> {
    return this.call("change_passwords", { users }, GUEST_TIMEOUTS.high);
  }
  deleteUser(user: UserRef): Promise<void> {
    return this.call("delete_user", { user }, GUEST_TIMEOUTS.high);
  }
  /** The databases the user may use. */
  listAccess(user: UserRef): Promise<string[]> {
    return this.call("list_access", { user }, GUEST_TIMEOUTS.low);
  }
  grantAccess(user: UserRef, databases: string[]): Promise<void> {
    return this.call("grant_access", { user, databases }, GUEST_TIMEOUTS.high);
  }
  /** USER_ACCESS_NOT_FOUND (404) when the user has no access to it. */
  revokeAccess(user: UserRef, database: string): Promise<void> {
    return this.call("revoke_access", { user, database }, GUEST_TIMEOUTS.high);
  }
  /** With the given password, or a generated one; either is returned (and kept nowhere). */
  enableRoot(password?: string): Promise<RootCredentials> {
    return this.call("enable_root", password === undefined ? {} : { password }, GUEST_TIMEOUTS.high);
  }
  disableRoot(): Promise<void> {
    return this.call("disable_root", {}, GUEST_TIMEOUTS.low);
  }
  isRootEnabled(): Promise<boolean> {
    return this.call("is_root_enabled", {}, GUEST_TIMEOUTS.low);
  }
}
