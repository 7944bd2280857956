import { spawn } from "node:child_process";
import { mkdir, open, readFile, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { UpstreamError } from "../../domain/index.js";
import type { LaunchCommand, RunAs } from "../types.js";
import { HOST_PATH } from "./commands.js";
import { isMissing, readBootId, readProcStat } from "./proc.js";
import { readJson, writeFileAtomic } from "./records.js";

/** What a pid file holds: enough to tell our process from a later one that got the same pid. */
export interface PidRecord {
  pid: number;
  /** /proc/<pid>/stat start time (clock ticks after boot). */
  startTime: number;
  bootId: string;
  stopSignal: NodeJS.Signals;
  file: string;
  launchedAt: string;
}

export interface SpawnRequest {
  command: LaunchCommand;
  logFile: string;
  cwd: string;
  /** Omitted when Coffer is not root: the engine then runs as Coffer's own user. */
  runAs?: RunAs;
  /** Called right after the process exists, before it is recorded (puts it in its cgroup). */
  place(pid: number): Promise<void>;
}

/**
 * Starts a program detached: its own session and process group (setsid), stdio to the log file,
 * no handle kept by Node (`unref`), so it outlives Coffer. Resolves once the program is running.
 */
export async function spawnDetached(request: SpawnRequest): Promise<{ pid: number; startTime?: number }> {
  await mkdir(dirname(request.logFile), { recursive: true });
  const log = await open(request.logFile, "a", 0o640);
  try {
    const child = spawn(request.command.file, [...request.command.args], {
      detached: true,
      stdio: ["ignore", log.fd, log.fd],
      cwd: request.cwd,
      // Coffer's own environment (which may hold secrets) is not passed on.
      env: { PATH: HOST_PATH, ...request.command.env },
      ...(request.runAs ? { uid: request.runAs.uid, gid: request.runAs.gid } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (err) =>
        reject(
          new UpstreamError(
            "PROCESS_SPAWN_FAILED",
            `could not start ${request.command.file}: ${err.message}`,
            {
              cause: err,
            },
          ),
        ),
      );
    });
    child.unref();
    const pid = child.pid!;
    // A short program may already have ended (and been reaped by Node): then there is nothing to
    // place or recognise later, and `startTime` stays undefined.
    const ended = () => child.exitCode !== null || child.signalCode !== null;
    try {
      await request.place(pid);
    } catch (err) {
      if (ended()) return { pid };
      signal(-pid, "SIGKILL"); // never leave a process running that nothing records
      throw err;
    }
    const stat = await readProcStat(pid);
    return ended() || !stat ? { pid } : { pid, startTime: stat.startTime };
  } finally {
    await log.close();
  }
}

export async function writePidRecord(path: string, record: PidRecord): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(record) + "\n");
}

export async function readPidRecord(path: string): Promise<PidRecord | undefined> {
  return readJson<PidRecord>(path);
}

export async function removePidRecord(path: string): Promise<void> {
  await unlink(path).catch((err: unknown) => {
    if (!isMissing(err)) throw err;
  });
}

/**
 * Whether the recorded process still runs: same boot, a process with that pid started at the
 * recorded tick (a reused pid starts later), and not a zombie waiting to be reaped.
 */
export async function isAlive(record: PidRecord): Promise<boolean> {
  if (record.bootId !== (await readBootId())) return false;
  const stat = await readProcStat(record.pid);
  if (!stat || stat.startTime !== record.startTime) return false;
  return stat.state !== "Z" && stat.state !== "X";
}

/** Sends a signal, ignoring a process that is already gone. */
export function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** Pids of the direct children of `pid` (those forked before we could move it into its cgroup). */
export async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "");
  return text.split(/\s+/).filter(Boolean).map(Number);
}
