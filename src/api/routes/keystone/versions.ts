import type { FastifyInstance, FastifyRequest } from "fastify";
import { identityBase } from "./views.js";

/** `GET /v3`: Keystone's single-version discovery document (keystoneauth reads `version`). */
export function keystoneVersionRoutes(app: FastifyInstance): void {
  const handler = async (request: FastifyRequest) => ({
    version: {
      id: "v3.14",
      status: "stable",
      updated: "2020-04-07T00:00:00Z",
      links: [{ rel: "self", href: `${identityBase(request)}/` }],
      "media-types": [{ base: "application/json", type: "application/vnd.openstack.identity-v3+json" }],
    },
  });
  app.get("/v3", handler);
  app.get("/v3/", handler);
}
