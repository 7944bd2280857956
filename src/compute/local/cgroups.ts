import { mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidStateError } from "../../domain/index.js";
import { sleep } from "../../lib/index.js";
import type { CgroupVersion } from "../types.js";
import { readMounts } from "./mounts.js";
import { isMissing } from "./proc.js";

export const CONTROLLERS = ["memory", "cpu", "pids"] as const;
export type Controller = (typeof CONTROLLERS)[number];

/** Where each controller we use is mounted, and in which cgroup version; absent: not available. */
export type CgroupHierarchies = Partial<Record<Controller, { version: CgroupVersion; root: string }>>;

export interface Limits {
  ramMb: number;
  vcpus: number;
  pidsMax: number;
}

const CPU_PERIOD_US = 100_000;

/**
 * The flavor's RAM plus a quarter (at least 64 MiB). Engines size their caches from ramMb; the
 * headroom absorbs per-connection memory so the kernel does not kill an engine at its nominal size.
 */
export function memoryLimitBytes(ramMb: number): number {
  return Math.round(ramMb + Math.max(64, ramMb / 4)) * 1024 * 1024;
}

/** The differences between cgroup v1 and v2 as data: which file holds which limit, in what format. */
const LIMIT_FILES: Record<CgroupVersion, Record<Controller, (l: Limits) => Array<[string, string]>>> = {
  v1: {
    memory: (l) => [["memory.limit_in_bytes", String(memoryLimitBytes(l.ramMb))]],
    cpu: (l) => [
      ["cpu.cfs_period_us", String(CPU_PERIOD_US)],
      ["cpu.cfs_quota_us", String(Math.round(l.vcpus * CPU_PERIOD_US))],
    ],
    pids: (l) => [["pids.max", String(l.pidsMax)]],
  },
  v2: {
    memory: (l) => [["memory.max", String(memoryLimitBytes(l.ramMb))]],
    cpu: (l) => [["cpu.max", `${Math.round(l.vcpus * CPU_PERIOD_US)} ${CPU_PERIOD_US}`]],
    pids: (l) => [["pids.max", String(l.pidsMax)]],
  },
};

/** Finds the controllers: a v1 hierarchy mounted for it wins; else the v2 tree if it offers it. */
export async function findHierarchies(): Promise<CgroupHierarchies> {
  const found: CgroupHierarchies = {};
  const mounts = await readMounts();
  for (const m of mounts.filter((m) => m.fsType === "cgroup")) {
    const options = m.superOptions.split(",");
    for (const c of CONTROLLERS)
      if (options.includes(c) && !found[c]) found[c] = { version: "v1", root: m.mountPoint };
  }
  const unified = mounts.find((m) => m.fsType === "cgroup2");
  if (unified) {
    const offered = await readFile(join(unified.mountPoint, "cgroup.controllers"), "utf8").catch(() => "");
    for (const c of CONTROLLERS) {
      if (!found[c] && offered.split(/\s+/).includes(c))
        found[c] = { version: "v2", root: unified.mountPoint };
    }
  }
  return found;
}

/**
 * Creates the parent group (e.g. `coffer`) in each hierarchy and keeps the controllers for which
 * that works (a read-only /sys/fs/cgroup in a container fails here). In v2 the controllers must
 * also be enabled for the children of every level from the root down to the parent.
 */
export async function prepareParent(found: CgroupHierarchies, parent: string): Promise<CgroupHierarchies> {
  const usable: CgroupHierarchies = {};
  for (const c of CONTROLLERS) {
    const h = found[c];
    if (!h) continue;
    try {
      await mkdir(join(h.root, parent), { recursive: true });
      if (h.version === "v2") {
        let dir = h.root;
        for (const part of ["", ...parent.split("/")]) {
          dir = join(dir, part);
          await writeFile(join(dir, "cgroup.subtree_control"), `+${c}`);
        }
      }
      usable[c] = h;
    } catch {
      // not usable: reported by the probe as not enforced
    }
  }
  return usable;
}

/** One instance's cgroups: `<root>/<parent>/<instanceId>` in each usable hierarchy. */
export class InstanceCgroups {
  constructor(
    private readonly hierarchies: CgroupHierarchies,
    private readonly parent: string,
  ) {}

  /** The parent group in each hierarchy: every instance's group is a directory in one of these. */
  parentDirs(): string[] {
    return [...new Set(Object.values(this.hierarchies).map((h) => join(h.root, this.parent)))];
  }

  /** Distinct directories (in v2 one directory carries several controllers). */
  dirs(id: string): string[] {
    const set = new Set<string>();
    for (const c of CONTROLLERS) {
      const h = this.hierarchies[c];
      if (h) set.add(join(h.root, this.parent, id));
    }
    return [...set];
  }

  /** Creates the groups if needed and writes the limits; idempotent. */
  async apply(id: string, limits: Limits): Promise<void> {
    for (const c of CONTROLLERS) {
      const h = this.hierarchies[c];
      if (!h) continue;
      const dir = join(h.root, this.parent, id);
      await mkdir(dir, { recursive: true });
      for (const [file, value] of LIMIT_FILES[h.version][c](limits)) {
        try {
          await writeFile(join(dir, file), value);
        } catch (err) {
          // EBUSY: the memory in use cannot be reclaimed below the new limit.
          throw new InvalidStateError("LIMIT_NOT_APPLICABLE", `cannot set ${file} to ${value} for ${id}`, {
            cause: err,
            details: { file, value },
          });
        }
      }
    }
  }

  /** Moves a process (all its threads) into the instance's groups. */
  async join(id: string, pid: number): Promise<void> {
    for (const dir of this.dirs(id)) await writeFile(join(dir, "cgroup.procs"), String(pid));
  }

  /** Every process in the instance's groups. */
  async members(id: string): Promise<number[]> {
    const pids = new Set<number>();
    for (const dir of this.dirs(id)) {
      const text = await readFile(join(dir, "cgroup.procs"), "utf8").catch(() => "");
      for (const line of text.split("\n")) if (line.trim()) pids.add(Number(line));
    }
    return [...pids];
  }

  /** Removes the groups; they must hold no process (retries while the kernel finishes exits). */
  async remove(id: string): Promise<void> {
    for (const dir of this.dirs(id)) {
      for (let attempt = 0; ; attempt++) {
        try {
          await rmdir(dir);
          break;
        } catch (err) {
          if (isMissing(err)) break;
          if (attempt >= 40) throw err;
          await sleep(50);
        }
      }
    }
  }
}
