import { parseValidationRules } from "../../../domain/index.js";
import type { EngineCapabilities } from "../engine.js";
import rules from "./validation-rules.json" with { type: "json" };

export const mariadbCapabilities: EngineCapabilities = Object.freeze({
  name: "mariadb",
  // MySQL itself is not installed; MariaDB serves the `mysql` datastore (compatible protocol and SQL).
  managers: Object.freeze(["mariadb", "mysql"]),
  defaultPort: 3306,
  // mariadbd shuts down cleanly on SIGTERM.
  stopSignal: "SIGTERM",
  adminUser: "os_admin",
  rootUser: "root",
  systemUsers: Object.freeze(["os_admin", "root", "mariadb.sys", "mysql"]),
  systemDatabases: Object.freeze(["mysql", "information_schema", "performance_schema", "sys"]),
  defaultCharacterSet: "utf8mb4",
  defaultCollation: "utf8mb4_general_ci",
  userHosts: true,
  maxNameLength: Object.freeze({ database: 64, user: 80 }),
  replication: Object.freeze(["gtid"] as const),
  backup: Object.freeze(["mariabackup"] as const),
  onlineVolumeResize: true,
  logs: Object.freeze(["general", "slow_query"]),
  installDirs: Object.freeze(["/usr/sbin"]),
  layoutParameters: Object.freeze([
    "datadir",
    "basedir",
    "socket",
    "pid_file",
    "bind_address",
    "port",
    "log_error",
    "skip_networking",
    "user",
    "plugin_dir",
    "init_file",
    "skip_grant_tables",
  ]),
  // Each flag is READ_ONLY in information_schema.SYSTEM_VARIABLES (checked against the engine by the tests).
  parameterRules: Object.freeze(parseValidationRules(rules, "mariadb/validation-rules.json")),
});
