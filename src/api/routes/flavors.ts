import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { NotFoundError, type Flavor } from "../../domain/index.js";
import { createFlavor, datastoreByIdOrName, deleteFlavor, versionByIdOrName } from "../../catalog/index.js";
import type { ApiDeps } from "../deps.js";
import { baseUrl } from "./versions.js";

type P = { projectId: string };

/** Trove's flavor view (§2.8): `id` is a number when the id is all digits, else null with `str_id`. */
function flavorView(request: FastifyRequest<{ Params: P }>, f: Flavor) {
  const base = baseUrl(request);
  return {
    id: /^[1-9]\d*$/.test(f.id) ? Number(f.id) : null,
    str_id: f.id,
    name: f.name,
    ram: f.ramMb,
    vcpus: f.vcpus,
    disk: f.diskGb,
    ephemeral: f.ephemeralGb,
    links: [
      { rel: "self", href: `${base}/v1.0/${request.params.projectId}/flavors/${f.id}` },
      { rel: "bookmark", href: `${base}/flavors/${f.id}` },
    ],
  };
}

const NewFlavor = Type.Object({
  flavor: Type.Object(
    {
      id: Type.String({ minLength: 1 }),
      name: Type.String({ minLength: 1 }),
      ram: Type.Integer(),
      vcpus: Type.Integer(),
      disk: Type.Optional(Type.Integer()),
      ephemeral: Type.Optional(Type.Integer()),
    },
    { additionalProperties: false },
  ),
});

/** GET flavors, flavors/{id}, datastores/{ds}/versions/{v}/flavors; admin create/delete under /mgmt. */
export function flavorRoutes(app: FastifyInstance, { store }: ApiDeps): void {
  const list = async (request: FastifyRequest<{ Params: P }>) => ({
    flavors: (await store.flavors.list()).map((f) => flavorView(request, f)),
  });
  app.get<{ Params: P }>("/v1.0/:projectId/flavors", { config: { policy: "flavor:index" } }, list);
  app.get<{ Params: P & { id: string } }>(
    "/v1.0/:projectId/flavors/:id",
    { config: { policy: "flavor:show" } },
    async (request) => {
      const flavor = await store.flavors.get(request.params.id);
      if (!flavor)
        throw new NotFoundError("FLAVOR_NOT_FOUND", `Flavor ${request.params.id} could not be found.`);
      return { flavor: flavorView(request, flavor) };
    },
  );
  app.get<{ Params: P & { ds: string; version: string } }>(
    "/v1.0/:projectId/datastores/:ds/versions/:version/flavors",
    { config: { policy: "datastore:list_associated_flavors" } },
    async (request) => {
      // Coffer has no flavor associations: every flavor fits every version.
      await versionByIdOrName(
        store,
        await datastoreByIdOrName(store, request.params.ds),
        request.params.version,
      );
      return list(request);
    },
  );
  app.post<{ Params: P; Body: Static<typeof NewFlavor> }>(
    "/v1.0/:projectId/mgmt/flavors",
    { schema: { body: NewFlavor } },
    async (request) => {
      const f = request.body.flavor;
      const flavor = await createFlavor(store, {
        id: f.id,
        name: f.name,
        ramMb: f.ram,
        vcpus: f.vcpus,
        diskGb: f.disk ?? 0,
        ephemeralGb: f.ephemeral ?? 0,
      });
      return { flavor: flavorView(request, flavor) };
    },
  );
  app.delete<{ Params: P & { id: string } }>("/v1.0/:projectId/mgmt/flavors/:id", async (request, reply) => {
    await deleteFlavor(store, request.params.id);
    return reply.status(202).send();
  });
}
