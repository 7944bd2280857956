/**
 * Density and idle cost: `count` instances of the smallest flavor (c1.nano, 1 GB sparse volumes)
 * on this host, all idle. Reports Coffer's own CPU (percent of one core over a minute) and memory,
 * the engines' CPU over the same minute (the floor: what the databases themselves cost idle), and
 * the host memory each instance costs.
 */
import { readdir, readFile } from "node:fs/promises";
import { HEARTBEAT_SECONDS, type BenchServer } from "./lib/server.js";
import type { InstanceView } from "../test/support/api.js";
import { fillProject } from "./api-throughput.js";

export interface DensityResult {
  instances: number;
  manager: string;
  createSeconds: number;
  measureSeconds: number;
  coffer: { cpuPercentOfOneCore: number; rssMb: number };
  /** The floor: the engines' own idle CPU over the same minute (every process in their cgroups). */
  engines: { cpuPercentOfOneCore: number; memoryPerInstanceMb: number | null };
  hostMemoryPerInstanceMb: number;
  heartbeatIntervalSeconds: number;
}

const TICK = 100; // USER_HZ

/** utime + stime, plus the reaped children's (a PostgreSQL postmaster reaps its backends). */
async function cpuTicks(pid: number, withChildren = false): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  if (!stat) return 0;
  const f = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  return f[11]! + f[12]! + (withChildren ? f[13]! + f[14]! : 0);
}

/** The CPU ticks of every process in the instances' cgroups (the engines). */
async function engineTicks(parent: string): Promise<number> {
  const root = `/sys/fs/cgroup/cpu/${parent}`;
  let total = 0;
  for (const entry of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory()) continue;
    const procs = await readFile(`${root}/${entry.name}/cgroup.procs`, "utf8").catch(() => "");
    for (const pid of procs.split("\n").filter(Boolean)) total += await cpuTicks(Number(pid), true);
  }
  return total;
}
async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}
async function memAvailableMb(): Promise<number> {
  const info = await readFile("/proc/meminfo", "utf8");
  return Number(/MemAvailable:\s+(\d+)/.exec(info)?.[1] ?? 0) / 1024;
}
const cgroupFile = (controller: string, parent: string, file: string) =>
  readFile(`/sys/fs/cgroup/${controller}/${parent}/${file}`, "utf8").then(Number, () => NaN);

async function countActive(bench: BenchServer): Promise<number> {
  let n = 0;
  let marker = "";
  for (;;) {
    const page = await bench.api.trove<{ instances: InstanceView[] }>(
      "GET",
      `/instances?limit=20${marker ? `&marker=${marker}` : ""}`,
    );
    n += page.body.instances.filter((i) => i.status === "ACTIVE").length;
    if (page.body.instances.length < 20) return n;
    marker = page.body.instances
      .map((i) => i.id)
      .sort()
      .at(-1)!;
  }
}

export async function benchDensity(
  bench: BenchServer,
  o: { count: number; manager?: string; measureSeconds?: number; log: (l: string) => void },
): Promise<DensityResult> {
  const manager = o.manager ?? "postgresql";
  const measureSeconds = o.measureSeconds ?? 60;
  const before = await memAvailableMb();
  const existing = await countActive(bench);
  const began = performance.now();
  await fillProject(bench, manager, o.count - existing, 4, o.log);
  const createSeconds = Math.round((performance.now() - began) / 100) / 10;
  const active = await countActive(bench);
  o.log(`  ${active} instances ACTIVE; letting them settle for 20 s`);
  await new Promise((r) => setTimeout(r, 20_000));
  const pid = bench.pid();
  const parent = bench.server.cgroupParent;
  const t0 = await cpuTicks(pid);
  const e0 = await engineTicks(parent);
  await new Promise((r) => setTimeout(r, measureSeconds * 1000));
  const t1 = await cpuTicks(pid);
  const e1 = await engineTicks(parent);
  const after = await memAvailableMb();
  const engineMem = await cgroupFile("memory", parent, "memory.usage_in_bytes");
  const result: DensityResult = {
    instances: active,
    manager,
    createSeconds,
    measureSeconds,
    coffer: {
      cpuPercentOfOneCore: Math.round(((t1 - t0) / TICK / measureSeconds) * 1000) / 10,
      rssMb: await rssMb(pid),
    },
    engines: {
      cpuPercentOfOneCore: Math.round(((e1 - e0) / TICK / measureSeconds) * 1000) / 10,
      memoryPerInstanceMb: Number.isNaN(engineMem)
        ? null
        : Math.round((engineMem / 2 ** 20 / active) * 10) / 10,
    },
    hostMemoryPerInstanceMb: Math.round(((before - after) / active) * 10) / 10,
    heartbeatIntervalSeconds: HEARTBEAT_SECONDS,
  };
  o.log(`  Coffer: ${result.coffer.cpuPercentOfOneCore} % of one core, ${result.coffer.rssMb} MB RSS`);
  return result;
}
