import { lchown, lstat, rename, rm, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { runChecked } from "../../../lib/index.js";
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
import { readPostgresqlFigures } from "./figures.js";
import { readiness, whileDown } from "../readiness.js";
import type { ConfigOverrides, DataDirTarget, Engine, EngineLayout, EngineSizing, RunAs } from "../engine.js";
import {
  disablePostgresqlRoot,
  enablePostgresqlRoot,
  isPostgresqlRootEnabled,
  securePostgresql,
} from "./accounts.js";
import { createPostgresqlDatabases, deletePostgresqlDatabase, listPostgresqlDatabases } from "./databases.js";
import {
  changePostgresqlPasswords,
  createPostgresqlUsers,
  deletePostgresqlUser,
  getPostgresqlUser,
  grantPostgresqlAccess,
  listPostgresqlUsers,
  revokePostgresqlAccess,
  updatePostgresqlUser,
} from "./users.js";
import { BOOTSTRAP_USER, postgresqlCapabilities as caps } from "./capabilities.js";
import { withPg } from "./client.js";
import { postgresqlDefaults, renderPgHba, renderPostgresqlConf } from "./config.js";
import { applyPostgresqlConfig, checkPostgresqlConfig } from "./live.js";
import { addSpareDatabase } from "./spare.js";

/** PostgreSQL 15: initdb as runAs, config in PGDATA, `postgres -D` in the foreground, SIGINT to stop. */
export function createPostgresqlEngine(): Engine {
  async function initialize(target: DataDirTarget): Promise<void> {
    const initdb = requireProgram(target.binDir, "initdb");
    await claimEmptyDataDir(target);
    await ensureOwnedDir(target.dataDir, target.runAs, 0o700);
    // initdb refuses root, hence runAs. The bootstrap superuser is `postgres`, with no password:
    // it can log in only over the socket (renderPgHba), which is how secure() sets the admin up.
    const args = [
      "-D",
      target.dataDir,
      "-U",
      BOOTSTRAP_USER,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
    ];
    args.push("--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions");
    await runAsEngineUser(initdb, args, target.runAs, { timeoutMs: 120_000 }).catch((err: unknown) => {
      throw engineCommandError(caps.name, "initdb", err);
    });
    if (target.walDir) await relocateWal(target.dataDir, target.walDir, target.runAs);
  }

  return {
    capabilities: caps,

    async probe(binDir) {
      const postgres = findProgram(binDir, "postgres");
      const version = postgres && (await programVersion(postgres));
      return version ? { binDir, version } : undefined;
    },

    initialize,
    async prepareTemplate(target) {
      await initialize(target);
      await addSpareDatabase(target);
    },

    async initializeFromTemplate(templateDir, target) {
      if (!(await exists(join(templateDir, "PG_VERSION")))) {
        throw layoutError(`${templateDir} is not a PostgreSQL data directory`);
      }
      const failed = (err: unknown) => {
        throw engineCommandError(caps.name, "copy the template", err);
      };
      const { walDir } = target;
      if (!walDir) return copyTemplate(templateDir, target).catch(failed);
      await rm(walDir, { recursive: true, force: true }); // what a prepare cut short left
      await ensureOwnedDir(dirname(walDir), target.runAs, 0o700);
      // The WAL goes straight to walDir while the rest goes to the data dir: written once, rather
      // than copied onto the volume and then again across to walDir (16 MB of a 39 MB template).
      await Promise.all([
        copyTemplate(templateDir, target, { exclude: ["pg_wal"] }),
        copyTemplate(join(templateDir, "pg_wal"), { ...target, dataDir: walDir }),
      ]).catch(failed);
      const link = join(target.dataDir, "pg_wal");
      await symlink(walDir, link);
      await lchown(link, target.runAs.uid, target.runAs.gid);
    },

    async renderConfig(layout: EngineLayout, sizing: EngineSizing, overrides?: ConfigOverrides) {
      checkSocketPath(join(layout.runDir, `.s.PGSQL.${layout.port}.lock`));
      const conf = renderPostgresqlConf(layout, sizing, overrides);
      await ensureOwnedDir(layout.runDir, layout.runAs, 0o700);
      await ensureOwnedDir(dirname(layout.logFile), layout.runAs, 0o750);
      await writeOwnedFile(join(layout.dataDir, "postgresql.conf"), conf, layout.runAs);
      await writeOwnedFile(join(layout.dataDir, "pg_hba.conf"), renderPgHba(), layout.runAs);
    },

    defaults: (sizing) => Object.fromEntries(postgresqlDefaults(sizing)),
    checkConfig: checkPostgresqlConfig,
    applyLive: (layout, admin, config) => applyPostgresqlConfig(layout, admin, config.overrides),
    launchCommand(layout) {
      return {
        file: requireProgram(layout.binDir, "postgres"),
        args: ["-D", layout.dataDir],
        env: engineEnv(),
        stopSignal: caps.stopSignal,
      };
    },

    async secure(layout, admin, timeoutMs) {
      await whileDown(() => securePostgresql(layout, admin), timeoutMs, "secure PostgreSQL");
    },

    ...readiness(
      caps.name,
      async (layout, admin, timeouts) => {
        await withPg(layout, { via: "tcp", admin }, "check health", (s) => s.query("SELECT 1"), timeouts);
      },
      readPostgresqlFigures,
    ),

    createDatabases: createPostgresqlDatabases,
    listDatabases: listPostgresqlDatabases,
    deleteDatabase: deletePostgresqlDatabase,
    createUsers: createPostgresqlUsers,
    listUsers: listPostgresqlUsers,
    getUser: getPostgresqlUser,
    updateUser: updatePostgresqlUser,
    changePasswords: changePostgresqlPasswords,
    deleteUser: deletePostgresqlUser,
    grantAccess: grantPostgresqlAccess,
    revokeAccess: revokePostgresqlAccess,
    enableRoot: enablePostgresqlRoot,
    disableRoot: disablePostgresqlRoot,
    isRootEnabled: isPostgresqlRootEnabled,
  };
}

/**
 * Moves a copied data dir's pg_wal to `walDir` and leaves a symlink, as `initdb --waldir` does.
 * Idempotent: a pg_wal that is already a link is left alone.
 */
async function relocateWal(dataDir: string, walDir: string, runAs: RunAs): Promise<void> {
  const link = join(dataDir, "pg_wal");
  if ((await lstat(link)).isSymbolicLink()) return;
  await rm(walDir, { recursive: true, force: true });
  await ensureOwnedDir(dirname(walDir), runAs, 0o700);
  await rename(link, walDir).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== "EXDEV") throw err;
    await runChecked("cp", ["-a", "--", link, walDir], { env: engineEnv() });
    await rm(link, { recursive: true, force: true });
  });
  await symlink(walDir, link);
  await lchown(link, runAs.uid, runAs.gid);
}
