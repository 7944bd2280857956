import { join } from "node:path";
import type { Config } from "../config/index.js";
import { systemClock } from "../domain/index.js";
import { createLocalProvider, type ComputeProvider } from "../compute/index.js";
import { hostHoldings, removeFromHost, type HostHoldings } from "../guestagent/index.js";
import type { Logger } from "../lib/index.js";
import type { Instance, Store } from "../store/index.js";

/**
 * `coffer-manage audit`: does this compute host hold exactly what the infrastructure database
 * says? Every live instance placed here must have all its parts — placement, volume (image,
 * loop device, mount), cgroup, its address, its public address and firewall table when public,
 * its guest state, and a running engine unless stopped on purpose — and nothing may be held for an
 * id that is not a live instance here (or a warm-pool member): no orphan engine process, volume,
 * loop device, mount, address, cgroup, WAL/run/log directory or firewall table. Instances with a
 * task in flight are left out (their parts come and go by design). `repair` takes orphans away,
 * re-establishes what a live instance lost and can be given back (mount, cgroup, public address),
 * and marks an instance whose parts are gone ERROR with a fault saying so.
 */

export type DriftKind = "orphan" | "missing" | "incomplete" | "engine_down" | "stuck";

export interface Drift {
  instanceId: string;
  kind: DriftKind;
  /** The parts at fault: for an orphan what is left, for the others what is lacking. */
  parts: string[];
  /** What `repair` did, or why it did nothing. */
  repair?: string;
}

export interface AuditReport {
  host: string;
  /** Live instances the store places on this host (with no task in flight). */
  checked: number;
  /** Instances skipped because a task is running for them. */
  busy: string[];
  poolMembers: number;
  drift: Drift[];
}

export interface AuditOptions {
  store: Store;
  config: Config;
  logger: Logger;
  repair?: boolean;
  /** Tests pass the server's own; by default one is made from the config, as the server does. */
  provider?: ComputeProvider;
}

export async function auditHost(options: AuditOptions): Promise<AuditReport> {
  const { store, config, logger } = options;
  const provider = options.provider ?? providerFor(config, logger);
  const agentRoot = join(config.computeDir, "agent");
  const capabilities = await provider.probe();
  const held = await hostHoldings(provider, agentRoot);
  const placements = new Map((await provider.list()).map((p) => [p.instanceId, p]));
  const rows = new Map((await store.instances.list({ includeDeleted: true })).map((r) => [r.id, r]));
  const active = new Set(
    [...(await store.tasks.list({ state: "pending" })), ...(await store.tasks.list({ state: "running" }))]
      .map((t) => t.instanceId)
      .filter((id): id is string => id !== null),
  );
  const report: AuditReport = { host: config.hostName, checked: 0, busy: [], poolMembers: 0, drift: [] };
  const limited = Object.values(capabilities.limits).some((v) => v !== null);
  const here = (r: Instance | undefined) =>
    r !== undefined && r.deletedAt === null && r.host === config.hostName;

  const ids = new Set([...held.keys(), ...[...rows.values()].filter(here).map((r) => r.id)]);
  for (const id of [...ids].sort()) {
    const row = rows.get(id);
    const h = held.get(id);
    if (active.has(id)) {
      report.busy.push(id);
      continue;
    }
    if (h?.poolMember && row === undefined) {
      report.poolMembers++;
      continue;
    }
    if (!here(row)) {
      const parts = h ? partsHeld(h) : [];
      if (parts.length > 0) report.drift.push({ instanceId: id, kind: "orphan", parts });
      continue;
    }
    report.checked++;
    const loop = placements.get(id)?.volumeKind === "loop";
    const lacking = h ? partsLacking(row!, h, { limited, loop }) : ["everything"];
    if (!h?.placement) report.drift.push({ instanceId: id, kind: "missing", parts: lacking });
    else if (lacking.length > 0) report.drift.push({ instanceId: id, kind: "incomplete", parts: lacking });
    else if (h.guest?.prepared && h.guest.desired === "running" && h.processes.length === 0) {
      report.drift.push({ instanceId: id, kind: "engine_down", parts: ["engine process"] });
    }
  }
  // A BUILD no task will ever finish (every create ends ACTIVE or ERROR).
  for (const row of rows.values()) {
    if (row.deletedAt === null && !active.has(row.id) && row.serverStatus === "BUILD" && row.host === null) {
      report.drift.push({ instanceId: row.id, kind: "stuck", parts: ["no task will finish its build"] });
    }
  }
  if (options.repair) {
    for (const d of report.drift) d.repair = await repairOne(d, { provider, agentRoot, store, held, rows });
  }
  return report;
}

function partsHeld(h: HostHoldings): string[] {
  const parts: string[] = [];
  if (h.processes.length > 0) parts.push(`engine process ${h.processes.join(",")}`);
  if (h.mountedAt) parts.push(`mount ${h.mountedAt}`);
  for (const d of h.loopDevices) parts.push(`loop device ${d}`);
  if (h.instanceDir) parts.push(h.placement ? "volume and placement" : "instance directory");
  if (h.address) parts.push(`address ${h.address}`);
  if (h.publicAddress) parts.push(`public address ${h.publicAddress}`);
  if (h.firewall) parts.push("firewall table");
  for (const c of h.cgroups) parts.push(`cgroup ${c}`);
  if (h.guest) parts.push("guest state");
  for (const d of h.agentDirs) parts.push(`${d} directory`);
  return parts;
}

function partsLacking(row: Instance, h: HostHoldings, host: { limited: boolean; loop: boolean }): string[] {
  const { limited, loop } = host;
  const lacking: string[] = [];
  if (!h.placement) lacking.push("placement");
  if (loop && h.mountedAt === undefined) lacking.push("volume mount");
  if (loop && h.loopDevices.length === 0) lacking.push("loop device");
  if (limited && h.cgroups.length === 0) lacking.push("cgroup");
  if (row.address !== null && h.address !== row.address) lacking.push(`address ${row.address}`);
  if (row.isPublic) {
    if (!h.publicAddress || h.publicAddress !== row.publicAddress) lacking.push("public address");
    if (!h.firewall) lacking.push("firewall table");
  }
  if (!h.guest) lacking.push("guest state");
  return lacking;
}

async function repairOne(
  d: Drift,
  ctx: {
    provider: ComputeProvider;
    agentRoot: string;
    store: Store;
    held: Map<string, HostHoldings>;
    rows: Map<string, Instance>;
  },
): Promise<string> {
  try {
    switch (d.kind) {
      case "orphan":
        await removeFromHost(ctx.provider, ctx.agentRoot, d.instanceId, ctx.held.get(d.instanceId));
        return "removed from the host";
      case "incomplete": {
        // Provisioning an instance the host holds re-establishes its mount, cgroup and public address.
        const placement = (await ctx.provider.list()).find((p) => p.instanceId === d.instanceId);
        if (!placement) return "not repaired: no placement";
        await ctx.provider.provision({
          instanceId: placement.instanceId,
          volumeSizeGb: placement.volumeSizeGb,
          ramMb: placement.ramMb,
          vcpus: placement.vcpus,
          isPublic: placement.isPublic,
          allowedCidrs: placement.allowedCidrs ?? [],
          ports: placement.ports ?? [],
        });
        return "re-established";
      }
      case "missing":
      case "stuck": {
        const now = systemClock.now();
        const message =
          d.kind === "missing"
            ? "The instance's parts are missing from its host (found by coffer-manage audit)."
            : "The instance was never built and no task will build it (found by coffer-manage audit).";
        await ctx.store.instances.update(d.instanceId, {
          serverStatus: "ERROR",
          taskStatus: "NONE",
          fault: { message, details: d.parts.join("; "), createdAt: now },
          updatedAt: now,
        });
        return "marked ERROR with a fault";
      }
      case "engine_down":
        return "not repaired here: the host agent relaunches it (liveness check, or at its start)";
    }
  } catch (err) {
    return `repair failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** The local provider as the compute role makes it, without spare volumes (an audit makes none). */
function providerFor(config: Config, logger: Logger): ComputeProvider {
  return createLocalProvider({
    rootDir: join(config.computeDir, "host"),
    addressPool: config.addressPool,
    cgroupParent: config.cgroupParent,
    hostName: config.hostName,
    logger,
    volumeFilesystem: config.volumeFilesystem,
    ...(config.publicAddresses
      ? { publicAddressPool: config.publicAddresses.pool, publicInterface: config.publicAddresses.interface }
      : {}),
  });
}

/** The report as lines for people: one per drift, then a count. */
export function formatAudit(report: AuditReport): string {
  const lines = report.drift.map(
    (d) => `${d.kind.padEnd(12)} ${d.instanceId}  ${d.parts.join("; ")}${d.repair ? `  → ${d.repair}` : ""}`,
  );
  lines.push(
    `host ${report.host}: ${report.checked} instances checked, ${report.busy.length} busy (task in flight), ` +
      `${report.poolMembers} warm-pool members, ${report.drift.length} drift` +
      `, ${report.drift.filter((d) => d.kind === "orphan").length} orphans`,
  );
  return lines.join("\n") + "\n";
}
