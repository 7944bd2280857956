import type { FastifyRequest } from "fastify";
import { visibleStatus, type DatastoreVersion } from "../../../domain/index.js";
import type { Instance, Repositories, ServiceStatusRecord } from "../../../store/index.js";
import { baseUrl } from "../versions.js";

/** What rendering instances needs besides the rows: looked up once per request. */
export interface ViewContext {
  base: string;
  projectId: string;
  isAdmin: boolean;
  now: Date;
  heartbeatExpiryMs: number;
  region: string;
  versions: Map<string, { version: DatastoreVersion; datastoreName: string }>;
  statuses: Map<string, ServiceStatusRecord>;
  /** Names of the configuration groups the instances use, by id (configurationNames). */
  configurations?: Map<string, string>;
}

export function viewContext(
  request: FastifyRequest<{ Params: { projectId: string } }>,
  parts: Omit<ViewContext, "base" | "projectId">,
): ViewContext {
  return { base: baseUrl(request), projectId: request.params.projectId, ...parts };
}

/** Trove's naive UTC timestamps: seconds precision, no zone. */
export function troveTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}

export function links(ctx: ViewContext, collection: string, id: string) {
  return [
    { rel: "self", href: `${ctx.base}/v1.0/${ctx.projectId}/${collection}/${id}` },
    { rel: "bookmark", href: `${ctx.base}/${collection}/${id}` },
  ];
}

/** The summary view (§2.3); `detail` adds the detail view's fields. */
export function instanceView(inst: Instance, ctx: ViewContext, detail: boolean): Record<string, unknown> {
  const service = ctx.statuses.get(inst.id);
  const { status, operatingStatus } = visibleStatus(
    {
      task: inst.taskStatus,
      server: inst.serverStatus,
      service: service?.status ?? "new",
      serviceUpdatedAt: service?.updatedAt ?? inst.createdAt,
      backupRunning: false,
    },
    ctx.now,
    ctx.heartbeatExpiryMs,
  );
  const v = ctx.versions.get(inst.datastoreVersionId);
  const view: Record<string, unknown> = {
    id: inst.id,
    name: inst.name,
    status,
    operating_status: operatingStatus,
    links: links(ctx, "instances", inst.id),
    flavor: { id: inst.flavorId, links: links(ctx, "flavors", inst.flavorId) },
    datastore: { type: v?.datastoreName ?? null, version: v?.version.name ?? null },
    region: ctx.region,
    access: { is_public: inst.isPublic, allowed_cidrs: inst.allowedCidrs },
    volume: { size: inst.volumeSizeGb },
  };
  const addresses = [
    ...(inst.address ? [{ address: inst.address, type: "private" }] : []),
    ...(inst.publicAddress ? [{ address: inst.publicAddress, type: "public" }] : []),
  ];
  view.addresses = addresses;
  if (addresses.length > 0) view.ip = addresses.map((a) => a.address);
  if (ctx.isAdmin) view.tenant_id = inst.projectId;
  if (!detail) return view;

  view.created = troveTime(inst.createdAt);
  view.updated = troveTime(inst.updatedAt);
  if (service) view.service_status_updated = troveTime(service.updatedAt);
  (view.datastore as Record<string, unknown>).version_number = v?.version.version ?? null;
  if (inst.volumeUsedGb !== null && status === "ACTIVE") {
    const used = Math.round(inst.volumeUsedGb * 100) / 100;
    view.volume = {
      size: inst.volumeSizeGb,
      used,
      used_percent: Math.round((inst.volumeUsedGb / inst.volumeSizeGb) * 10000) / 100,
    };
  }
  if (inst.fault) {
    view.fault = {
      message: inst.fault.message,
      created: troveTime(inst.fault.createdAt),
      ...(ctx.isAdmin ? { details: inst.fault.details } : {}),
    };
  }
  if (inst.configurationId) {
    view.configuration = {
      id: inst.configurationId,
      name: ctx.configurations?.get(inst.configurationId) ?? null,
      links: links(ctx, "configurations", inst.configurationId),
    };
  }
  if (ctx.isAdmin) view.server_id = inst.id;
  return view;
}

/** The names of the groups these instances use, for their views. */
export async function configurationNames(
  repos: Repositories,
  rows: readonly Instance[],
): Promise<Map<string, string>> {
  const ids = [...new Set(rows.map((r) => r.configurationId).filter((id): id is string => id !== null))];
  const groups = await Promise.all(ids.map((id) => repos.configurations.get(id)));
  return new Map(groups.filter((g) => g !== undefined).map((g) => [g.id, g.name]));
}
