import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../deps.js";
import { versionRoutes } from "./versions.js";

/** Every route module, registered in one place. */
export async function registerRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await app.register(async (scope) => versionRoutes(scope, deps));
}
