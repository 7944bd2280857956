import type { FastifyInstance } from "fastify";
import { loadInstanceSeries, renderInstanceMetrics, type InstanceSeries } from "../../../metrics/index.js";
import { authorize } from "../../auth.js";
import type { ApiDeps } from "../../deps.js";
import { loadInstance } from "./load.js";

type Params = { projectId: string; id: string };

/**
 * `GET instances/{id}/metrics` (Coffer's extension): what /metrics serves about one instance, for
 * its project's members (readers too). JSON by default; Prometheus' text format when the client
 * asks for text/plain (as Prometheus does).
 */
export function instanceMetricsRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Params: Params }>("/v1.0/:projectId/instances/:id/metrics", async (request, reply) => {
    const instance = await loadInstance(request, deps.store, request.params.id);
    authorize(request, "instance:metrics", { ownerProjectId: instance.projectId });
    const [series] = await loadInstanceSeries(deps.store, {
      now: deps.clock.now(),
      heartbeatExpiryMs: deps.config.heartbeatExpiryMs,
      instances: [instance],
    });
    if (!series) return reply.status(404).send();
    if (wantsText(request.headers.accept)) {
      return reply.type(app.metrics.registry.contentType).send(await renderInstanceMetrics([series]));
    }
    return { metrics: view(series) };
  });
}

function wantsText(accept: string | undefined): boolean {
  if (!accept) return false;
  const first = accept.split(",")[0]?.trim().toLowerCase() ?? "";
  return first.startsWith("text/plain") || first.startsWith("application/openmetrics-text");
}

const GB = 2 ** 30;

function view(s: InstanceSeries): Record<string, unknown> {
  return {
    instance_id: s.id,
    project_id: s.projectId,
    status: s.status,
    up: s.up,
    last_heartbeat: s.lastHeartbeat?.toISOString() ?? null,
    volume: {
      size_bytes: s.volumeSizeGb * GB,
      used_bytes: s.volumeUsedGb === null ? null : Math.round(s.volumeUsedGb * GB),
    },
    figures: s.figures,
    figures_measured_at: s.figuresMeasuredAt?.toISOString() ?? null,
  };
}
