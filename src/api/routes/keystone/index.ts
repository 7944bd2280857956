import type { FastifyInstance } from "fastify";
import { useTokenAuth } from "../../auth.js";
import type { ApiDeps } from "../../deps.js";
import { catalogRoutes } from "./catalog.js";
import { domainRoutes } from "./domains.js";
import { projectRoutes } from "./projects.js";
import { roleAssignmentRoutes } from "./role-assignments.js";
import { roleRoutes } from "./roles.js";
import { tokenRoutes } from "./tokens.js";
import { userRoutes } from "./users.js";
import { keystoneVersionRoutes } from "./versions.js";

/**
 * The Keystone v3 subset under /v3: discovery and the token API (which authenticate as each
 * route needs), then the admin API, where every route needs a valid X-Auth-Token.
 */
export async function keystoneRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await app.register(async (scope) => {
    keystoneVersionRoutes(scope);
    tokenRoutes(scope, deps);
  });
  await app.register(async (scope) => {
    useTokenAuth(scope, deps.identity);
    domainRoutes(scope, deps);
    projectRoutes(scope, deps);
    userRoutes(scope, deps);
    roleRoutes(scope, deps);
    roleAssignmentRoutes(scope, deps);
    catalogRoutes(scope, deps);
  });
}
