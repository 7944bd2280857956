import { homedir, hostname } from "node:os";
import { join } from "node:path";

/**
 * Every option Coffer reads, with its default and what it means. This list is the documentation:
 * `coffer server --help` and docs/configuration.md are generated from the same entries.
 * Each option can be given as a flag (`--data-dir`), an environment variable (`COFFER_DATA_DIR`)
 * or a key in the JSON config file (`"dataDir"`); flags win over the environment, which wins over
 * the file, which wins over the default.
 */

export const ROLES = ["api", "taskmanager", "conductor", "compute"] as const;
export type Role = (typeof ROLES)[number];

export interface OptionSpec<K extends string = string> {
  key: K;
  flag: string;
  env: string;
  doc: string;
  /** The default, or a function of the options resolved before this one. */
  fallback: string | ((resolved: Record<string, string>) => string);
}

function option<K extends string>(
  key: K,
  flag: string,
  doc: string,
  fallback: OptionSpec["fallback"],
): OptionSpec<K> {
  const env = "COFFER_" + flag.replace(/-/g, "_").toUpperCase();
  return { key, flag, env, doc, fallback };
}

export const OPTIONS = [
  option(
    "dataDir",
    "data-dir",
    "Where Coffer keeps its state: the SQLite database, instance volumes, logs.",
    () => join(homedir(), ".coffer"),
  ),
  option("host", "host", "Address the HTTP API listens on.", "127.0.0.1"),
  option("port", "port", "Port the HTTP API listens on.", "8779"),
  option(
    "publicUrl",
    "public-url",
    "Base URL that clients reach the API at (used in the service catalog and links).",
    (r) => `http://${r.host === "0.0.0.0" ? "127.0.0.1" : r.host}:${r.port}`,
  ),
  option("infraDb", "infra-db", "Infrastructure database: a SQLite file path, or a postgresql:// URL.", (r) =>
    join(r.dataDir ?? ".", "coffer.sqlite"),
  ),
  option(
    "bus",
    "bus",
    'Message bus: "inprocess", or amqp:// URLs of RabbitMQ, comma-separated for the nodes of a cluster ' +
      "(the bus connects to the first that answers and moves to the next when it loses one).",
    "inprocess",
  ),
  option(
    "startupWait",
    "startup-wait",
    "How long a process waits at start for its infrastructure database and message bus to answer, " +
      "in seconds, saying so while it waits (0: fail at once). Once started, it reconnects after " +
      "losing them for as long as it runs.",
    "300",
  ),
  option(
    "roles",
    "roles",
    `Comma-separated roles this process runs, of: ${ROLES.join(", ")}.`,
    ROLES.join(","),
  ),
  option("region", "region", "Region name in the service catalog.", "RegionOne"),
  option("tokenTtl", "token-ttl", "Lifetime of identity tokens, in seconds.", "3600"),
  option(
    "tokenCacheTtl",
    "token-cache-ttl",
    "How long a process may trust a verified token without asking the database again, in seconds " +
      "(a revocation made by another process takes effect there within this time; 0 disables the cache).",
    "30",
  ),
  option(
    "lockoutThreshold",
    "lockout-threshold",
    "Failed password logins in a row after which a user is locked out (0: never lock).",
    "5",
  ),
  option(
    "lockoutDuration",
    "lockout-duration",
    "How long a locked-out user stays locked, in seconds.",
    "300",
  ),
  option(
    "quotaInstances",
    "quota-instances",
    "Default per-project quota of instances (-1: unlimited).",
    "10",
  ),
  option(
    "quotaVolumes",
    "quota-volumes",
    "Default per-project quota of volume space, in GB (-1: unlimited).",
    "40",
  ),
  option("quotaBackups", "quota-backups", "Default per-project quota of backups (-1: unlimited).", "50"),
  option("quotaRam", "quota-ram", "Default per-project quota of RAM, in MB (-1: unlimited).", "-1"),
  option("defaultDatastore", "default-datastore", "Datastore used when a create names none.", "mysql"),
  option("hostName", "host-name", "This compute host's name (its bus topic is compute.<name>).", () =>
    hostname(),
  ),
  option(
    "addressPool",
    "address-pool",
    "Loopback range instance addresses come from (never 127.0.0.1).",
    "127.100.0.0/16",
  ),
  option(
    "publicAddressPool",
    "public-address-pool",
    "Addresses for public instances (access is_public), as an IPv4 CIDR the network routes to this " +
      "compute host, or free addresses of its own network, e.g. 203.0.113.16/28. Each public " +
      "instance gets one, added to public-interface and filtered to its engine's port and " +
      "allowed_cidrs (nftables). Empty: instances cannot be public, and the API refuses is_public.",
    "",
  ),
  option(
    "publicInterface",
    "public-interface",
    "The network interface public addresses are added to (as /32s), e.g. eth0.",
    "",
  ),
  option(
    "computeDir",
    "compute-dir",
    "Where a compute host keeps instance volumes, engine state and templates. Engines run as an " +
      "unprivileged user that must reach it, so as root it is not under the (private) data dir. " +
      "One Coffer per compute dir: a second Coffer on this host (another data dir) needs its own.",
    (r) => (process.getuid?.() === 0 ? "/var/lib/coffer" : join(r.dataDir ?? ".", "compute")),
  ),
  option(
    "cgroupParent",
    "cgroup-parent",
    "The cgroup under which each instance gets its own (memory, CPU and process limits).",
    "coffer",
  ),
  option(
    "heartbeatInterval",
    "heartbeat-interval",
    "Seconds between a guest agent's heartbeats (Trove's report_interval). Each beat is a real " +
      "query as the admin on a new connection, so this sets Coffer's idle cost per instance " +
      "(docs/performance.md); an engine that died is noticed and started again within it.",
    "30",
  ),
  option(
    "heartbeatExpiry",
    "heartbeat-expiry",
    "Seconds without a heartbeat after which operating_status shows ERROR.",
    "60",
  ),
  option(
    "volumeFilesystem",
    "volume-filesystem",
    'Filesystem of new instance volumes (loop images, as root): "auto" (the default: XFS when ' +
      "this host can make, mount and grow one while mounted, so that resize-volume needs no restart; " +
      'else ext4), "xfs" or "ext4". Existing volumes keep theirs.',
    "auto",
  ),
  option(
    "spareVolumes",
    "spare-volumes",
    "Volumes a compute host keeps formatted and mounted ahead of creates, so that a create does not " +
      "wait for mkfs and a loop mount: comma-separated <size GB>:<count> (empty: none).",
    "1:2",
  ),
  option(
    "warmPools",
    "warm-pools",
    "Warm pools, off by default: engines kept initialised, started and unclaimed on each compute host, " +
      "so that a create that matches takes one instead of building one. Comma-separated " +
      "<datastore>:<version>:<flavor id>:<size>[:<volume GB, default 1>], e.g. postgresql:15:6:2 " +
      "(version `default` = the datastore's default version). Only creates with that flavor and " +
      "volume size take from a pool; the pool refills in the background.",
    "",
  ),
  option(
    "eventRetention",
    "event-retention",
    "Days that instance events (created, resized, engine relaunched, …) are kept; older ones are " +
      "removed hourly by the conductor.",
    "30",
  ),
  option(
    "metricsToken",
    "metrics-token",
    "A scrape credential for GET /metrics: Prometheus sends it as `Authorization: Bearer <token>` " +
      "(its `authorization: {credentials_file: …}`). Empty: only an admin's token reads /metrics. " +
      "Prefer the environment variable or the config file to the flag (a flag shows in ps).",
    "",
  ),
  option(
    "metricsPort",
    "metrics-port",
    "A port on --host where a process that does not run the api role serves its own /metrics " +
      "(task managers, conductors, compute hosts when scaled out); empty: none. The api role serves " +
      "/metrics on the API's own port.",
    "",
  ),
  option("logLevel", "log-level", "Log level: fatal, error, warn, info, debug, trace or silent.", "info"),
  option(
    "logFormat",
    "log-format",
    'How log lines look: "auto" (lines a person reads when stdout is a terminal, JSON otherwise), ' +
      '"pretty" (always readable lines) or "json" (always one JSON object a line).',
    "auto",
  ),
  option(
    "testKillPoints",
    "test-kill-points",
    "Tests only: a kill-point plan file (docs/reliability.md); the task manager SIGKILLs this process at " +
      "the step boundaries it names. Empty (the default): no kill point exists.",
    "",
  ),
] as const;

export type OptionKey = (typeof OPTIONS)[number]["key"];
