/**
 * The port every engine driver implements. A driver says *what* to run and *how to talk to it*;
 * the compute provider owns volumes, addresses, cgroups and supervising the process.
 *
 * Life of an instance's engine, as the guest agent drives it:
 *   initialize | initializeFromTemplate   → a data directory with system accounts only, no secrets
 *   renderConfig(layout, sizing, overrides) → config files inside the data directory
 *   launchCommand(layout)                  → the provider starts and supervises this process
 *   secure(layout, admin)                  → over the local socket: the admin account gets its password
 *   health / waitReady / databases / users → over TCP at layout.address:port as the admin
 * The admin password is set only after the first start, so a prepared template data directory can
 * be copied for every instance without ever containing a secret.
 */
import type { EngineFigures, ParameterRule } from "../../domain/index.js";

/** Where one instance's engine lives. Every path is absolute. */
export interface EngineLayout {
  /** The datastore version's "image" on a local host: the directory holding the engine's binaries. */
  binDir: string;
  /** Data directory (on the instance volume); created by initialize, owned by runAs, mode 0700. */
  dataDir: string;
  /** Socket and lock files. Short: a unix socket path must stay under 108 bytes. */
  runDir: string;
  /** The engine's own log file. */
  logFile: string;
  /** The instance's own address, e.g. 127.100.0.7. The engine listens there (and on publicAddress). */
  address: string;
  /** A public instance's address, reachable from outside the host; the engine listens here too. */
  publicAddress?: string;
  /** The standard port in production (capabilities.defaultPort); tests may pass a free one. */
  port: number;
  /** The unprivileged account the engine runs as; never root. */
  runAs: RunAs;
  /**
   * Where an engine that keeps a write-ahead log puts it, off the data volume (like a separate WAL
   * volume): a data volume that fills up then fails the writing statement, never the log — for
   * PostgreSQL a WAL write that fails is a PANIC, and recovery needs room the full disk lacks.
   */
  walDir?: string;
}

export interface RunAs {
  uid: number;
  gid: number;
}

/** Every address the engine listens on: its own, then the public one when it has one. */
export function listenAddresses(layout: Pick<EngineLayout, "address" | "publicAddress">): string {
  return layout.publicAddress ? `${layout.address},${layout.publicAddress}` : layout.address;
}

/** What creating a data directory needs: no address, no port, no secret. */
export type DataDirTarget = Pick<EngineLayout, "binDir" | "dataDir" | "runAs" | "walDir">;

/** The flavor's share of the host, from which memory settings are derived. */
export interface EngineSizing {
  ramMb: number;
  vcpus: number;
  /** Overrides the value derived from ramMb. */
  maxConnections?: number;
  /**
   * The data volume's size. Engines that keep a write-ahead log on the volume bound it by this,
   * so that a full volume fails the writing statement instead of the engine.
   */
  volumeGb?: number;
}

/** Configuration-group values, merged on top of the rendered base. */
export type ConfigOverrides = Readonly<Record<string, string | number | boolean>>;

/** A configuration just written by renderConfig, for `applyLive`. */
export interface LiveConfig {
  sizing: EngineSizing;
  overrides: ConfigOverrides;
  /** The overrides the running engine was started with (a static parameter differs until a restart). */
  started: ConfigOverrides;
  /**
   * Parameters whose value may differ from what the engine runs with: those of the previous and
   * the new overrides, and those it was started with.
   */
  keys: readonly string[];
}

export interface Credentials {
  username: string;
  password: string;
}

/** A foreground server process, as an argument array (never a shell line). */
export interface LaunchCommand {
  file: string;
  args: string[];
  /** The complete environment; nothing is inherited from the control plane. */
  env: Record<string, string>;
  /** The signal for a clean, fast shutdown. */
  stopSignal: NodeJS.Signals;
}

export type EngineHealth = "running" | "down";

/** A heartbeat's look at the engine: whether it answers, and its figures when it does. */
export interface EngineLook {
  health: EngineHealth;
  /** What the engine measured (domain/engine-figures.ts); empty when it is down. */
  figures: EngineFigures;
}

export interface DatabaseSpec {
  name: string;
  characterSet?: string;
  collate?: string;
}

export interface DatabaseInfo {
  name: string;
  characterSet: string;
  collate: string;
}

export interface UserSpec {
  name: string;
  password: string;
  /** MySQL-style host part; ignored by engines whose users have none (capabilities.userHosts). */
  host?: string;
  /** Databases the user gets full access to; every other database stays closed to it. */
  databases: string[];
}

export interface UserInfo {
  name: string;
  /** Present when capabilities.userHosts. */
  host?: string;
  databases: string[];
}

/** One account: `name@host` where capabilities.userHosts (host `%` when absent), else just the name. */
export interface UserRef {
  name: string;
  host?: string;
}

/** What `updateUser` changes; absent fields stay as they are. */
export interface UserChanges {
  name?: string;
  host?: string;
  password?: string;
}

/**
 * A page of a list sorted by its key (a database's name; a user's `name@host`, or name without
 * hosts): the items after `marker`, at most `limit` of them (all when absent).
 */
export interface PageRequest {
  marker?: string;
  limit?: number;
}

export interface Page<T> {
  items: T[];
  /** The key of the last item when more follow; absent on the last page. */
  nextMarker?: string;
}

export interface EngineInstallation {
  binDir: string;
  /** The engine's own version number, e.g. "15.14" or "10.11.19". */
  version: string;
}

export const ReplicationKind = {
  Streaming: "streaming", // PostgreSQL physical streaming replication
  Gtid: "gtid", // MariaDB GTID-based binlog replication
} as const;
export type ReplicationKind = (typeof ReplicationKind)[keyof typeof ReplicationKind];

export const BackupKind = {
  PgBasebackup: "pg_basebackup",
  Mariabackup: "mariabackup",
} as const;
export type BackupKind = (typeof BackupKind)[keyof typeof BackupKind];

/** The differences between engines, stated as data rather than as `if (manager === …)`. */
export interface EngineCapabilities {
  /** The driver's name. */
  readonly name: string;
  /** Trove datastore managers this driver serves (MariaDB also serves `mysql`). */
  readonly managers: readonly string[];
  readonly defaultPort: number;
  readonly stopSignal: NodeJS.Signals;
  /** Coffer's own superuser, like Trove's `os_admin`; reachable over TCP with a password. */
  readonly adminUser: string;
  /** The engine's traditional superuser (Trove's "root" for enable-root). */
  readonly rootUser: string;
  /** Accounts never shown to or touched by API users. */
  readonly systemUsers: readonly string[];
  /** Name prefixes the engine keeps for itself (PostgreSQL's `pg_` roles). */
  readonly reservedUserPrefixes: readonly string[];
  /** Databases never shown to or touched by API users. */
  readonly systemDatabases: readonly string[];
  readonly defaultCharacterSet: string;
  readonly defaultCollation: string;
  /**
   * Character sets (PostgreSQL: server encodings) a database may be created with. Collations are
   * checked by the engine itself, before anything is created.
   */
  readonly characterSets: readonly string[];
  /** Whether accounts carry a host part (`user@host`). */
  readonly userHosts: boolean;
  readonly maxNameLength: { readonly database: number; readonly user: number };
  readonly replication: readonly ReplicationKind[];
  readonly backup: readonly BackupKind[];
  /** Whether the data volume can grow while the engine runs. */
  readonly onlineVolumeResize: boolean;
  /** Trove's guest log names this engine exposes. */
  readonly logs: readonly string[];
  /**
   * How to read why the engine did not start from what it wrote while starting (its log and its
   * console): each line matching `problem` says something went wrong, its first group that matched
   * being the engine's own words; lines whose words match `noise` add nothing (MariaDB's "Aborting").
   */
  readonly startupLog: { readonly problem: RegExp; readonly noise?: RegExp };
  /** Where installations are looked for by default, best first. */
  readonly installDirs: readonly string[];
  /** Config parameters the layout owns; configuration overrides may not set them. */
  readonly layoutParameters: readonly string[];
  /**
   * The parameters configuration groups may set, with their types, bounds and whether a change
   * needs a restart (Trove's validation-rules.json, shipped beside the driver).
   */
  readonly parameterRules: readonly ParameterRule[];
}

export interface Engine {
  readonly capabilities: EngineCapabilities;

  /** The installation in binDir, or undefined when the engine is not there. */
  probe(binDir: string): Promise<EngineInstallation | undefined>;

  /** Creates a fresh data directory (initdb / mariadb-install-db) as runAs. It must not exist or be empty. */
  initialize(target: DataDirTarget): Promise<void>;
  /** Prepares a template data directory: an initialized one that is never started. */
  prepareTemplate(target: DataDirTarget): Promise<void>;
  /** Creates the data directory as a copy of a template, owned by target.runAs. */
  initializeFromTemplate(templateDir: string, target: DataDirTarget): Promise<void>;

  /** Writes the config file(s) into the data directory; also creates runDir and the log directory. */
  renderConfig(layout: EngineLayout, sizing: EngineSizing, overrides?: ConfigOverrides): Promise<void>;
  /**
   * The configuration derived from the flavor that overrides go on top of — what an instance runs
   * with when no group is attached — without the parameters the layout owns.
   */
  defaults(sizing: EngineSizing): Record<string, string | number | boolean>;
  /**
   * Has the engine's own parser read the configuration these overrides would give, without
   * writing it or touching the running engine. A value it refuses is ENGINE_CONFIG_REJECTED,
   * naming the parameter when the engine does. Needs the data directory to exist.
   */
  checkConfig(layout: EngineLayout, sizing: EngineSizing, overrides: ConfigOverrides): Promise<void>;
  /**
   * After renderConfig wrote a new configuration for a running engine: puts what can change at
   * once into effect (PostgreSQL: a reload; MariaDB: SET GLOBAL), and says whether some value
   * still differs from what the engine runs with until it restarts.
   */
  applyLive(
    layout: EngineLayout,
    admin: Credentials,
    config: LiveConfig,
  ): Promise<{ restartRequired: boolean }>;
  launchCommand(layout: EngineLayout): LaunchCommand;

  /**
   * After the first start: waits for the local socket, then creates the admin account (or resets
   * its password) and closes what a fresh data directory leaves open. Idempotent.
   */
  secure(layout: EngineLayout, admin: Credentials, timeoutMs: number): Promise<void>;
  /** A real query as the admin over TCP. "down" when the engine does not answer; throws when it refuses the admin. */
  health(layout: EngineLayout, admin: Credentials, timeoutMs?: number): Promise<EngineHealth>;
  /**
   * The heartbeat's look: like `health` (one session as the admin over TCP, one query), and that
   * query reads the engine's own figures (connections, queries, transactions).
   */
  observe(layout: EngineLayout, admin: Credentials, timeoutMs?: number): Promise<EngineLook>;
  waitReady(layout: EngineLayout, admin: Credentials, timeoutMs: number): Promise<void>;

  /*
   * Databases, users and root. Names enter SQL only as quoted identifiers or parameters. Drivers
   * refuse only what the engine cannot take (checkNames); the stricter API rules (rules.ts) and
   * the checks against what exists (404, 409) are the guest agent's. Each call that changes
   * several things either changes them all or, when the engine fails half-way, undoes what it did.
   */

  /**
   * Creates each database that does not exist yet. An unknown character set or collation is a
   * ValidationError DATABASE_OPTIONS_INVALID, and nothing is created.
   */
  createDatabases(layout: EngineLayout, admin: Credentials, databases: DatabaseSpec[]): Promise<void>;
  /** User databases, sorted by name; system ones hidden. */
  listDatabases(layout: EngineLayout, admin: Credentials, page?: PageRequest): Promise<Page<DatabaseInfo>>;
  /** Drops the database (closing its sessions) and every grant on it. Idempotent. */
  deleteDatabase(layout: EngineLayout, admin: Credentials, name: string): Promise<void>;

  /** Creates each user (or resets its password if it exists) and grants it its databases. */
  createUsers(layout: EngineLayout, admin: Credentials, users: UserSpec[]): Promise<void>;
  /** User accounts and their databases, sorted by `name@host` (or name); system ones hidden. */
  listUsers(layout: EngineLayout, admin: Credentials, page?: PageRequest): Promise<Page<UserInfo>>;
  /** One account as listUsers shows it (with the databases it may use: its access); undefined when hidden or absent. */
  getUser(layout: EngineLayout, admin: Credentials, user: UserRef): Promise<UserInfo | undefined>;
  /** Renames, moves to another host and/or sets a new password; grants follow the account. */
  updateUser(layout: EngineLayout, admin: Credentials, user: UserRef, changes: UserChanges): Promise<void>;
  /** New passwords for existing accounts, all or none. */
  changePasswords(
    layout: EngineLayout,
    admin: Credentials,
    users: (UserRef & { password: string })[],
  ): Promise<void>;
  /** Drops the account; what it owns in a database passes to the admin. Idempotent. */
  deleteUser(layout: EngineLayout, admin: Credentials, user: UserRef): Promise<void>;
  /** Full access to each database (idempotent). */
  grantAccess(layout: EngineLayout, admin: Credentials, user: UserRef, databases: string[]): Promise<void>;
  /** Takes the access to one database away: the user can no longer use it. Idempotent. */
  revokeAccess(layout: EngineLayout, admin: Credentials, user: UserRef, database: string): Promise<void>;

  /** The engine's superuser (capabilities.rootUser) may log in over TCP with this password. */
  enableRoot(layout: EngineLayout, admin: Credentials, password: string): Promise<void>;
  /** The superuser can no longer log in over TCP. Idempotent. */
  disableRoot(layout: EngineLayout, admin: Credentials): Promise<void>;
  isRootEnabled(layout: EngineLayout, admin: Credentials): Promise<boolean>;
}
