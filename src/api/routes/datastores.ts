import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { NotFoundError, type Datastore, type DatastoreVersion } from "../../domain/index.js";
import {
  datastoreByIdOrName,
  deleteDatastore,
  updateDatastoreVersion,
  versionByIdOrName,
} from "../../catalog/index.js";
import type { ApiDeps } from "../deps.js";
import { baseUrl } from "./versions.js";

type P = { projectId: string };

/** Datastores and versions (§2.9); admins also see inactive ones and the image/packages fields. */
export function datastoreRoutes(app: FastifyInstance, { store }: ApiDeps): void {
  const isAdmin = (r: FastifyRequest) => r.caller?.isAdmin ?? false;
  const link = (r: FastifyRequest<{ Params: P }>, path: string) => [
    { rel: "self", href: `${baseUrl(r)}/v1.0/${r.params.projectId}/${path}` },
    { rel: "bookmark", href: `${baseUrl(r)}/${path}` },
  ];
  const versionView = (r: FastifyRequest<{ Params: P }>, v: DatastoreVersion) => ({
    id: v.id,
    name: v.name,
    version: v.version,
    datastore: v.datastoreId,
    links: link(r, `datastores/versions/${v.id}`),
    // Upstream's admin fields, and no `manager`: the clients' resource objects keep their own
    // manager in that attribute, so a `manager` field crashes `trove datastore-version-list` and
    // Horizon's forms for admins. The manager is shown under /mgmt/datastore-versions.
    ...(isAdmin(r) ? { active: v.active, image: v.image, packages: v.packages.join(",") } : {}),
  });
  const visibleVersions = async (r: FastifyRequest<{ Params: P }>, ds: Datastore) =>
    (await store.datastoreVersions.list({ datastoreId: ds.id })).filter((v) => v.active || isAdmin(r));
  const datastoreView = async (r: FastifyRequest<{ Params: P }>, ds: Datastore) => {
    const versions = await visibleVersions(r, ds);
    return {
      id: ds.id,
      name: ds.name,
      links: link(r, `datastores/${ds.id}`),
      ...(ds.defaultVersionId ? { default_version: ds.defaultVersionId } : {}),
      versions: versions.map((v) => ({
        id: v.id,
        name: v.name,
        version: v.version,
        links: link(r, `datastores/versions/${v.id}`),
      })),
    };
  };
  const findVersion = async (dsRef: string, ref: string) => {
    const ds = await datastoreByIdOrName(store, dsRef);
    return versionByIdOrName(store, ds, ref);
  };

  app.get<{ Params: P }>(
    "/v1.0/:projectId/datastores",
    { config: { policy: "datastore:index" } },
    async (r) => {
      const all = await Promise.all((await store.datastores.list()).map((ds) => datastoreView(r, ds)));
      return { datastores: all.filter((d) => d.versions.length > 0 || isAdmin(r)) };
    },
  );
  app.get<{ Params: P & { ds: string } }>(
    "/v1.0/:projectId/datastores/:ds",
    { config: { policy: "datastore:show" } },
    async (r) => ({ datastore: await datastoreView(r, await datastoreByIdOrName(store, r.params.ds)) }),
  );
  app.delete<{ Params: P & { ds: string } }>(
    "/v1.0/:projectId/datastores/:ds",
    { config: { policy: "datastore:delete" } },
    async (r, reply) => {
      await deleteDatastore(store, r.params.ds);
      return reply.status(202).send();
    },
  );
  app.get<{ Params: P & { ds: string } }>(
    "/v1.0/:projectId/datastores/:ds/versions",
    { config: { policy: "datastore:version_index" } },
    async (r) => {
      const ds = await datastoreByIdOrName(store, r.params.ds);
      return { versions: (await visibleVersions(r, ds)).map((v) => versionView(r, v)) };
    },
  );
  app.get<{ Params: P & { ds: string; version: string } }>(
    "/v1.0/:projectId/datastores/:ds/versions/:version",
    { config: { policy: "datastore:version_show" } },
    async (r) => ({ version: versionView(r, await findVersion(r.params.ds, r.params.version)) }),
  );
  app.get<{ Params: P & { version: string } }>(
    "/v1.0/:projectId/datastores/versions/:version",
    { config: { policy: "datastore:version_show_by_uuid" } },
    async (r) => {
      const v = await store.datastoreVersions.get(r.params.version);
      if (!v)
        throw new NotFoundError(
          "DATASTORE_VERSION_NOT_FOUND",
          `Datastore version '${r.params.version}' cannot be found.`,
        );
      return { version: versionView(r, v) };
    },
  );

  // Admin: /mgmt/datastore-versions (§2.17).
  const NewVersion = Type.Object({
    version: Type.Object(
      {
        name: Type.String({ minLength: 1 }),
        datastore_name: Type.String({ minLength: 1 }),
        datastore_manager: Type.String({ minLength: 1 }),
        active: Type.Boolean(),
        image: Type.String({ minLength: 1 }),
        image_tags: Type.Optional(Type.Array(Type.String())),
        packages: Type.Optional(Type.Array(Type.String())),
        default: Type.Optional(Type.Boolean()),
        version: Type.Optional(Type.String({ minLength: 1 })),
        registry_ext: Type.Optional(Type.String()),
        repl_strategy: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  });
  app.get<{ Params: P }>("/v1.0/:projectId/mgmt/datastore-versions", async () => ({
    versions: await Promise.all((await store.datastoreVersions.list()).map((v) => mgmtVersionView(v))),
  }));
  app.get<{ Params: P & { id: string } }>("/v1.0/:projectId/mgmt/datastore-versions/:id", async (r) => {
    const v = await store.datastoreVersions.get(r.params.id);
    if (!v)
      throw new NotFoundError(
        "DATASTORE_VERSION_NOT_FOUND",
        `Datastore version '${r.params.id}' cannot be found.`,
      );
    return { version: await mgmtVersionView(v) };
  });
  app.post<{ Params: P; Body: Static<typeof NewVersion> }>(
    "/v1.0/:projectId/mgmt/datastore-versions",
    { schema: { body: NewVersion } },
    async (r, reply) => {
      const b = r.body.version;
      await updateDatastoreVersion(store, {
        datastore: b.datastore_name,
        name: b.name,
        manager: b.datastore_manager,
        image: b.image,
        packages: b.packages ?? [],
        active: b.active,
        ...(b.version ? { version: b.version } : {}),
        makeDefault: b.default ?? false,
      });
      return reply.status(202).send();
    },
  );
  app.delete<{ Params: P & { id: string } }>(
    "/v1.0/:projectId/mgmt/datastore-versions/:id",
    async (r, reply) => {
      const v = await store.datastoreVersions.get(r.params.id);
      if (!v)
        throw new NotFoundError(
          "DATASTORE_VERSION_NOT_FOUND",
          `Datastore version '${r.params.id}' cannot be found.`,
        );
      await store.datastoreVersions.delete(v.id);
      return reply.status(202).send();
    },
  );

  async function mgmtVersionView(v: DatastoreVersion) {
    const ds = await store.datastores.get(v.datastoreId);
    return {
      id: v.id,
      name: v.name,
      version: v.version,
      datastore_id: v.datastoreId,
      datastore_name: ds?.name ?? null,
      datastore_manager: v.manager,
      image: v.image,
      image_tags: [""],
      packages: v.packages.length ? v.packages : [""],
      active: v.active,
      default: ds?.defaultVersionId === v.id,
    };
  }
}
