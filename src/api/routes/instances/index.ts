import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../../deps.js";
import { instanceActionRoutes } from "./actions.js";
import { instanceConfigurationRoute } from "./configuration.js";
import { instanceCreateRoute } from "./create.js";
import { databaseRoutes } from "./databases.js";
import { instanceMetricsRoute } from "./metrics.js";
import { mgmtInstanceRoutes } from "./mgmt.js";
import { instanceReadRoutes } from "./read.js";
import { rootRoutes } from "./root.js";
import { instanceUpdateRoutes } from "./update.js";
import { userAccessRoutes } from "./user-access.js";
import { userRoutes } from "./users.js";

/** Every instance route (§2.4, §2.17), and the databases, users and root of an instance (§2.5–§2.7). */
export function instanceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  instanceReadRoutes(app, deps);
  instanceCreateRoute(app, deps);
  instanceUpdateRoutes(app, deps);
  instanceActionRoutes(app, deps);
  mgmtInstanceRoutes(app, deps);
  databaseRoutes(app, deps);
  userRoutes(app, deps);
  userAccessRoutes(app, deps);
  rootRoutes(app, deps);
  instanceConfigurationRoute(app, deps);
  instanceMetricsRoute(app, deps);
}
