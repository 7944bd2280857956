import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../../deps.js";
import { collection, queryString, roleView } from "./views.js";

const CreateBody = Type.Object({ role: Type.Object({ name: Type.String() }) });

/** Keystone roles (admin only): admin, member and reader exist from the start; others may be added. */
export function roleRoutes(app: FastifyInstance, { identity }: ApiDeps): void {
  const d = identity.directory;

  app.get<{ Querystring: Record<string, string> }>(
    "/v3/roles",
    { config: { policy: "identity:list_roles" } },
    async (request) => {
      const name = queryString(request.query.name);
      const roles = await d.listRoles(name === undefined ? {} : { name });
      return collection(
        request,
        "roles",
        roles.map((r) => roleView(request, r)),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v3/roles/:id",
    { config: { policy: "identity:get_role" } },
    async (request) => {
      return { role: roleView(request, await d.getRole(request.params.id)) };
    },
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    "/v3/roles",
    { schema: { body: CreateBody }, config: { policy: "identity:create_role" } },
    async (request, reply) => {
      return reply.status(201).send({ role: roleView(request, await d.createRole(request.body.role.name)) });
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/v3/roles/:id",
    { config: { policy: "identity:delete_role" } },
    async (request, reply) => {
      await d.deleteRole(request.params.id);
      return reply.status(204).send();
    },
  );
}
