import { readFile, stat } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { run } from "../../lib/index.js";

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string;
}

/** Undoes mountinfo's octal escapes (`\040` is a space). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/self/mountinfo (see proc(5)): field 5 is the mount point; after " - " come type, source, options. */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const [left, right] = line.split(" - ");
    const fields = (left ?? "").split(" ");
    const tail = (right ?? "").split(" ");
    const mountPoint = fields[4];
    if (mountPoint === undefined) continue;
    entries.push({
      mountPoint: unescape(mountPoint),
      fsType: tail[0] ?? "",
      source: unescape(tail[1] ?? ""),
      superOptions: tail[2] ?? "",
    });
  }
  return entries;
}

export async function readMounts(): Promise<MountEntry[]> {
  return parseMountInfo(await readFile("/proc/self/mountinfo", "utf8"));
}

/** What is mounted at `path` (the topmost mount there), or undefined. */
export async function mountAt(path: string): Promise<MountEntry | undefined> {
  const target = resolve(path);
  return (await readMounts()).filter((m) => m.mountPoint === target).pop();
}

/**
 * Whether a filesystem is mounted at `path`: it lies on another device than its parent (true of
 * every loop volume). Two stat calls, where reading the mount table grows with every instance's
 * volume — and heartbeats ask this of every instance.
 */
export async function isMountPoint(path: string): Promise<boolean> {
  const target = resolve(path);
  try {
    const [self, parent] = await Promise.all([stat(target), stat(dirname(target))]);
    return self.dev !== parent.dev || self.ino === parent.ino;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const root = resolve(dir);
  const points = (await readMounts())
    .map((m) => m.mountPoint)
    .filter((p) => p === root || p.startsWith(root + sep));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

interface LoopDevice {
  name: string;
  /** The backing file; losetup appends " (deleted)" once it is unlinked. */
  backFile: string;
}

export async function listLoopDevices(): Promise<LoopDevice[]> {
  const result = await run("losetup", ["--list", "--json", "--output", "NAME,BACK-FILE"]);
  if (result.code !== 0 || !result.stdout.trim()) return [];
  const parsed = JSON.parse(result.stdout) as { loopdevices?: Array<{ name: string; "back-file"?: string }> };
  return (parsed.loopdevices ?? []).map((d) => ({ name: d.name, backFile: d["back-file"] ?? "" }));
}

/** The loop devices backed by `file`, e.g. ["/dev/loop3"]. */
export async function loopDevicesFor(file: string): Promise<string[]> {
  const target = resolve(file);
  return (await listLoopDevices())
    .filter((d) => d.backFile === target || d.backFile === `${target} (deleted)`)
    .map((d) => d.name);
}

/** Loop devices whose backing file lies below `dir` (for cleaning up after a crash). */
export async function loopDevicesUnder(dir: string): Promise<string[]> {
  const root = resolve(dir) + sep;
  return (await listLoopDevices()).filter((d) => d.backFile.startsWith(root)).map((d) => d.name);
}
