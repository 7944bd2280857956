import type { FastifyInstance } from "fastify";
import { NotFoundError } from "../../../domain/index.js";
import { catalogEndpoints, catalogServices } from "../../../identity/index.js";
import type { ApiDeps } from "../../deps.js";
import { collection, endpointView, queryString, serviceView } from "./views.js";

/** Read-only `GET /v3/services[/{id}]` and `GET /v3/endpoints[/{id}]` (admin): the fixed catalog. */
export function catalogRoutes(app: FastifyInstance, { identity }: ApiDeps): void {
  app.get<{ Querystring: Record<string, string> }>(
    "/v3/services",
    { config: { policy: "identity:list_services" } },
    async (request) => {
      const type = queryString(request.query.type);
      const services = catalogServices().filter((s) => type === undefined || s.type === type);
      return collection(
        request,
        "services",
        services.map((s) => serviceView(request, s)),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v3/services/:id",
    { config: { policy: "identity:get_service" } },
    async (request) => {
      const service = catalogServices().find((s) => s.id === request.params.id);
      if (!service)
        throw new NotFoundError("SERVICE_NOT_FOUND", `Could not find service: ${request.params.id}.`);
      return { service: serviceView(request, service) };
    },
  );

  app.get<{ Querystring: Record<string, string> }>(
    "/v3/endpoints",
    { config: { policy: "identity:list_endpoints" } },
    async (request) => {
      const q = request.query;
      const endpoints = catalogEndpoints(identity.catalog).filter(
        (e) =>
          (q.interface === undefined || e.interface === q.interface) &&
          (q.service_id === undefined || e.serviceId === q.service_id) &&
          (q.region_id === undefined || e.region === q.region_id),
      );
      return collection(
        request,
        "endpoints",
        endpoints.map((e) => endpointView(request, e)),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v3/endpoints/:id",
    { config: { policy: "identity:get_endpoint" } },
    async (request) => {
      const endpoint = catalogEndpoints(identity.catalog).find((e) => e.id === request.params.id);
      if (!endpoint)
        throw new NotFoundError("ENDPOINT_NOT_FOUND", `Could not find endpoint: ${request.params.id}.`);
      return { endpoint: endpointView(request, endpoint) };
    },
  );
}
