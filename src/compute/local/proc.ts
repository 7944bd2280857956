import { readFile } from "node:fs/promises";

/** The fields of /proc/<pid>/stat we use to recognise a process. */
export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie), X (dead), … */
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks after boot: with the pid, unique for the life of a boot (a reused pid starts later). */
  startTime: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(")");
  const pid = Number(text.slice(0, text.indexOf("(")).trim());
  const rest = text
    .slice(close + 2)
    .trim()
    .split(" ");
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const state = rest[0] ?? "";
  const ppid = Number(rest[1]);
  const pgrp = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (close < 0 || !Number.isInteger(pid) || !Number.isInteger(startTime)) {
    throw new Error(`unexpected /proc/<pid>/stat format: ${text.slice(0, 80)}`);
  }
  return { pid, state, ppid, pgrp, startTime };
}

/** The stat of a live process, or undefined when there is none with that pid. */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, "utf8"));
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

let bootId: Promise<string> | undefined;

/**
 * Changes at each boot; a pid file from an earlier boot names no living process. Read once per
 * process (it cannot change while this process lives), since every heartbeat asks for it.
 */
export function readBootId(): Promise<string> {
  bootId ??= readFile("/proc/sys/kernel/random/boot_id", "utf8").then((id) => id.trim());
  bootId.catch(() => (bootId = undefined));
  return bootId;
}

/** The real uid of a process (first field of `Uid:` in /proc/<pid>/status). */
export async function readProcUid(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const line = status.split("\n").find((l) => l.startsWith("Uid:"));
    return line ? Number(line.split(/\s+/)[1]) : undefined;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

const CAP_SYS_RESOURCE = 24;

/** Whether this process holds CAP_SYS_RESOURCE, which ext4's online resize requires. */
export async function hasCapSysResource(): Promise<boolean> {
  const status = await readFile("/proc/self/status", "utf8");
  const line = status.split("\n").find((l) => l.startsWith("CapEff:"));
  if (!line) return false;
  const mask = BigInt("0x" + (line.split(/\s+/)[1] ?? "0"));
  return (mask & (1n << BigInt(CAP_SYS_RESOURCE))) !== 0n;
}

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ESRCH";
}
