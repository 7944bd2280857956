import { access, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { noHoldings, type ComputeProvider, type InstanceHoldings } from "../compute/index.js";
import { readGuestState, removeGuestState } from "./guest-state.js";
import { GuestPaths } from "./paths.js";
import { PoolRecords } from "./pool-records.js";

/**
 * What a compute host holds for each instance id — the provider's part (engine processes,
 * volume, loop device, mount, address, cgroup, public address, firewall table) and the host
 * agent's (guest state, run, log and WAL directories, warm-pool membership) — and the one way to
 * take all of it away. `coffer-manage audit` (src/server/audit.ts) compares it with the store.
 */

export interface HostHoldings extends InstanceHoldings {
  /** The guest state: whether the engine is prepared and should run. */
  guest?: { prepared: boolean; desired: "running" | "stopped" };
  /** Which of the host agent's directories exist for it: run, logs, wal. */
  agentDirs: string[];
  /** A warm-pool member: it has no instance row, and that is right. */
  poolMember: boolean;
}

export async function hostHoldings(
  provider: ComputeProvider,
  agentRoot: string,
): Promise<Map<string, HostHoldings>> {
  const paths = new GuestPaths(agentRoot);
  const out = new Map<string, HostHoldings>();
  for (const [id, h] of await provider.inventory()) out.set(id, { ...h, agentDirs: [], poolMember: false });
  const of = (id: string) => {
    let h = out.get(id);
    if (!h) {
      h = { ...noHoldings(), agentDirs: [], poolMember: false };
      out.set(id, h);
    }
    return h;
  };
  for (const name of await readdir(paths.guestsDir).catch(() => [] as string[])) {
    if (!name.endsWith(".json")) continue;
    const id = name.slice(0, -5);
    const state = await readGuestState(paths.stateFile(id)).catch(() => undefined);
    of(id).guest = state
      ? { prepared: state.prepared, desired: state.desired }
      : { prepared: false, desired: "stopped" };
  }
  for (const root of [paths.logsRoot, paths.walRoot, paths.runRoot]) {
    for (const id of await readdir(root).catch(() => [] as string[])) if (!id.startsWith("h-")) of(id);
  }
  for (const member of await new PoolRecords(join(paths.root, "pool")).all().catch(() => [])) {
    of(member.id).poolMember = true;
  }
  for (const [id, h] of out) {
    for (const [what, dir] of [
      ["run", paths.runDir(id)],
      ["logs", paths.logDir(id)],
      ["wal", paths.walDir(id)],
    ] as const) {
      if (await exists(dir)) h.agentDirs.push(what);
    }
  }
  return out;
}

/**
 * Takes away everything the host holds for `id`, as the host agent's destroy does, for an
 * instance no host agent serves (an orphan): engine processes first — also one that no pid file or
 * cgroup names — then the provider's part, then the guest state and the agent's directories.
 */
export async function removeFromHost(
  provider: ComputeProvider,
  agentRoot: string,
  id: string,
  holdings?: HostHoldings,
): Promise<void> {
  const paths = new GuestPaths(agentRoot);
  for (const pid of holdings?.processes ?? []) {
    try {
      process.kill(pid, "SIGKILL");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  }
  await provider.destroy(id);
  await removeGuestState(paths.stateFile(id));
  await rm(paths.runDir(id), { recursive: true, force: true });
  await rm(paths.logDir(id), { recursive: true, force: true });
  await rm(paths.walDir(id), { recursive: true, force: true });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
