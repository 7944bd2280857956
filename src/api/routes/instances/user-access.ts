import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { checkDatabaseName, checkGrantList, parseUserId, userKey } from "../../../guestagent/index.js";
import type { ApiDeps } from "../../deps.js";
import { extension, instanceFirst, named } from "./extension.js";

type Params = { projectId: string; id: string; user: string };
const GrantBody = Type.Object({
  databases: Type.Array(Type.Object({ name: Type.String() }, { additionalProperties: false }), {
    minItems: 1,
  }),
});

/** Which databases a user may use (§2.6): show, grant, revoke. */
export function userAccessRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const base = "/v1.0/:projectId/instances/:id/users/:user/databases";

  app.get<{ Params: Params }>(base, async (request) => {
    const ext = await extension(request, deps, "instance:extension:user_access:index");
    const user = parseUserId(ext.caps, request.params.user);
    await ext.ready();
    return { databases: named(await ext.guest.listAccess(user)) };
  });

  app.put<{ Params: Params; Body: Static<typeof GrantBody> }>(
    base,
    { schema: { body: GrantBody }, preValidation: instanceFirst(deps) },
    async (request, reply) => {
      const ext = await extension(request, deps, "instance:extension:user_access:update");
      const user = parseUserId(ext.caps, request.params.user);
      const databases = checkGrantList(
        ext.caps,
        request.body.databases.map((d) => d.name),
        userKey(user),
      );
      await ext.ready();
      await ext.guest.grantAccess(user, databases);
      return reply.status(202).send();
    },
  );

  app.delete<{ Params: Params & { database: string } }>(`${base}/:database`, async (request, reply) => {
    const ext = await extension(request, deps, "instance:extension:user_access:delete");
    const user = parseUserId(ext.caps, request.params.user);
    checkDatabaseName(ext.caps, request.params.database);
    await ext.ready();
    await ext.guest.revokeAccess(user, request.params.database);
    return reply.status(202).send();
  });
}
