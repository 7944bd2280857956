import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { NotImplementedError } from "../../../domain/index.js";
import { checkDatabaseName, checkDatabaseSpecs } from "../../../guestagent/index.js";
import type { ApiDeps } from "../../deps.js";
import { extension, instanceFirst, nextLinks, pageArgs, type PageQuery } from "./extension.js";

type Params = { projectId: string; id: string };
const CreateBody = Type.Object({
  databases: Type.Array(
    Type.Object(
      {
        name: Type.String(),
        character_set: Type.Optional(Type.String()),
        collate: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    { minItems: 1 },
  ),
});
type CreateBody = Static<typeof CreateBody>;

/** Databases (schemas) of an instance (§2.5). */
export function databaseRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const base = "/v1.0/:projectId/instances/:id/databases";

  app.get<{ Params: Params; Querystring: PageQuery }>(base, async (request) => {
    const ext = await extension(request, deps, "instance:extension:database:index");
    const page = pageArgs(request.query);
    await ext.ready();
    const found = await ext.guest.listDatabases(page);
    return {
      databases: found.databases.map((d) => ({ name: d.name })),
      ...nextLinks(request, found.nextMarker),
    };
  });

  app.post<{ Params: Params; Body: CreateBody }>(
    base,
    { schema: { body: CreateBody }, preValidation: instanceFirst(deps) },
    async (request, reply) => {
      const ext = await extension(request, deps, "instance:extension:database:create");
      const databases = checkDatabaseSpecs(
        ext.caps,
        request.body.databases.map((d) => ({
          name: d.name,
          ...(d.character_set !== undefined ? { characterSet: d.character_set } : {}),
          ...(d.collate !== undefined ? { collate: d.collate } : {}),
        })),
      );
      await ext.ready();
      await ext.guest.createDatabases(databases);
      return reply.status(202).send();
    },
  );

  app.delete<{ Params: Params & { name: string } }>(`${base}/:name`, async (request, reply) => {
    const ext = await extension(request, deps, "instance:extension:database:delete");
    checkDatabaseName(ext.caps, request.params.name);
    await ext.ready();
    await ext.guest.deleteDatabase(request.params.name);
    return reply.status(202).send();
  });

  // Trove routes it and answers 501: there is nothing to show about a database but its name.
  app.get<{ Params: Params & { name: string } }>(`${base}/:name`, async (request) => {
    await extension(request, deps, "instance:extension:database:show");
    throw new NotImplementedError("DATABASE_SHOW_UNSUPPORTED", "Showing a single database is not supported.");
  });
}
