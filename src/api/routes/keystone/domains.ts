import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../../deps.js";
import { collection, domainView, queryBool, queryString } from "./views.js";

/** `GET /v3/domains[?name=&enabled=]` (admin) and `GET /v3/domains/{id}`. Only Default exists. */
export function domainRoutes(app: FastifyInstance, { identity }: ApiDeps): void {
  app.get<{ Querystring: Record<string, string> }>(
    "/v3/domains",
    { config: { policy: "identity:list_domains" } },
    async (request) => {
      const filter: { name?: string; enabled?: boolean } = {};
      const name = queryString(request.query.name);
      const enabled = queryBool(request.query.enabled);
      if (name !== undefined) filter.name = name;
      if (enabled !== undefined) filter.enabled = enabled;
      const domains = await identity.directory.listDomains(filter);
      return collection(
        request,
        "domains",
        domains.map((d) => domainView(request, d)),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v3/domains/:id",
    { config: { policy: "identity:get_domain" } },
    async (request) => {
      return { domain: domainView(request, await identity.directory.getDomain(request.params.id)) };
    },
  );
}
