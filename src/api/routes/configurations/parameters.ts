import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { NotFoundError, ValidationError, parseRule, type DatastoreVersion } from "../../../domain/index.js";
import { datastoreByIdOrName, versionByIdOrName } from "../../../catalog/index.js";
import type { ApiDeps } from "../../deps.js";
import { mgmtParameterView, parameterView } from "./views.js";

type P = { projectId: string };
type ByName = P & { ds: string; version: string };
type ById = P & { version: string };

const RuleBody = Type.Object({
  "configuration-parameter": Type.Object({
    name: Type.Optional(Type.String({ minLength: 1 })),
    data_type: Type.String(),
    restart_required: Type.Union([Type.Boolean(), Type.Integer({ minimum: 0, maximum: 1 })]),
    min_size: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    max_size: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    unit: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  }),
});
type RuleBody = Static<typeof RuleBody>;

/**
 * Configuration parameters (trove-api.md §2.10): each datastore version's rules, readable by
 * every project (inactive versions too), and their administration under /mgmt (§2.17).
 */
export function configurationParameterRoutes(app: FastifyInstance, { store }: ApiDeps): void {
  const byName = async (ds: string, version: string) =>
    versionByIdOrName(store, await datastoreByIdOrName(store, ds), version);
  const byId = async (id: string): Promise<DatastoreVersion> => {
    const version = await store.datastoreVersions.get(id);
    if (!version) {
      throw new NotFoundError("DATASTORE_VERSION_NOT_FOUND", `Datastore version '${id}' cannot be found.`);
    }
    return version;
  };
  const rule = async (version: DatastoreVersion, name: string) => {
    const found = await store.parameterRules.get(version.id, name.toLowerCase());
    if (!found) {
      throw new NotFoundError(
        "PARAMETER_NOT_FOUND",
        `Configuration parameter ${name} cannot be found for datastore version ${version.name}.`,
      );
    }
    return found;
  };
  const list = async (version: DatastoreVersion) => ({
    "configuration-parameters": (await store.parameterRules.list(version.id)).map((r) =>
      parameterView(version.id, r),
    ),
  });

  app.get<{ Params: ByName }>(
    "/v1.0/:projectId/datastores/:ds/versions/:version/parameters",
    { config: { policy: "configuration-parameter:index" } },
    async (r) => list(await byName(r.params.ds, r.params.version)),
  );
  app.get<{ Params: ByName & { name: string } }>(
    "/v1.0/:projectId/datastores/:ds/versions/:version/parameters/:name",
    { config: { policy: "configuration-parameter:show" } },
    async (r) => {
      const version = await byName(r.params.ds, r.params.version);
      return parameterView(version.id, await rule(version, r.params.name));
    },
  );
  app.get<{ Params: ById }>(
    "/v1.0/:projectId/datastores/versions/:version/parameters",
    { config: { policy: "configuration-parameter:index_by_version" } },
    async (r) => list(await byId(r.params.version)),
  );
  app.get<{ Params: ById & { name: string } }>(
    "/v1.0/:projectId/datastores/versions/:version/parameters/:name",
    { config: { policy: "configuration-parameter:show_by_version" } },
    async (r) => {
      const version = await byId(r.params.version);
      return parameterView(version.id, await rule(version, r.params.name));
    },
  );

  // Admin (the /mgmt hook requires the admin role).
  const mgmt = "/v1.0/:projectId/mgmt/datastores/versions/:version/parameters";
  const fromBody = (body: RuleBody, name: string | undefined) => {
    const b = body["configuration-parameter"];
    const parsed = parseRule(
      {
        name: name ?? b.name,
        type: b.data_type,
        restart_required: b.restart_required,
        min: b.min_size,
        max: b.max_size,
        unit: b.unit,
      },
      "configuration-parameter",
    );
    // Trove's admin API wants both bounds of an integer.
    if (parsed.type === "integer" && (parsed.min === null || parsed.max === null)) {
      throw new ValidationError(
        "PARAMETER_RULE_INVALID",
        "An integer parameter needs min_size and max_size.",
      );
    }
    return parsed;
  };
  app.get<{ Params: ById }>(mgmt, async (r) => {
    const version = await byId(r.params.version);
    const rules = await store.parameterRules.list(version.id);
    return { "configuration-parameters": rules.map((x) => mgmtParameterView(version.id, x)) };
  });
  app.post<{ Params: ById; Body: RuleBody }>(mgmt, { schema: { body: RuleBody } }, async (r) => {
    const version = await byId(r.params.version);
    const saved = await store.parameterRules.upsert(version.id, fromBody(r.body, undefined));
    return mgmtParameterView(version.id, saved);
  });
  app.get<{ Params: ById & { name: string } }>(`${mgmt}/:name`, async (r) => {
    const version = await byId(r.params.version);
    return mgmtParameterView(version.id, await rule(version, r.params.name));
  });
  app.put<{ Params: ById & { name: string }; Body: RuleBody }>(
    `${mgmt}/:name`,
    { schema: { body: RuleBody } },
    async (r) => {
      const version = await byId(r.params.version);
      await rule(version, r.params.name);
      const saved = await store.parameterRules.upsert(version.id, fromBody(r.body, r.params.name));
      return mgmtParameterView(version.id, saved);
    },
  );
  app.delete<{ Params: ById & { name: string } }>(`${mgmt}/:name`, async (r, reply) => {
    const version = await byId(r.params.version);
    if (!(await store.parameterRules.delete(version.id, r.params.name.toLowerCase()))) {
      await rule(version, r.params.name); // says which, as a 404
    }
    return reply.status(204).send();
  });
}
