import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { ConflictError } from "../../domain/index.js";
import type { Logger } from "../../lib/index.js";
import { readJson, writeFileAtomic } from "./records.js";

/**
 * One Coffer per compute directory. Its engines outlive it, and at start a Coffer adopts, cleans up
 * and relaunches whatever the directory holds: a second Coffer on the same directory — at the same
 * time, or later with another data directory, e.g. two servers as root sharing the default
 * /var/lib/coffer — would take over, clean up or clobber the first one's instances, volumes and
 * spares, which its own infrastructure database knows nothing of. So a compute host starts by
 * taking the directory:
 *
 *   coffer.lock    a lock held while the process lives (an exclusive SQLite lock: a kernel
 *                  fcntl lock, which Node cannot take itself; the kernel drops it when the
 *                  process ends, however it ends, so a crash leaves nothing stale)
 *   holder.json    who holds the lock now (pid, data dir): for the message the next one gets
 *   owner.json     the owner mark: the data directory of the Coffer whose instances live here,
 *                  written by the first start; a start with another data directory is refused
 */

export interface ComputeDirOwner {
  /** The data directory (infrastructure database, identity) of the Coffer using the compute dir. */
  dataDir: string;
}

export interface ComputeDirLock {
  /** Lets the directory go (the owner mark stays: the instances are still this Coffer's). */
  release(): Promise<void>;
}

interface Holder extends ComputeDirOwner {
  pid: number;
  since: string;
}

export async function lockComputeDir(
  dir: string,
  owner: ComputeDirOwner,
  logger: Logger,
): Promise<ComputeDirLock> {
  const root = resolve(dir);
  const dataDir = resolve(owner.dataDir);
  await mkdir(root, { recursive: true });
  const lock = new Database(join(root, "coffer.lock"), { timeout: 0 });
  try {
    lock.pragma("locking_mode = EXCLUSIVE");
    // Written once in exclusive mode, the file stays locked until this connection closes.
    lock.exec("BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS held (at TEXT); DELETE FROM held;");
    lock.prepare("INSERT INTO held VALUES (?)").run(new Date().toISOString());
    lock.exec("COMMIT");
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code !== "SQLITE_BUSY") throw err;
    const holder = await readJson<Holder>(join(root, "holder.json")).catch(() => undefined);
    const who = holder
      ? `the Coffer with pid ${holder.pid} and data directory ${holder.dataDir}`
      : "another Coffer";
    throw new ConflictError(
      "COMPUTE_DIR_IN_USE",
      `the compute directory ${root} is in use by ${who}; give this one its own with --compute-dir`,
      { details: { computeDir: root, ...(holder ? { holder } : {}) } },
    );
  }
  try {
    await checkOwner(root, dataDir, logger);
    const holder: Holder = { pid: process.pid, dataDir, since: new Date().toISOString() };
    await writeFileAtomic(join(root, "holder.json"), JSON.stringify(holder) + "\n");
  } catch (err) {
    lock.close();
    throw err;
  }
  return {
    async release() {
      await rm(join(root, "holder.json"), { force: true });
      lock.close();
    },
  };
}

/** Writes the owner mark on first use; refuses a directory another data directory owns. */
async function checkOwner(root: string, dataDir: string, logger: Logger): Promise<void> {
  const file = join(root, "owner.json");
  const mark = await readJson<ComputeDirOwner>(file);
  if (mark === undefined) {
    await writeFileAtomic(file, JSON.stringify({ dataDir, since: new Date().toISOString() }) + "\n");
    logger.info({ computeDir: root, dataDir }, "compute directory marked as this Coffer's");
    return;
  }
  if (resolve(mark.dataDir) === dataDir) return;
  throw new ConflictError(
    "COMPUTE_DIR_OWNED",
    `the compute directory ${root} belongs to the Coffer whose data directory is ${mark.dataDir} ` +
      `(its instances, volumes and spares are there), not to this one (${dataDir}); give this one its ` +
      `own with --compute-dir, or, if that data directory has moved to ${dataDir}, remove ${file}`,
    { details: { computeDir: root, owner: mark.dataDir, dataDir } },
  );
}
