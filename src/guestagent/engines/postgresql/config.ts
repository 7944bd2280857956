import { basename, dirname } from "node:path";
import {
  checkSizing,
  clamp,
  maxConnectionsFor,
  mergeOverrides,
  type ParamValue,
  type Params,
} from "../params.js";
import { listenAddresses, type ConfigOverrides, type EngineLayout, type EngineSizing } from "../engine.js";
import { BOOTSTRAP_USER, postgresqlCapabilities as caps } from "./capabilities.js";

/**
 * postgresql.conf's tunables derived from the flavor. Memory follows the usual guidance
 * (shared_buffers a quarter of RAM, effective_cache_size three quarters), with floors that keep a
 * 64 MB flavor working; an idle small instance then costs about 10 MB of host memory.
 */
export function postgresqlDefaults(sizing: EngineSizing): Params {
  checkSizing(sizing);
  const ram = sizing.ramMb;
  const maxConnections = maxConnectionsFor(sizing, 500);
  const sharedBuffers = Math.max(16, Math.floor(ram / 4));
  // Each connection may use a few work_mem at once; keep their sum under what shared_buffers leaves.
  const workMemKb = clamp(((ram - sharedBuffers) * 1024) / (maxConnections * 3), 1024, 256 * 1024);
  return new Map<string, ParamValue>([
    ["max_connections", maxConnections],
    ["shared_buffers", `${sharedBuffers}MB`],
    ["effective_cache_size", `${Math.max(32, Math.floor((ram * 3) / 4))}MB`],
    ["work_mem", `${workMemKb}kB`],
    ["maintenance_work_mem", `${clamp(ram / 16, 4, 2048)}MB`],
    ["max_worker_processes", Math.max(8, sizing.vcpus)],
    ["max_parallel_workers", sizing.vcpus],
    ["max_parallel_workers_per_gather", clamp(sizing.vcpus / 2, 0, 4)],
    ["dynamic_shared_memory_type", "posix"],
    ["min_wal_size", `${Math.min(80, Math.floor(maxWalMb(sizing) / 2))}MB`],
    ["max_wal_size", `${maxWalMb(sizing)}MB`],
    ["password_encryption", "scram-sha-256"],
    ["log_file_mode", "0640"],
    ["log_rotation_age", 0],
    ["log_rotation_size", 0],
    ["log_line_prefix", "%m [%p] %q%u@%d "],
    ["log_timezone", "UTC"],
    ["timezone", "UTC"],
    ["datestyle", "iso, mdy"],
    ["lc_messages", "C.UTF-8"],
    ["lc_monetary", "C.UTF-8"],
    ["lc_numeric", "C.UTF-8"],
    ["lc_time", "C.UTF-8"],
    ["default_text_search_config", "pg_catalog.english"],
  ]);
}

/** The whole postgresql.conf: where the layout puts things, then the flavor's tunables. */
export function postgresqlParams(layout: EngineLayout, sizing: EngineSizing): Params {
  return new Map<string, ParamValue>([
    ["listen_addresses", listenAddresses(layout)],
    ["port", layout.port],
    ["unix_socket_directories", layout.runDir],
    // Only runAs (and root) may open the socket: it is where the trusted bootstrap login lives.
    ["unix_socket_permissions", "0700"],
    ["logging_collector", true],
    ["log_directory", dirname(layout.logFile)],
    ["log_filename", basename(layout.logFile)],
    ...postgresqlDefaults(sizing),
  ]);
}

function formatValue(value: ParamValue): string {
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value === "number") return String(value);
  // Inside quotes the GUC parser treats backslash as an escape and '' as a quote.
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

export function renderPostgresqlConf(
  layout: EngineLayout,
  sizing: EngineSizing,
  overrides?: ConfigOverrides,
): string {
  const params = mergeOverrides(postgresqlParams(layout, sizing), overrides, caps.layoutParameters, (n) =>
    n.toLowerCase(),
  );
  const lines = [...params].map(([name, value]) => `${name} = ${formatValue(value)}`);
  return `# Rendered by Coffer from the flavor and configuration group; edits are overwritten.\n${lines.join("\n")}\n`;
}

/**
 * Passwords (SCRAM) over TCP for everyone. The socket trusts only the bootstrap superuser, and the
 * socket itself is 0700 (unix_socket_permissions), so only runAs and root reach it.
 */
export function renderPgHba(): string {
  return [
    "# Rendered by Coffer; edits are overwritten.",
    "# TYPE  DATABASE  USER      ADDRESS  METHOD",
    `local   all       ${BOOTSTRAP_USER}  trust`,
    "host    all       all       all      scram-sha-256",
    "",
  ].join("\n");
}

/**
 * WAL lives on the data volume. When WAL cannot be written PostgreSQL PANICs, so checkpoints must
 * keep it small next to the volume (a tenth, between 32 MB and 1 GB): then a volume that fills
 * up fails the statement that extends a data file, and the engine stays up.
 */
export function maxWalMb(sizing: EngineSizing): number {
  if (sizing.volumeGb === undefined) return 1024;
  return clamp(Math.floor((sizing.volumeGb * 1024) / 10), 32, 1024);
}
