import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../../deps.js";
import { computeRoutes, COMPUTE_ROOT } from "./compute/index.js";
import { imageRoutes, IMAGE_ROOT } from "./image.js";
import { volumeRoutes, VOLUME_ROOT } from "./volume.js";

/**
 * The read-only OpenStack faces beside the database API, each a catalog entry: `compute` (Nova
 * v2.1), `image` (Glance v2) and `volumev3` (Cinder v3), as narrow as the real clients need
 * (Horizon's database panels, `openstack server list`, upstream Trove's tempest tests). What each
 * serves, and why, is in docs/compatibility.md.
 */
export async function faceRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await app.register(async (scope) => computeRoutes(scope, deps), { prefix: COMPUTE_ROOT });
  await app.register(async (scope) => imageRoutes(scope, deps), { prefix: IMAGE_ROOT });
  await app.register(async (scope) => volumeRoutes(scope, deps), { prefix: VOLUME_ROOT });
}
