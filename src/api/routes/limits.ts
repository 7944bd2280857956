import type { FastifyInstance } from "fastify";
import { authorize } from "../auth.js";
import type { ApiDeps } from "../deps.js";

/**
 * `GET /v1.0/{project}/limits` (trove-api.md §2.15): the project's absolute limits. Coffer does
 * not rate-limit requests, so only the ABSOLUTE entry is listed.
 */
export function limitsRoutes(app: FastifyInstance, { identity }: ApiDeps): void {
  app.get<{ Params: { projectId: string } }>("/v1.0/:projectId/limits", async (request) => {
    authorize(request, "limits:index", { ownerProjectId: request.params.projectId });
    const limits = await identity.quotas.limits(request.params.projectId);
    return {
      limits: [
        {
          verb: "ABSOLUTE",
          max_instances: limits.instances,
          max_ram: limits.ram,
          max_backups: limits.backups,
          max_volumes: limits.volumes,
        },
      ],
    };
  });
}
