import type { FastifyInstance, FastifyRequest } from "fastify";
import { ValidationError } from "../../../domain/index.js";
import type { Instance } from "../../../store/index.js";
import { authorize } from "../../auth.js";
import { versionIndex } from "../../../catalog/index.js";
import type { ApiDeps } from "../../deps.js";
import { loadInstance } from "./load.js";
import { configurationNames, instanceView, viewContext } from "./view.js";

type Params = { projectId: string };
type ListQuery = { limit?: string; marker?: string; include_clustered?: string };

const PAGE_SIZE = 20;

/** GET instances, instances/detail, instances/{id} (§2.4). */
export function instanceReadRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, config, clock } = deps;

  async function render(request: FastifyRequest<{ Params: Params }>, rows: Instance[], detail: boolean) {
    const statuses = await store.serviceStatuses.list(rows.map((r) => r.id));
    const ctx = viewContext(request, {
      isAdmin: request.caller?.isAdmin ?? false,
      now: clock.now(),
      heartbeatExpiryMs: config.heartbeatExpiryMs,
      region: config.region,
      versions: await versionIndex(store),
      statuses: new Map(statuses.map((s) => [s.instanceId, s])),
      ...(detail ? { configurations: await configurationNames(store, rows) } : {}),
    });
    return rows.map((r) => instanceView(r, ctx, detail));
  }

  async function list(request: FastifyRequest<{ Params: Params; Querystring: ListQuery }>, detail: boolean) {
    authorize(request, detail ? "instance:detail" : "instance:index");
    const limit = pageLimit(request.query.limit);
    // Lists are the URL's project only, for admins too (Trove); admins see all under /mgmt.
    const rows = await store.instances.list({
      projectId: request.params.projectId,
      limit: limit + 1,
      ...(request.query.marker ? { afterId: request.query.marker } : {}),
    });
    const page = rows.slice(0, limit);
    // Trove re-sorts each page newest first.
    const newestFirst = [...page].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const instances = await render(request, newestFirst, detail);
    const body: Record<string, unknown> = { instances };
    if (rows.length > limit) body.links = [{ rel: "next", href: nextHref(request, page.at(-1)!.id) }];
    return body;
  }

  app.get<{ Params: Params; Querystring: ListQuery }>("/v1.0/:projectId/instances", (req) =>
    list(req, false),
  );
  app.get<{ Params: Params; Querystring: ListQuery }>("/v1.0/:projectId/instances/detail", (req) =>
    list(req, true),
  );
  app.get<{ Params: Params & { id: string } }>("/v1.0/:projectId/instances/:id", async (request) => {
    const instance = await loadInstance(request, store, request.params.id);
    authorize(request, "instance:show", { ownerProjectId: instance.projectId });
    const [view] = await render(request, [instance], true);
    return { instance: view };
  });
}

export function pageLimit(raw: string | undefined): number {
  if (raw === undefined) return PAGE_SIZE;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new ValidationError("LIMIT_INVALID", `limit must be a positive integer, got "${raw}".`);
  }
  return Math.min(Number(raw), PAGE_SIZE);
}

/** The same URL with `marker` set, keeping the other query parameters. */
export function nextHref(request: FastifyRequest, marker: string): string {
  const url = new URL(request.url, `${request.protocol}://${request.host}`);
  url.searchParams.set("marker", marker);
  return url.toString();
}
