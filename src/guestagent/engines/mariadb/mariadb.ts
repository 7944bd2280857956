import { dirname, join } from "node:path";
import { engineCommandError, layoutError } from "../errors.js";
import {
  checkSocketPath,
  claimEmptyDataDir,
  copyTemplate,
  engineEnv,
  ensureOwnedDir,
  exists,
  findProgram,
  programVersion,
  requireProgram,
  runAsEngineUser,
  writeOwnedFile,
} from "../host.js";
import { readMariadbFigures } from "./figures.js";
import { readiness, whileDown } from "../readiness.js";
import type { ConfigOverrides, DataDirTarget, Engine, EngineLayout, EngineSizing } from "../engine.js";
import { disableMariadbRoot, enableMariadbRoot, isMariadbRootEnabled, secureMariadb } from "./accounts.js";
import { createMariadbDatabases, deleteMariadbDatabase, listMariadbDatabases } from "./databases.js";
import {
  changeMariadbPasswords,
  createMariadbUsers,
  deleteMariadbUser,
  getMariadbUser,
  grantMariadbAccess,
  listMariadbUsers,
  revokeMariadbAccess,
  updateMariadbUser,
} from "./users.js";
import { mariadbCapabilities as caps } from "./capabilities.js";
import { socketUser, withMy } from "./client.js";
import { INITIAL_REDO_LOG_MB, defaultsFile, mariadbDefaults, renderMyCnf, socketFile } from "./config.js";
import { applyMariadbConfig, checkMariadbConfig } from "./live.js";

/** MariaDB 10.11: mariadb-install-db as runAs, my.cnf in the data dir, `mariadbd` in the foreground, SIGTERM to stop. */
export function createMariadbEngine(): Engine {
  async function initialize(target: DataDirTarget): Promise<void> {
    const installDb = requireProgram(target.binDir, "mariadb-install-db");
    const server = requireProgram(target.binDir, "mariadbd");
    await claimEmptyDataDir(target);
    await ensureOwnedDir(target.dataDir, target.runAs, 0o700);
    const args = [
      // Must come first, or /etc/mysql/my.cnf is read too.
      "--no-defaults",
      `--basedir=${dirname(dirname(server))}`,
      `--datadir=${target.dataDir}`,
      // root (and the control plane's OS account) log in only over the socket, by peer uid: no password exists to leak.
      "--auth-root-authentication-method=socket",
      `--auth-root-socket-user=${socketUser()}`,
      "--skip-test-db",
      "--skip-name-resolve",
      // The default 96 MB redo log would make every copy of a template slow; renderConfig sizes it.
      `--innodb-log-file-size=${INITIAL_REDO_LOG_MB}M`,
    ];
    await runAsEngineUser(installDb, args, target.runAs, { timeoutMs: 120_000 }).catch((err: unknown) => {
      throw engineCommandError(caps.name, "mariadb-install-db", err);
    });
  }

  return {
    capabilities: caps,

    async probe(binDir) {
      const server = findProgram(binDir, "mariadbd");
      const version = server && (await programVersion(server));
      return version ? { binDir, version } : undefined;
    },

    initialize,
    prepareTemplate: initialize,

    async initializeFromTemplate(templateDir, target) {
      if (!(await exists(join(templateDir, "mysql", "db.frm")))) {
        throw layoutError(`${templateDir} is not a MariaDB data directory`);
      }
      await copyTemplate(templateDir, target).catch((err: unknown) => {
        throw engineCommandError(caps.name, "copy the template", err);
      });
    },

    async renderConfig(layout: EngineLayout, sizing: EngineSizing, overrides?: ConfigOverrides) {
      checkSocketPath(socketFile(layout));
      const conf = renderMyCnf(layout, sizing, overrides);
      await ensureOwnedDir(layout.runDir, layout.runAs, 0o700);
      await ensureOwnedDir(dirname(layout.logFile), layout.runAs, 0o750);
      await writeOwnedFile(defaultsFile(layout), conf, layout.runAs);
    },

    defaults: (sizing) => Object.fromEntries(mariadbDefaults(sizing)),
    checkConfig: checkMariadbConfig,
    applyLive: applyMariadbConfig,

    launchCommand(layout) {
      return {
        file: requireProgram(layout.binDir, "mariadbd"),
        // --defaults-file must be the first argument to keep /etc/mysql out.
        args: [`--defaults-file=${defaultsFile(layout)}`],
        env: engineEnv(),
        stopSignal: caps.stopSignal,
      };
    },

    async secure(layout, admin, timeoutMs) {
      await whileDown(() => secureMariadb(layout, admin), timeoutMs, "secure MariaDB");
    },

    ...readiness(
      caps.name,
      async (layout, admin, timeouts) => {
        await withMy(layout, { via: "tcp", admin }, "check health", (s) => s.query("SELECT 1"), timeouts);
      },
      readMariadbFigures,
    ),

    createDatabases: createMariadbDatabases,
    listDatabases: listMariadbDatabases,
    deleteDatabase: deleteMariadbDatabase,
    createUsers: createMariadbUsers,
    listUsers: listMariadbUsers,
    getUser: getMariadbUser,
    updateUser: updateMariadbUser,
    changePasswords: changeMariadbPasswords,
    deleteUser: deleteMariadbUser,
    grantAccess: grantMariadbAccess,
    revokeAccess: revokeMariadbAccess,
    enableRoot: enableMariadbRoot,
    disableRoot: disableMariadbRoot,
    isRootEnabled: isMariadbRootEnabled,
  };
}
