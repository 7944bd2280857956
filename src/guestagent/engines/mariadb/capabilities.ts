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
  reservedUserPrefixes: Object.freeze([]),
  systemDatabases: Object.freeze(["mysql", "information_schema", "performance_schema", "sys"]),
  defaultCharacterSet: "utf8mb4",
  defaultCollation: "utf8mb4_general_ci",
  // information_schema.CHARACTER_SETS of MariaDB 10.11, and `utf8`, which it reads as utf8mb3.
  characterSets: Object.freeze(
    (
      "armscii8 ascii big5 binary cp1250 cp1251 cp1256 cp1257 cp850 cp852 cp866 cp932 dec8 eucjpms " +
      "euckr gb2312 gbk geostd8 greek hebrew hp8 keybcs2 koi8r koi8u latin1 latin2 latin5 latin7 macce " +
      "macroman sjis swe7 tis620 ucs2 ujis utf16 utf16le utf32 utf8 utf8mb3 utf8mb4"
    ).split(" "),
  ),
  userHosts: true,
  maxNameLength: Object.freeze({ database: 64, user: 80 }),
  replication: Object.freeze(["gtid"] as const),
  backup: Object.freeze(["mariabackup"] as const),
  onlineVolumeResize: true,
  logs: Object.freeze(["general", "slow_query"]),
  // `… 0 [ERROR] Can't start server: Bind on TCP/IP port. Got error: 98: Address already in use`,
  // and always a last `[ERROR] Aborting`, which says nothing.
  startupLog: Object.freeze({ problem: /\[ERROR\]\s+(.+)$/, noise: /^Aborting$/ }),
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
