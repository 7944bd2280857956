import type { FastifyInstance, FastifyRequest } from "fastify";
import { baseUrl } from "../../versions.js";
import { MAX_MICROVERSION, MIN_MICROVERSION } from "./microversion.js";

/**
 * Nova's version documents, without a token as in Nova: `GET /compute/` lists v2.1 (keystoneauth
 * reads `version` and `min_version` from it to negotiate microversions) and
 * `GET /compute/v2.1/` describes it. v2.0 (the pre-microversion API) is not served.
 */
const UPDATED = "2013-07-23T11:33:21Z";

function v21(request: FastifyRequest, href: string) {
  return {
    id: "v2.1",
    status: "CURRENT",
    version: MAX_MICROVERSION,
    min_version: MIN_MICROVERSION,
    updated: UPDATED,
    links: [{ rel: "self", href: `${baseUrl(request)}${href}/` }],
  };
}

/** `root`: where the face is mounted (`/compute`); `prefix`: the version's path under it (`/v2.1`). */
export function computeVersionRoutes(app: FastifyInstance, root: string, prefix: string): void {
  // The face's root with and without its slash, as two routes so that each is in the OpenAPI document.
  const versions = async (request: FastifyRequest) => ({ versions: [v21(request, root + prefix)] });
  app.get("", versions);
  app.get("/", { prefixTrailingSlash: "slash" }, versions);
  const one = async (request: FastifyRequest) => {
    const version = v21(request, root + prefix);
    return {
      version: {
        ...version,
        links: [
          ...version.links,
          { rel: "describedby", type: "text/html", href: "https://docs.openstack.org/" },
        ],
        "media-types": [
          { base: "application/json", type: "application/vnd.openstack.compute+json;version=2.1" },
        ],
      },
    };
  };
  app.get(prefix, one);
  app.get(`${prefix}/`, one);
}
