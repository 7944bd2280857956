import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../../deps.js";
import { configurationGroupRoutes } from "./groups.js";
import { configurationParameterRoutes } from "./parameters.js";

/** Configuration groups and the parameters they may set (§2.10, §2.11). */
export function configurationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  configurationGroupRoutes(app, deps);
  configurationParameterRoutes(app, deps);
}
