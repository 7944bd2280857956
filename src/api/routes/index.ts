import type { FastifyInstance } from "fastify";
import { decorateAuth, useDatabaseApiAuth } from "../auth.js";
import type { ApiDeps } from "../deps.js";
import { faceRoutes } from "./faces/index.js";
import { configurationRoutes } from "./configurations/index.js";
import { datastoreRoutes } from "./datastores.js";
import { flavorRoutes } from "./flavors.js";
import { instanceRoutes } from "./instances/index.js";
import { keystoneRoutes } from "./keystone/index.js";
import { eventRoutes } from "./events.js";
import { limitsRoutes } from "./limits.js";
import { metricsRoutes } from "./metrics.js";
import { mgmtQuotaRoutes } from "./mgmt-quotas.js";
import { versionRoutes } from "./versions.js";

/**
 * Every route module, registered in one place. Routes of the Trove API (`/v1.0/:projectId/...`)
 * go in the database-API scope below, whose hook checks the token, the project and /mgmt.
 */
export async function registerRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  decorateAuth(app);
  await app.register(async (scope) => versionRoutes(scope, deps));
  await app.register(async (scope) => keystoneRoutes(scope, deps));
  await app.register(async (scope) => metricsRoutes(scope, deps));
  await faceRoutes(app, deps);
  await app.register(async (scope) => {
    useDatabaseApiAuth(scope, deps.identity);
    limitsRoutes(scope, deps);
    mgmtQuotaRoutes(scope, deps);
    flavorRoutes(scope, deps);
    datastoreRoutes(scope, deps);
    instanceRoutes(scope, deps);
    configurationRoutes(scope, deps);
    eventRoutes(scope, deps);
  });
}
