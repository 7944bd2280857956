import { join } from "node:path";
import {
  checkSizing,
  clamp,
  maxConnectionsFor,
  mergeOverrides,
  type ParamValue,
  type Params,
} from "../params.js";
import { listenAddresses, type ConfigOverrides, type EngineLayout, type EngineSizing } from "../engine.js";
import { mariadbCapabilities as caps } from "./capabilities.js";

/** The defaults file mariadbd is launched with; it lives with the data so the volume is self-contained. */
export function defaultsFile(layout: Pick<EngineLayout, "dataDir">): string {
  return join(layout.dataDir, "my.cnf");
}

export function socketFile(layout: Pick<EngineLayout, "runDir">): string {
  return join(layout.runDir, "mysqld.sock");
}

/** The redo log size a fresh data directory gets; renderConfig may choose another (resized at start). */
export const INITIAL_REDO_LOG_MB = 8;

/**
 * Options derived from the flavor, after Trove's MySQL template (buffer pool ≈ 150 MB per 512 MB of
 * RAM, 100 connections per 512 MB), with floors for tiny flavors. The MyISAM/Aria caches, 128 MB
 * each by default and allocated at start, are scaled down: system tables are Aria and need little.
 */
export function mariadbDefaults(sizing: EngineSizing): Params {
  checkSizing(sizing);
  const ram = sizing.ramMb;
  const bufferPool = Math.max(16, Math.floor((150 * ram) / 512));
  const smallCache = `${clamp(ram / 32, 1, 256)}M`;
  return new Map<string, ParamValue>([
    // Accounts match on addresses only: no DNS lookups, and 'localhost' means the socket.
    ["skip_name_resolve", true],
    ["max_connections", maxConnectionsFor(sizing, 5000)],
    ["innodb_buffer_pool_size", `${bufferPool}M`],
    ["innodb_log_file_size", `${clamp(bufferPool / 4, INITIAL_REDO_LOG_MB, 1024)}M`],
    ["innodb_log_buffer_size", `${clamp(ram / 64, 2, 16)}M`],
    ["key_buffer_size", smallCache],
    ["aria_pagecache_buffer_size", smallCache],
    ["performance_schema", false],
    ["character_set_server", caps.defaultCharacterSet],
    ["collation_server", caps.defaultCollation],
    ["local_infile", false],
  ]);
}

/** The whole [mysqld] group: where the layout puts things, then the flavor's options. */
export function mariadbParams(layout: EngineLayout, sizing: EngineSizing): Params {
  return new Map<string, ParamValue>([
    ["datadir", layout.dataDir],
    ["socket", socketFile(layout)],
    ["pid_file", join(layout.runDir, "mysqld.pid")],
    ["bind_address", listenAddresses(layout)],
    ["port", layout.port],
    ["log_error", layout.logFile],
    ...mariadbDefaults(sizing),
  ]);
}

const BARE = /^[A-Za-z0-9_.,:/@+-]+$/;

function formatValue(value: ParamValue): string {
  if (typeof value === "boolean") return value ? "ON" : "OFF";
  if (typeof value === "number" || BARE.test(value)) return String(value);
  // Option files treat # and ; as comments and strip spaces unless the value is quoted.
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** MariaDB treats - and _ in option names alike. */
export const optionKey = (name: string): string => name.toLowerCase().replace(/-/g, "_");

export function renderMyCnf(layout: EngineLayout, sizing: EngineSizing, overrides?: ConfigOverrides): string {
  const params = mergeOverrides(mariadbParams(layout, sizing), overrides, caps.layoutParameters, optionKey);
  const lines = [...params].map(([name, value]) => `${name} = ${formatValue(value)}`);
  // [mysqld] is read by mariadbd and by mariabackup alike.
  return `# Rendered by Coffer from the flavor and configuration group; edits are overwritten.\n[mysqld]\n${lines.join("\n")}\n`;
}
