import type { FastifyInstance, FastifyRequest } from "fastify";
import { ForbiddenError } from "../../../domain/index.js";
import { VOLUME_PATH } from "../../../identity/index.js";
import type { ApiDeps } from "../../deps.js";
import { baseUrl } from "../versions.js";
import { refuseTheRest, useFaceAuth, useFaceErrors } from "./face.js";

/**
 * A Cinder v3 face, read-only, no microversions (3.0). Horizon's Launch Instance form for
 * databases lists volume types and cannot open without a volume service in the catalog; once one
 * is listed, Horizon's overview reads its absolute limits. Coffer's volumes are its instances'
 * data volumes, bounded by the database API's `volumes` quota (in GB) and one per instance: the
 * limits say so. There are no volume types (a create's `volume.type` chooses nothing), snapshots or
 * Cinder backups; the volume list itself is not served (404).
 */
export const VOLUME_ROOT = VOLUME_PATH.slice(0, VOLUME_PATH.indexOf("/v3"));

type P = { projectId: string };

export async function volumeRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { identity, store } = deps;
  useFaceErrors(app, deps);
  // The face's root with and without its slash, as two routes so that each is in the OpenAPI document.
  const versions = async (request: FastifyRequest) => ({
    versions: [
      {
        id: "v3.0",
        status: "CURRENT",
        version: "3.0",
        min_version: "3.0",
        updated: "2016-02-08T12:20:21Z",
        links: [{ rel: "self", href: `${baseUrl(request)}${VOLUME_ROOT}/v3/` }],
        "media-types": [
          { base: "application/json", type: "application/vnd.openstack.volume+json;version=3" },
        ],
      },
    ],
  });
  app.get("", versions);
  app.get("/", { prefixTrailingSlash: "slash" }, versions);
  await app.register(
    async (scope) => {
      useFaceAuth(scope, deps, (request) => {
        const { projectId } = request.params as Partial<P>;
        if (projectId !== undefined && projectId !== request.caller!.projectId) {
          throw new ForbiddenError(
            "TENANT_MISMATCH",
            `User with tenant id ${request.caller!.projectId} cannot access this resource.`,
          );
        }
      });
      scope.get<{ Params: P }>("/:projectId/types", async () => ({ volume_types: [] }));
      scope.get<{ Params: P }>("/:projectId/limits", async (request: FastifyRequest<{ Params: P }>) => {
        const projectId = request.params.projectId;
        const usage = await identity.quotas.usage(projectId);
        const of = (resource: string) => usage.find((u) => u.resource === resource);
        const instances = await store.instances.list({ projectId });
        return {
          limits: {
            rate: [],
            absolute: {
              maxTotalVolumes: of("instances")?.limit ?? -1,
              totalVolumesUsed: instances.length,
              maxTotalVolumeGigabytes: of("volumes")?.limit ?? -1,
              totalGigabytesUsed: instances.reduce((sum, i) => sum + i.volumeSizeGb, 0),
              maxTotalSnapshots: 0,
              totalSnapshotsUsed: 0,
              maxTotalBackups: 0,
              totalBackupsUsed: 0,
              maxTotalBackupGigabytes: 0,
              totalBackupGigabytesUsed: 0,
            },
          },
        };
      });
      refuseTheRest(scope, "Coffer's volume API is read-only: volumes come with database instances.");
    },
    { prefix: "/v3" },
  );
}
