import type { FastifyInstance, FastifyRequest } from "fastify";
import { NotFoundError } from "../../../domain/index.js";
import { IMAGE_PATH } from "../../../identity/index.js";
import type { ApiDeps } from "../../deps.js";
import { baseUrl } from "../versions.js";
import { refuseTheRest, useFaceAuth, useFaceErrors } from "./face.js";

/**
 * A Glance v2 face with no images. `openstack server list` opens an image client before it lists
 * anything (to name servers' images) and stops with "endpoint for image service not found" when
 * the catalog has none; Coffer's servers have no image (a datastore version's "image" is a
 * directory of engine binaries, not a Glance image), so the catalog lists `image` and this answers
 * its version discovery and an empty image list. Every other path is a 404, every write a 403.
 */
export const IMAGE_ROOT = IMAGE_PATH;

export async function imageRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  useFaceErrors(app, deps);
  // The face's root with and without its slash, as two routes so that each is in the OpenAPI document.
  const versions = async (request: FastifyRequest) => ({
    versions: [
      {
        id: "v2.0",
        status: "CURRENT",
        links: [{ rel: "self", href: `${baseUrl(request)}${IMAGE_ROOT}/v2/` }],
      },
    ],
  });
  app.get("", versions);
  app.get("/", { prefixTrailingSlash: "slash" }, versions);
  await app.register(
    async (scope) => {
      useFaceAuth(scope, deps);
      scope.get("/images", async () => ({
        images: [],
        first: "/v2/images",
        schema: "/v2/schemas/images",
      }));
      scope.get<{ Params: { id: string } }>("/images/:id", async (request) => {
        throw new NotFoundError("IMAGE_NOT_FOUND", `No image found with ID ${request.params.id}`);
      });
      refuseTheRest(scope, "Coffer has no image service: it keeps no images.");
    },
    { prefix: "/v2" },
  );
}
