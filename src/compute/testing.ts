/**
 * Test helpers for code that uses the local compute provider: a last-resort cleanup that leaves no
 * process, mount, loop device, cgroup, public address, firewall table or file behind, whatever
 * state a failed test left; and a second "host" to reach public addresses from.
 */
import { randomBytes, randomInt } from "node:crypto";
import { readdir, readFile, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { run, sleep, type RunOptions, type RunResult } from "../lib/index.js";
import { findHierarchies } from "./local/cgroups.js";
import { hostCommand } from "./local/commands.js";
import { listLoopDevices, loopDevicesUnder, mountsUnder } from "./local/mounts.js";
import { isAlive, readPidRecord, signal } from "./local/processes.js";
import { tableOf } from "./local/public.js";
import { Layout } from "./local/records.js";

export async function cleanupLocalRoot(rootDir: string, cgroupParent?: string): Promise<void> {
  const layout = new Layout(rootDir);
  const ids = await readdir(layout.instancesDir).catch(() => [] as string[]);
  for (const id of ids) {
    const record = await readPidRecord(layout.pidFile(id)).catch(() => undefined);
    if (record && (await isAlive(record))) signal(-record.pid, "SIGKILL");
  }
  await removePublicAddresses(rootDir, ids);
  if (cgroupParent) await removeCgroupTree(cgroupParent);
  for (const point of await mountsUnder(rootDir)) {
    await hostCommand("umount", [point]).catch(() => hostCommand("umount", ["--lazy", point]));
  }
  for (const device of await loopDevicesUnder(rootDir)) {
    await hostCommand("losetup", ["--detach", device]).catch(() => {});
  }
  await rm(rootDir, { recursive: true, force: true });
}

/**
 * What a local compute root holds, as the instance ids each kind of thing belongs to: placements
 * (instance directories), address leases, running engines, mounted volumes, loop devices and
 * cgroups. Spare volumes (made ahead of creates, belonging to no instance) are not counted. For
 * tests that hold a host against what the store says it should hold.
 */
export interface HostHoldings {
  instances: string[];
  addresses: string[];
  engines: string[];
  mounts: string[];
  loopDevices: string[];
  cgroups: string[];
  /** Whether the host has the cgroup parent at all (a host without cgroups holds none). */
  cgroupsEnforced: boolean;
}

export async function hostHoldings(rootDir: string, cgroupParent: string): Promise<HostHoldings> {
  const layout = new Layout(rootDir);
  const under = layout.instancesDir + "/";
  const idIn = (path: string): string | undefined =>
    path.startsWith(under) ? path.slice(under.length).split("/")[0] : undefined;
  const ids = (values: (string | undefined)[]): string[] =>
    [...new Set(values.filter((v): v is string => Boolean(v)))].sort();

  const instances = await readdir(layout.instancesDir).catch(() => [] as string[]);
  const leases = await readdir(layout.addressesDir).catch(() => [] as string[]);
  const owners = await Promise.all(
    leases.map((a) =>
      readFile(join(layout.addressesDir, a), "utf8").then(
        (o) => o.trim(),
        () => "",
      ),
    ),
  );
  const engines = await Promise.all(
    instances.map(async (id) => {
      const record = await readPidRecord(layout.pidFile(id)).catch(() => undefined);
      return record && (await isAlive(record)) ? id : undefined;
    }),
  );
  const mounts = (await mountsUnder(layout.instancesDir)).map(idIn);
  const loops = (await listLoopDevices()).map((d) => idIn(d.backFile));
  const cgroups: string[] = [];
  let cgroupsEnforced = false;
  for (const h of Object.values(await findHierarchies())) {
    const children = await readdir(join(h.root, cgroupParent), { withFileTypes: true }).catch(
      () => undefined,
    );
    if (!children) continue;
    cgroupsEnforced = true;
    cgroups.push(...children.filter((c) => c.isDirectory()).map((c) => c.name));
  }
  return {
    instances: ids(instances),
    addresses: ids(owners),
    engines: ids(engines),
    mounts: ids(mounts),
    loopDevices: ids(loops),
    cgroups: ids(cgroups),
    cgroupsEnforced,
  };
}

/** Kills every process in `<hierarchy>/<parent>/*` and removes those groups and the parent. */
async function removeCgroupTree(parent: string): Promise<void> {
  for (const h of Object.values(await findHierarchies())) {
    const top = join(h.root, parent);
    const children = await readdir(top, { withFileTypes: true }).catch(() => []);
    const dirs = children.filter((c) => c.isDirectory()).map((c) => join(top, c.name));
    for (const dir of [...dirs, top]) {
      for (let attempt = 0; attempt < 40; attempt++) {
        const procs = await readFile(join(dir, "cgroup.procs"), "utf8").catch(() => "");
        for (const pid of procs.split("\n").filter(Boolean)) signal(Number(pid), "SIGKILL");
        if (
          await rmdir(dir).then(
            () => true,
            (err: NodeJS.ErrnoException) => err.code === "ENOENT",
          )
        )
          break;
        await sleep(50);
      }
    }
  }
}

/** The public addresses leased under rootDir, off whatever interface holds them, and every instance's filter. */
async function removePublicAddresses(rootDir: string, ids: string[]): Promise<void> {
  const leases = join(rootDir, "public-addresses");
  const leased = await readdir(leases).catch(() => [] as string[]);
  for (const address of leased) {
    const owner = await readFile(join(leases, address), "utf8").catch(() => "");
    ids.push(owner.trim());
    const held = await run("ip", ["-4", "-o", "addr", "show", "to", `${address}/32`]).catch(() => undefined);
    for (const device of (held?.stdout ?? "").split("\n").map((l) => l.split(/\s+/)[1])) {
      if (device)
        await run("ip", ["-4", "addr", "del", `${address}/32`, "dev", device]).catch(() => undefined);
    }
  }
  for (const id of new Set(ids.filter(Boolean))) {
    const table = tableOf(id);
    await run("nft", ["-f", "-"], { input: `table ip ${table}\ndelete table ip ${table}\n` }).catch(() => {});
  }
}

/**
 * A second host for tests of public addresses: a network namespace joined to this one by a veth
 * pair, on a random /24 of 198.19.0.0/16 (RFC 2544's benchmarking range, never routed anywhere).
 * `hostInterface` (this side, `hostAddress`) is where Coffer puts public addresses, from
 * `publicPool`; programs run with `run` connect from `clientAddress`, as a machine on the network.
 */
export interface TestNetwork {
  namespace: string;
  hostInterface: string;
  hostAddress: string;
  clientAddress: string;
  publicPool: string;
  /** Runs a program inside the namespace (argument array, never a shell). */
  run(file: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  close(): Promise<void>;
}

export async function startTestNetwork(): Promise<TestNetwork> {
  const tag = randomBytes(4).toString("hex");
  const namespace = `coffer-test-${tag}`;
  const hostInterface = `cfh${tag}`;
  const clientInterface = `cfc${tag}`;
  const inUse = (await run("ip", ["-4", "-o", "addr", "show"])).stdout;
  let net = "";
  do net = `198.19.${randomInt(0, 256)}`;
  while (inUse.includes(` ${net}.`));
  const must = async (args: string[]) => {
    const r = await run("ip", args);
    if (r.code !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr.trim()}`);
  };
  const inside = (args: string[]) => must(["netns", "exec", namespace, "ip", ...args]);
  const close = async () => {
    await run("ip", ["netns", "del", namespace]); // takes the veth pair with it
    await run("ip", ["link", "del", hostInterface]);
  };
  try {
    await must(["netns", "add", namespace]);
    await must(["link", "add", hostInterface, "type", "veth", "peer", "name", clientInterface]);
    await must(["link", "set", clientInterface, "netns", namespace]);
    await must(["addr", "add", `${net}.1/24`, "dev", hostInterface]);
    await must(["link", "set", hostInterface, "up"]);
    await inside(["addr", "add", `${net}.2/24`, "dev", clientInterface]);
    await inside(["link", "set", clientInterface, "up"]);
    await inside(["link", "set", "lo", "up"]);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    namespace,
    hostInterface,
    hostAddress: `${net}.1`,
    clientAddress: `${net}.2`,
    publicPool: `${net}.16/28`,
    run: (file, args, options) => run("ip", ["netns", "exec", namespace, file, ...args], options),
    close,
  };
}
