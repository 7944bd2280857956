import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { authorize } from "../auth.js";
import type { ApiDeps } from "../deps.js";

type Params = { projectId: string; target: string };
const UpdateBody = Type.Object({ quotas: Type.Record(Type.String(), Type.Unknown()) });

/**
 * `GET/PUT /v1.0/{project}/mgmt/quotas/{target}` (trove-api.md §2.17): a project's quota usage,
 * and an admin's overrides of its limits. Admin only, like all of /mgmt in Coffer.
 */
export function mgmtQuotaRoutes(app: FastifyInstance, { identity }: ApiDeps): void {
  app.get<{ Params: Params }>("/v1.0/:projectId/mgmt/quotas/:target", async (request) => {
    authorize(request, "mgmt:quota:show", { ownerProjectId: request.params.target });
    await identity.directory.getProject(request.params.target);
    const usage = await identity.quotas.usage(request.params.target);
    return {
      quotas: usage.map((u) => ({
        resource: u.resource,
        in_use: u.inUse,
        reserved: u.reserved,
        limit: u.limit,
      })),
    };
  });

  app.put<{ Params: Params; Body: Static<typeof UpdateBody> }>(
    "/v1.0/:projectId/mgmt/quotas/:target",
    { schema: { body: UpdateBody } },
    async (request) => {
      authorize(request, "mgmt:quota:update", { ownerProjectId: request.params.target });
      await identity.directory.getProject(request.params.target);
      return { quotas: await identity.quotas.setLimits(request.params.target, request.body.quotas) };
    },
  );
}
