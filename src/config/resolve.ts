import { readFileSync, existsSync } from "node:fs";
import { isAbsolute, resolve as resolvePath } from "node:path";
import { ValidationError } from "../domain/index.js";
import { LOG_FORMATS, type LogFormat } from "../lib/index.js";
import { OPTIONS, ROLES, type OptionKey, type Role } from "./options.js";

/** The one resolved, validated, frozen configuration that internal code takes. */
export interface Config {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string;
  /** No `--public-url` was given: the URL above is this process's own address. */
  readonly publicUrlDefaulted: boolean;
  readonly infraDb:
    { readonly kind: "sqlite"; readonly path: string } | { readonly kind: "postgres"; readonly url: string };
  /** RabbitMQ: the URLs of one broker or of the nodes of one cluster, tried in order. */
  readonly bus: { readonly kind: "inprocess" } | { readonly kind: "amqp"; readonly urls: readonly string[] };
  /** How long start-up waits for the infrastructure database and the bus (0: not at all). */
  readonly startupWaitMs: number;
  readonly roles: readonly Role[];
  readonly region: string;
  readonly tokenTtlSeconds: number;
  readonly tokenCacheTtlSeconds: number;
  /** Failed logins in a row that lock a user out; 0 disables the lockout. */
  readonly lockoutThreshold: number;
  readonly lockoutDurationSeconds: number;
  /** Default per-project hard limits; -1 is unlimited. */
  readonly quotaDefaults: {
    readonly instances: number;
    readonly volumes: number;
    readonly backups: number;
    readonly ram: number;
  };
  /** Days instance events are kept. */
  readonly eventRetentionDays: number;
  /** The scrape credential for /metrics (a bearer token); empty: admin tokens only. */
  readonly metricsToken: string;
  /** Where a process without the api role serves /metrics; undefined: nowhere. */
  readonly metricsPort: number | undefined;
  readonly logLevel: string;
  /** `auto`: readable lines on a terminal, JSON otherwise. */
  readonly logFormat: LogFormat;
  readonly defaultDatastore: string;
  readonly hostName: string;
  /** No `--host-name` was given: the name above is this machine's hostname. */
  readonly hostNameDefaulted: boolean;
  readonly addressPool: string;
  /** Public instance addresses and where they go; absent: instances cannot be public. */
  readonly publicAddresses: { readonly pool: string; readonly interface: string } | undefined;
  readonly cgroupParent: string;
  readonly computeDir: string;
  /** Filesystem of new loop volumes; `auto`: XFS where it grows online here, else ext4. */
  readonly volumeFilesystem: VolumeFilesystemOption;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatExpiryMs: number;
  /** Loop volumes kept formatted and mounted ahead of creates, per size (empty: none). */
  readonly spareVolumes: readonly { readonly sizeGb: number; readonly count: number }[];
  /** Warm pools per datastore version, flavor and volume size (empty: none). */
  readonly warmPools: readonly WarmPoolConfig[];
  /** Tests only: the kill-point plan file; undefined (always, outside the kill-point sweep): none. */
  readonly testKillPoints: string | undefined;
}

const VOLUME_FILESYSTEMS = ["auto", "xfs", "ext4"] as const;
export type VolumeFilesystemOption = (typeof VOLUME_FILESYSTEMS)[number];

/** One warm pool as configured (`--warm-pools`); the compute host resolves the names. */
export interface WarmPoolConfig {
  readonly datastore: string;
  /** A version name; null for the datastore's default version. */
  readonly version: string | null;
  readonly flavorId: string;
  /** How many unclaimed engines to keep started. */
  readonly size: number;
  readonly volumeGb: number;
}

export interface ConfigSources {
  /** Values from command-line flags, by option key. */
  flags?: Partial<Record<OptionKey, string | undefined>>;
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON config file; when absent, `COFFER_CONFIG`, else `<data-dir>/coffer.json` if present. */
  configFile?: string;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export function resolveConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const flags = sources.flags ?? {};
  const explicitFile = sources.configFile ?? env.COFFER_CONFIG;
  let file: Record<string, unknown> = explicitFile ? readConfigFile(explicitFile, true) : {};

  const raw: Record<string, string> = {};
  const given = new Set<string>();
  const pick = (key: OptionKey, envName: string): string | undefined =>
    flags[key] ?? env[envName] ?? stringOrUndefined(file[key], key);

  for (const spec of OPTIONS) {
    // The data directory decides where the default config file is, so read that file right after it.
    const value = pick(spec.key, spec.env);
    if (value !== undefined) given.add(spec.key);
    raw[spec.key] = value ?? (typeof spec.fallback === "function" ? spec.fallback(raw) : spec.fallback);
    if (spec.key === "dataDir" && !explicitFile) {
      file = readConfigFile(resolvePath(raw.dataDir!, "coffer.json"), false);
      const fromFile = flags.dataDir ?? env[spec.env] ?? stringOrUndefined(file.dataDir, "dataDir");
      if (fromFile) raw.dataDir = fromFile;
    }
  }
  return Object.freeze(validate(raw, given));
}

function validate(raw: Record<string, string>, given: ReadonlySet<string>): Config {
  const dataDir = resolvePath(raw.dataDir!);
  const port = parseInteger(raw.port!, "port", 0, 65535);
  const tokenTtlSeconds = parseInteger(raw.tokenTtl!, "token-ttl", 60, 7 * 24 * 3600);
  const tokenCacheTtlSeconds = parseInteger(raw.tokenCacheTtl!, "token-cache-ttl", 0, 3600);
  const lockoutThreshold = parseInteger(raw.lockoutThreshold!, "lockout-threshold", 0, 1000);
  const lockoutDurationSeconds = parseInteger(raw.lockoutDuration!, "lockout-duration", 1, 7 * 24 * 3600);
  const quota = (key: OptionKey, name: string) => parseInteger(raw[key]!, name, -1, 1_000_000_000);
  const quotaDefaults = {
    instances: quota("quotaInstances", "quota-instances"),
    volumes: quota("quotaVolumes", "quota-volumes"),
    backups: quota("quotaBackups", "quota-backups"),
    ram: quota("quotaRam", "quota-ram"),
  };
  const roles = raw
    .roles!.split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) {
      throw invalid("roles", `unknown role "${role}"; roles are ${ROLES.join(", ")}`);
    }
  }
  if (roles.length === 0) throw invalid("roles", "at least one role is needed");
  if (!LOG_LEVELS.includes(raw.logLevel!))
    throw invalid("log-level", `must be one of ${LOG_LEVELS.join(", ")}`);
  const logFormat = raw.logFormat! as LogFormat;
  if (!LOG_FORMATS.includes(logFormat))
    throw invalid("log-format", `must be one of ${LOG_FORMATS.join(", ")}`);

  const volumeFilesystem = raw.volumeFilesystem! as VolumeFilesystemOption;
  if (!VOLUME_FILESYSTEMS.includes(volumeFilesystem)) {
    throw invalid("volume-filesystem", `must be one of ${VOLUME_FILESYSTEMS.join(", ")}`);
  }

  const infraDbRaw = raw.infraDb!;
  const infraDb: Config["infraDb"] = /^postgres(ql)?:\/\//.test(infraDbRaw)
    ? { kind: "postgres", url: infraDbRaw }
    : { kind: "sqlite", path: isAbsolute(infraDbRaw) ? infraDbRaw : resolvePath(dataDir, infraDbRaw) };

  const busRaw = raw.bus!;
  let bus: Config["bus"];
  if (busRaw === "inprocess") bus = { kind: "inprocess" };
  else {
    const urls = busRaw
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean);
    if (urls.length === 0 || urls.some((u) => !/^amqps?:\/\/[^,\s]+$/.test(u))) {
      throw invalid("bus", `must be "inprocess" or amqp:// URLs, comma-separated`);
    }
    bus = { kind: "amqp", urls: Object.freeze(urls) };
  }

  return {
    dataDir,
    host: raw.host!,
    port,
    publicUrl: raw.publicUrl!.replace(/\/+$/, ""),
    publicUrlDefaulted: !given.has("publicUrl"),
    infraDb,
    bus,
    startupWaitMs: parseInteger(raw.startupWait!, "startup-wait", 0, 86_400) * 1000,
    roles: roles as Role[],
    region: raw.region!,
    tokenTtlSeconds,
    tokenCacheTtlSeconds,
    lockoutThreshold,
    lockoutDurationSeconds,
    quotaDefaults: Object.freeze(quotaDefaults),
    eventRetentionDays: parseInteger(raw.eventRetention!, "event-retention", 1, 36500),
    metricsToken: raw.metricsToken!,
    metricsPort:
      raw.metricsPort === "" ? undefined : parseInteger(raw.metricsPort!, "metrics-port", 0, 65535),
    logLevel: raw.logLevel!,
    logFormat,
    defaultDatastore: raw.defaultDatastore!,
    hostName: raw.hostName!,
    hostNameDefaulted: !given.has("hostName"),
    addressPool: raw.addressPool!,
    publicAddresses: parsePublicAddresses(raw.publicAddressPool!, raw.publicInterface!),
    cgroupParent: raw.cgroupParent!,
    computeDir: resolvePath(raw.computeDir!),
    volumeFilesystem,
    heartbeatIntervalMs: parseInteger(raw.heartbeatInterval!, "heartbeat-interval", 1, 3600) * 1000,
    heartbeatExpiryMs: parseInteger(raw.heartbeatExpiry!, "heartbeat-expiry", 2, 86400) * 1000,
    spareVolumes: parseSpareVolumes(raw.spareVolumes!),
    warmPools: parseWarmPools(raw.warmPools!),
    testKillPoints: raw.testKillPoints ? resolvePath(raw.testKillPoints) : undefined,
  };
}

/** Both or neither: a pool needs the interface its addresses go on. */
function parsePublicAddresses(pool: string, iface: string): Config["publicAddresses"] {
  if (pool === "" && iface === "") return undefined;
  if (pool === "") throw invalid("public-interface", "is given without public-address-pool");
  if (iface === "") throw invalid("public-address-pool", "needs public-interface (e.g. eth0)");
  return Object.freeze({ pool, interface: iface });
}

/** `<size GB>:<count>`, comma-separated. */
function parseSpareVolumes(value: string): { sizeGb: number; count: number }[] {
  return value
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)
    .map((entry) => {
      const [size, count, ...rest] = entry.split(":");
      if (size === undefined || count === undefined || rest.length > 0) {
        throw invalid("spare-volumes", `"${entry}" is not <size GB>:<count>`);
      }
      return {
        sizeGb: parseInteger(size, "spare-volumes size", 1, 10_000),
        count: parseInteger(count, "spare-volumes count", 0, 100),
      };
    });
}

/** `<datastore>:<version>:<flavor id>:<size>[:<volume GB>]`, comma-separated. */
function parseWarmPools(value: string): WarmPoolConfig[] {
  const pools: WarmPoolConfig[] = [];
  for (const entry of value
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const parts = entry.split(":");
    const [datastore, version, flavorId, size, volumeGb = "1"] = parts;
    if (parts.length < 4 || parts.length > 5 || !datastore || !version || !flavorId) {
      throw invalid("warm-pools", `"${entry}" is not <datastore>:<version>:<flavor id>:<size>[:<volume GB>]`);
    }
    const pool = {
      datastore,
      version: version === "default" ? null : version,
      flavorId,
      size: parseInteger(size!, "warm-pools size", 0, 100),
      volumeGb: parseInteger(volumeGb, "warm-pools volume size", 1, 10_000),
    };
    if (
      pools.some(
        (p) =>
          p.datastore === datastore &&
          p.version === pool.version &&
          p.flavorId === flavorId &&
          p.volumeGb === pool.volumeGb,
      )
    ) {
      throw invalid("warm-pools", `"${entry}" names a pool twice`);
    }
    pools.push(pool);
  }
  return pools;
}

function parseInteger(value: string, name: string, min: number, max: number): number {
  if (!(min < 0 ? /^-?\d+$/ : /^\d+$/).test(value))
    throw invalid(name, `must be a whole number, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw invalid(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function readConfigFile(path: string, required: boolean): Record<string, unknown> {
  if (!existsSync(path)) {
    if (required) throw invalid("config", `config file ${path} does not exist`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw invalid("config", `config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalid("config", `config file ${path} must hold a JSON object`);
  }
  const known = new Set<string>(OPTIONS.map((o) => o.key));
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw invalid("config", `unknown key "${key}" in ${path}`);
  }
  return parsed as Record<string, unknown>;
}

function stringOrUndefined(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String).join(",");
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return String(value);
  throw invalid(key, "must be a string, number or list in the config file");
}

function invalid(option: string, message: string): ValidationError {
  return new ValidationError("CONFIG_INVALID", `option ${option}: ${message}`);
}
