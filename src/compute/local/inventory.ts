import { readdir, readlink } from "node:fs/promises";
import { join, sep } from "node:path";
import { noHoldings, type InstanceHoldings } from "../types.js";
import type { AddressPool } from "./addresses.js";
import type { InstanceCgroups } from "./cgroups.js";
import { hostCommand } from "./commands.js";
import { listLoopDevices, readMounts } from "./mounts.js";
import { isAlive, readPidRecord } from "./processes.js";
import { tableOf } from "./public.js";
import { readPlacement, type Layout } from "./records.js";

/**
 * What this host really holds, looked for where each kind of thing lives — not read from the
 * placements, which say what the host *should* hold: instance directories, address leases,
 * public address leases, cgroups under the parent, mounts and loop devices under the instances'
 * directories, processes whose working directory is an instance's (every engine's is its volume),
 * and the instances' nftables tables. `coffer-manage audit` compares it with the store.
 */
export async function takeInventory(
  layout: Layout,
  addresses: AddressPool,
  cgroups: InstanceCgroups,
  publicLeases: AddressPool | undefined,
): Promise<Map<string, InstanceHoldings>> {
  const out = new Map<string, InstanceHoldings>();
  const of = (id: string): InstanceHoldings => {
    let h = out.get(id);
    if (!h) {
      h = noHoldings();
      out.set(id, h);
    }
    return h;
  };
  const underInstances = (path: string): string | undefined => {
    const prefix = layout.instancesDir + sep;
    if (!path.startsWith(prefix)) return undefined;
    return path.slice(prefix.length).split(sep)[0] || undefined;
  };

  for (const id of await readdir(layout.instancesDir).catch(() => [] as string[])) {
    const h = of(id);
    h.instanceDir = true;
    const placement = await readPlacement(layout, id).catch(() => undefined);
    h.placement = placement !== undefined;
    const record = await readPidRecord(layout.pidFile(id)).catch(() => undefined);
    if (record && (await isAlive(record))) h.processes.push(record.pid);
  }
  for (const [address, id] of await addresses.leases()) {
    if (id) of(id).address = address;
  }
  for (const [address, id] of (await publicLeases?.leases()) ?? []) {
    if (id) of(id).publicAddress = address;
  }
  for (const root of cgroups.parentDirs()) {
    for (const id of await readdir(root, { withFileTypes: true }).catch(() => [])) {
      if (id.isDirectory()) of(id.name).cgroups.push(join(root, id.name));
    }
  }
  for (const [id, h] of out) {
    for (const pid of h.cgroups.length > 0 ? await cgroups.members(id) : []) {
      if (!h.processes.includes(pid)) h.processes.push(pid);
    }
  }
  for (const m of await readMounts()) {
    const id = underInstances(m.mountPoint);
    if (id) of(id).mountedAt = m.mountPoint;
  }
  for (const d of await listLoopDevices()) {
    const id = underInstances(d.backFile.replace(/ \(deleted\)$/, ""));
    if (id) of(id).loopDevices.push(d.name);
  }
  for (const { pid, cwd } of await processWorkingDirs()) {
    const id = underInstances(cwd);
    if (id && !of(id).processes.includes(pid)) of(id).processes.push(pid);
  }
  if (publicLeases) {
    const tables = await nftTables();
    for (const [id, h] of out) h.firewall = tables.has(tableOf(id));
  }
  return out;
}

/** Every process's working directory (an engine's is on its volume, so this finds engines no pid file names). */
async function processWorkingDirs(): Promise<{ pid: number; cwd: string }[]> {
  const out: { pid: number; cwd: string }[] = [];
  for (const name of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const cwd = await readlink(`/proc/${name}/cwd`).catch(() => undefined);
    if (cwd) out.push({ pid: Number(name), cwd });
  }
  return out;
}

async function nftTables(): Promise<Set<string>> {
  const listed = await hostCommand("nft", ["list", "tables", "ip"], 10_000).catch(() => undefined);
  const names = (listed?.stdout ?? "").split("\n").map((l) => /^table ip (\S+)/.exec(l.trim())?.[1]);
  return new Set(names.filter((n): n is string => n !== undefined));
}
