import type { FastifyInstance } from "fastify";
import { COMPUTE_PATH } from "../../../../identity/index.js";
import type { ApiDeps } from "../../../deps.js";
import { computeZoneRoutes } from "./availability-zones.js";
import { refuseTheRest, useFaceAuth, useFaceErrors } from "../face.js";
import { computeFlavorRoutes } from "./flavors.js";
import { computeLimitRoutes } from "./limits.js";
import { requestedMicroversion, setMicroversionHeaders } from "./microversion.js";
import { computeServerRoutes } from "./servers.js";
import { computeUsageRoutes } from "./usage.js";
import { computeVersionRoutes } from "./versions.js";

/**
 * The compute face: a read-only Nova v2.1 API under /compute (the catalog's `compute` service),
 * as narrow as its clients need (Horizon's database panels, `openstack flavor list`, `availability
 * zone list --compute`, `server list`, upstream Trove's tempest tests), backed by Coffer's own
 * flavors, hosts and instances. Version documents need no token; everything under /v2.1 needs a
 * project-scoped one. Reads that are not served are Nova's 404, every write Nova's 403: servers
 * are made, resized and deleted through the database API. Errors are in Nova's fault shape.
 */
export const COMPUTE_ROOT = COMPUTE_PATH.slice(0, COMPUTE_PATH.lastIndexOf("/"));
const VERSION_PREFIX = COMPUTE_PATH.slice(COMPUTE_ROOT.length);

export async function computeRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  useFaceErrors(app, deps);
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-compute-request-id", request.id);
  });
  computeVersionRoutes(app, COMPUTE_ROOT, VERSION_PREFIX);
  await app.register(
    async (scope) => {
      useFaceAuth(scope, deps, (request, reply) =>
        setMicroversionHeaders(reply, requestedMicroversion(request.headers)),
      );
      computeFlavorRoutes(scope, deps);
      computeZoneRoutes(scope, deps);
      computeLimitRoutes(scope, deps);
      computeServerRoutes(scope, deps);
      computeUsageRoutes(scope, deps);
      refuseTheRest(
        scope,
        "Coffer's compute API is read-only: database instances (and their servers) are created, " +
          "resized and deleted through the database API.",
      );
    },
    { prefix: VERSION_PREFIX },
  );
}
