import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { randomUUID } from "node:crypto";
import { ValidationError, validateConfigValues, type ConfigValues } from "../../../domain/index.js";
import { resolveDatastoreVersion, versionIndex } from "../../../catalog/index.js";
import type { Configuration } from "../../../store/index.js";
import { authorize } from "../../auth.js";
import type { ApiDeps } from "../../deps.js";
import { wakeTaskManagers } from "../../wake.js";
import { nextHref, pageLimit } from "../instances/read.js";
import { checkInstances, loadConfiguration, recordApply, awaitApplied } from "./apply.js";
import { configurationDetail, configurationView } from "./views.js";

const Values = Type.Record(Type.String(), Type.Unknown());
const Description = Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()]));
const CreateBody = Type.Object({
  configuration: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 255 }),
    values: Values,
    description: Description,
    datastore: Type.Optional(
      Type.Object({
        type: Type.Optional(Type.Union([Type.String(), Type.Null()])),
        version: Type.Optional(Type.Union([Type.String(), Type.Null()])),
        version_number: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      }),
    ),
  }),
});
const UpdateBody = Type.Object({
  configuration: Type.Object({
    values: Values,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    description: Description,
  }),
});
type P = { projectId: string };
type IdParams = P & { id: string };
type Page = { limit?: string; marker?: string };

/** Configuration groups (trove-api.md §2.11). */
export function configurationGroupRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, bus, clock, config } = deps;
  const detail = async (group: Configuration) => {
    const versions = await versionIndex(store);
    const attached = await store.instances.list({ configurationId: group.id });
    return configurationDetail(group, versions.get(group.datastoreVersionId), attached.length);
  };
  const validate = async (versionId: string, values: Record<string, unknown>) =>
    validateConfigValues(await store.parameterRules.list(versionId), values);

  app.get<{ Params: P; Querystring: Page }>(
    "/v1.0/:projectId/configurations",
    { config: { policy: "configuration:index" } },
    async (request) => {
      const limit = pageLimit(request.query.limit);
      // An admin sees every project's groups (Trove); others their project's.
      const rows = await store.configurations.list({
        ...(request.caller?.isAdmin ? {} : { projectId: request.params.projectId }),
        limit: limit + 1,
        ...(request.query.marker ? { afterId: request.query.marker } : {}),
      });
      const page = rows.slice(0, limit);
      const versions = await versionIndex(store);
      const body: Record<string, unknown> = {
        configurations: page.map((g) => configurationView(g, versions.get(g.datastoreVersionId))),
      };
      if (rows.length > limit) body.links = [{ rel: "next", href: nextHref(request, page.at(-1)!.id) }];
      return body;
    },
  );

  app.post<{ Params: P; Body: Static<typeof CreateBody> }>(
    "/v1.0/:projectId/configurations",
    { schema: { body: CreateBody }, config: { policy: "configuration:create" } },
    async (request) => {
      const body = request.body.configuration;
      // The version may be inactive: groups can be prepared before it is offered (§6.2).
      const { version } = await resolveDatastoreVersion(
        store,
        { type: body.datastore?.type ?? null, version: body.datastore?.version ?? null },
        config.defaultDatastore,
        { allowInactive: true },
      );
      const values = await validate(version.id, body.values);
      const group = await store.configurations.create({
        id: randomUUID(),
        projectId: request.params.projectId,
        name: body.name,
        description: body.description ?? "",
        datastoreVersionId: version.id,
        values,
        createdAt: clock.now(),
      });
      return { configuration: await detail(group) };
    },
  );

  app.get<{ Params: IdParams }>("/v1.0/:projectId/configurations/:id", async (request) => {
    const group = await loadConfiguration(request, store, request.params.id);
    authorize(request, "configuration:show", { ownerProjectId: group.projectId });
    return { configuration: await detail(group) };
  });

  app.get<{ Params: IdParams; Querystring: Page }>(
    "/v1.0/:projectId/configurations/:id/instances",
    async (request) => {
      const group = await loadConfiguration(request, store, request.params.id);
      authorize(request, "configuration:instances", { ownerProjectId: group.projectId });
      const limit = pageLimit(request.query.limit);
      const attached = (await store.instances.list({ configurationId: group.id })).filter(
        (i) => request.query.marker === undefined || i.id > request.query.marker,
      );
      const page = attached.slice(0, limit);
      const body: Record<string, unknown> = { instances: page.map((i) => ({ id: i.id, name: i.name })) };
      if (attached.length > limit) body.links = [{ rel: "next", href: nextHref(request, page.at(-1)!.id) }];
      return body;
    },
  );

  /**
   * New values for a group, re-applied to every instance it is attached to: each must be idle and
   * its engine must accept them, or nothing changes.
   */
  async function change(
    group: Configuration,
    values: ConfigValues,
    fields: { name?: string; description?: string },
  ) {
    const attached = await store.instances.list({ configurationId: group.id });
    await checkInstances(store, bus, attached, values);
    const now = clock.now();
    const tasks = await store.transaction(async (tx) => {
      await tx.configurations.update(group.id, { ...fields, values, updatedAt: now });
      const ids: string[] = [];
      for (const instance of attached) ids.push(await recordApply(tx, instance, group.id, values, now));
      return ids;
    });
    if (attached.length > 0) await wakeTaskManagers(deps);
    await awaitApplied(store, tasks);
  }

  // A stranger's group is 404 before anything is said about the body.
  const preValidation = async (request: FastifyRequest<{ Params: IdParams }>) => {
    await loadConfiguration(request, store, request.params.id);
  };

  app.put<{ Params: IdParams; Body: Static<typeof UpdateBody> }>(
    "/v1.0/:projectId/configurations/:id",
    { schema: { body: UpdateBody }, preValidation },
    async (request, reply) => {
      const group = await loadConfiguration(request, store, request.params.id);
      authorize(request, "configuration:update", { ownerProjectId: group.projectId });
      const body = request.body.configuration;
      const values = await validate(group.datastoreVersionId, body.values);
      await change(group, values, {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.description !== undefined ? { description: body.description ?? "" } : {}),
      });
      return reply.status(202).send();
    },
  );

  app.patch<{ Params: IdParams; Body: Static<typeof UpdateBody> }>(
    "/v1.0/:projectId/configurations/:id",
    { schema: { body: UpdateBody }, preValidation },
    async (request, reply) => {
      const group = await loadConfiguration(request, store, request.params.id);
      authorize(request, "configuration:edit", { ownerProjectId: group.projectId });
      const added = await validate(group.datastoreVersionId, request.body.configuration.values);
      await change(group, { ...group.values, ...added }, {});
      return reply.status(200).send();
    },
  );

  app.delete<{ Params: IdParams }>("/v1.0/:projectId/configurations/:id", async (request, reply) => {
    const group = await loadConfiguration(request, store, request.params.id);
    authorize(request, "configuration:delete", { ownerProjectId: group.projectId });
    const attached = await store.instances.list({ configurationId: group.id, limit: 1 });
    if (attached.length > 0) {
      throw new ValidationError(
        "CONFIGURATION_IN_USE",
        `Configuration group ${group.id} is attached to instances; detach it first.`,
      );
    }
    await store.configurations.delete(group.id);
    return reply.status(202).send();
  });
}
