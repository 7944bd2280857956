import { parseValidationRules } from "../../../domain/index.js";
import type { EngineCapabilities } from "../engine.js";
import rules from "./validation-rules.json" with { type: "json" };

/** initdb's superuser: it logs in over the 0700 socket only, with no password (renderPgHba). */
export const BOOTSTRAP_USER = "postgres";

export const postgresqlCapabilities: EngineCapabilities = Object.freeze({
  name: "postgresql",
  managers: Object.freeze(["postgresql"]),
  defaultPort: 5432,
  // SIGINT is PostgreSQL's "fast" shutdown: abort transactions, checkpoint, exit. SIGTERM ("smart") waits for clients.
  stopSignal: "SIGINT",
  adminUser: "os_admin",
  // Trove's root on PostgreSQL is a superuser named root, made by enable-root (accounts.ts).
  rootUser: "root",
  systemUsers: Object.freeze(["os_admin", "postgres", "root"]),
  // CREATE ROLE refuses these: they are the predefined roles' namespace.
  reservedUserPrefixes: Object.freeze(["pg_"]),
  // coffer_spare: a database made in the template, renamed for an instance's first database (spare.ts).
  systemDatabases: Object.freeze(["os_admin", "postgres", "template0", "template1", "coffer_spare"]),
  defaultCharacterSet: "UTF8",
  defaultCollation: "C.UTF-8",
  // The server-side encodings (client-only ones such as SJIS cannot hold a database).
  characterSets: Object.freeze(
    (
      "SQL_ASCII EUC_JP EUC_CN EUC_KR EUC_TW EUC_JIS_2004 UTF8 MULE_INTERNAL LATIN1 LATIN2 LATIN3 " +
      "LATIN4 LATIN5 LATIN6 LATIN7 LATIN8 LATIN9 LATIN10 WIN1256 WIN1258 WIN866 WIN874 KOI8R WIN1251 " +
      "WIN1252 ISO_8859_5 ISO_8859_6 ISO_8859_7 ISO_8859_8 WIN1250 WIN1253 WIN1254 WIN1255 WIN1257 KOI8U"
    ).split(" "),
  ),
  userHosts: false,
  // NAMEDATALEN - 1
  maxNameLength: Object.freeze({ database: 63, user: 63 }),
  replication: Object.freeze(["streaming"] as const),
  backup: Object.freeze(["pg_basebackup"] as const),
  onlineVolumeResize: true,
  logs: Object.freeze(["general"]),
  // `… [pid] FATAL:  could not create any TCP/IP sockets`; PostgreSQL logs why at LOG level before
  // (`LOG:  could not bind IPv4 address "…": Address already in use`).
  startupLog: Object.freeze({
    problem: /\b(?:FATAL|PANIC|ERROR):\s+(.+)$|\b(?:LOG|WARNING):\s+(could not .+)$/,
  }),
  installDirs: Object.freeze(["/usr/lib/postgresql/15/bin"]),
  layoutParameters: Object.freeze([
    "listen_addresses",
    "port",
    "unix_socket_directories",
    "unix_socket_permissions",
    "data_directory",
    "hba_file",
    "ident_file",
    "config_file",
    "external_pid_file",
    "logging_collector",
    "log_directory",
    "log_filename",
  ]),
  // Each flag is context = 'postmaster' in pg_settings (checked against the engine by the tests).
  parameterRules: Object.freeze(parseValidationRules(rules, "postgresql/validation-rules.json")),
});
