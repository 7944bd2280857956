import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../../deps.js";
import { instanceActionRoutes } from "./actions.js";
import { instanceConfigurationRoute } from "./configuration.js";
import { instanceCreateRoute } from "./create.js";
import { mgmtInstanceRoutes } from "./mgmt.js";
import { instanceReadRoutes } from "./read.js";
import { instanceUpdateRoutes } from "./update.js";

/** Every instance route (§2.4, §2.17). */
export function instanceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  instanceReadRoutes(app, deps);
  instanceCreateRoute(app, deps);
  instanceUpdateRoutes(app, deps);
  instanceActionRoutes(app, deps);
  mgmtInstanceRoutes(app, deps);
  instanceConfigurationRoute(app, deps);
}
