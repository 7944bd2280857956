import type { EngineCapabilities } from "../engine.js";

export const postgresqlCapabilities: EngineCapabilities = Object.freeze({
  name: "postgresql",
  managers: Object.freeze(["postgresql"]),
  defaultPort: 5432,
  // SIGINT is PostgreSQL's "fast" shutdown: abort transactions, checkpoint, exit. SIGTERM ("smart") waits for clients.
  stopSignal: "SIGINT",
  adminUser: "os_admin",
  rootUser: "postgres",
  systemUsers: Object.freeze(["os_admin", "postgres"]),
  // coffer_spare: a database made in the template, renamed for an instance's first database (spare.ts).
  systemDatabases: Object.freeze(["os_admin", "postgres", "template0", "template1", "coffer_spare"]),
  defaultCharacterSet: "UTF8",
  defaultCollation: "C.UTF-8",
  userHosts: false,
  // NAMEDATALEN - 1
  maxNameLength: Object.freeze({ database: 63, user: 63 }),
  replication: Object.freeze(["streaming"] as const),
  backup: Object.freeze(["pg_basebackup"] as const),
  onlineVolumeResize: true,
  logs: Object.freeze(["general"]),
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
});
