import type { FastifyInstance, FastifyRequest } from "fastify";
import { ValidationError, type Flavor } from "../../../../domain/index.js";
import type { Instance } from "../../../../store/index.js";
import { authorize } from "../../../auth.js";
import type { ApiDeps } from "../../../deps.js";

/**
 * `os-simple-tenant-usage` (Nova v2.1): how long each project's servers ran in a period, and their
 * RAM, vCPU and disk hours, from the instances' creation and deletion times (Horizon's Overview
 * pages show it). The flavor is the instance's current one (Coffer keeps no flavor history), and
 * its disk is the instance's volume, the only disk it has.
 */
type UsageQuery = { start?: string; end?: string; detailed?: string };

export function computeUsageRoutes(app: FastifyInstance, { store, clock }: ApiDeps): void {
  const period = (request: FastifyRequest<{ Querystring: UsageQuery }>) => {
    const now = clock.now();
    const start = parseTime(request.query.start, "start") ?? now;
    const end = parseTime(request.query.end, "end") ?? now;
    if (start > end)
      throw new ValidationError(
        "REQUEST_INVALID",
        "Invalid start time. The start time cannot occur after the end time.",
      );
    return { now, start, end };
  };
  const usagesOf = async (projectId: string | undefined, p: { now: Date; start: Date; end: Date }) => {
    const flavors = new Map((await store.flavors.list()).map((f) => [f.id, f]));
    const rows = await store.instances.list({
      includeDeleted: true,
      ...(projectId !== undefined ? { projectId } : {}),
    });
    const byProject = new Map<string, ServerUsage[]>();
    for (const row of rows) {
      const usage = serverUsage(row, flavors.get(row.flavorId), p);
      if (!usage) continue;
      byProject.set(row.projectId, [...(byProject.get(row.projectId) ?? []), usage]);
    }
    return byProject;
  };

  app.get<{ Querystring: UsageQuery }>("/os-simple-tenant-usage", async (request) => {
    authorize(request, "compute:usage:list");
    const p = period(request);
    const detailed = request.query.detailed !== undefined && request.query.detailed !== "0";
    const usages = await usagesOf(undefined, p);
    return {
      tenant_usages: [...usages.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([projectId, servers]) => tenantUsage(projectId, servers, p, detailed)),
    };
  });

  app.get<{ Params: { projectId: string }; Querystring: UsageQuery }>(
    "/os-simple-tenant-usage/:projectId",
    async (request) => {
      authorize(request, "compute:usage:show", { ownerProjectId: request.params.projectId });
      const p = period(request);
      const servers = (await usagesOf(request.params.projectId, p)).get(request.params.projectId);
      return { tenant_usage: servers ? tenantUsage(request.params.projectId, servers, p, true) : {} };
    },
  );
}

interface ServerUsage {
  instance_id: string;
  name: string;
  tenant_id: string;
  flavor: string;
  hours: number;
  memory_mb: number;
  local_gb: number;
  vcpus: number;
  started_at: string;
  ended_at: string | null;
  state: string;
  uptime: number;
}

/** The instance's usage in the period; undefined when it did not exist then. */
function serverUsage(
  row: Instance,
  flavor: Flavor | undefined,
  p: { now: Date; start: Date; end: Date },
): ServerUsage | undefined {
  const from = Math.max(row.createdAt.getTime(), p.start.getTime());
  const to = Math.min((row.deletedAt ?? p.now).getTime(), p.end.getTime());
  if (to < from) return undefined;
  const ended = row.deletedAt;
  return {
    instance_id: row.id,
    name: row.name,
    tenant_id: row.projectId,
    flavor: flavor?.name ?? "",
    hours: (to - from) / 3_600_000,
    memory_mb: flavor?.ramMb ?? 0,
    local_gb: row.volumeSizeGb,
    vcpus: flavor?.vcpus ?? 0,
    started_at: naive(row.createdAt),
    ended_at: ended ? naive(ended) : null,
    state: ended ? "terminated" : stateOf(row),
    uptime: Math.floor(((ended ?? p.now).getTime() - row.createdAt.getTime()) / 1000),
  };
}

function stateOf(row: Instance): string {
  switch (row.serverStatus) {
    case "BUILD":
      return "building";
    case "SHUTDOWN":
      return "stopped";
    case "ERROR":
      return "error";
    default:
      return "active";
  }
}

function tenantUsage(
  projectId: string,
  servers: ServerUsage[],
  p: { start: Date; end: Date },
  detailed: boolean,
): Record<string, unknown> {
  const total = (f: (s: ServerUsage) => number) => servers.reduce((sum, s) => sum + f(s), 0);
  return {
    tenant_id: projectId,
    start: naive(p.start),
    stop: naive(p.end),
    total_hours: total((s) => s.hours),
    total_memory_mb_usage: total((s) => s.hours * s.memory_mb),
    total_vcpus_usage: total((s) => s.hours * s.vcpus),
    total_local_gb_usage: total((s) => s.hours * s.local_gb),
    ...(detailed ? { server_usages: servers } : {}),
  };
}

/** Nova's naive UTC times with microseconds: `2012-10-08T20:10:44.541277`. */
const naive = (d: Date) => `${d.toISOString().slice(0, 23)}000`;

/** Nova accepts ISO 8601 with or without a zone and fraction; a naive time is UTC. */
function parseTime(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const text = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const at = Date.parse(text.replace(" ", "T"));
  if (Number.isNaN(at)) throw new ValidationError("REQUEST_INVALID", `Invalid ${name} time.`);
  return new Date(at);
}
