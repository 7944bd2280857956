import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { NewUserInput, UserChanges } from "../../../identity/index.js";
import type { ApiDeps } from "../../deps.js";
import { collection, directoryFilter, userView, paramOf } from "./views.js";

const UserFields = {
  name: Type.Optional(Type.String()),
  password: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  domain_id: Type.Optional(Type.String()),
  default_project_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  enabled: Type.Optional(Type.Boolean()),
  email: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
};
const CreateBody = Type.Object({ user: Type.Object({ ...UserFields, name: Type.String() }) });
const UpdateBody = Type.Object({ user: Type.Object(UserFields) });
const PasswordBody = Type.Object({
  user: Type.Object({ password: Type.String(), original_password: Type.String() }),
});

/** Keystone users: admins manage them; a user may read itself and change its own password. */
export function userRoutes(app: FastifyInstance, { identity }: ApiDeps): void {
  const d = identity.directory;

  app.get<{ Querystring: Record<string, string> }>(
    "/v3/users",
    { config: { policy: "identity:list_users" } },
    async (request) => {
      const filter = directoryFilter(request.query);
      const users = await d.listUsers(filter);
      return collection(
        request,
        "users",
        users.map((u) => userView(request, u)),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v3/users/:id",
    { config: { policy: "identity:get_user", policyTarget: (r) => ({ userId: paramOf(r, "id") }) } },
    async (request) => {
      return { user: userView(request, await d.getUser(request.params.id)) };
    },
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    "/v3/users",
    { schema: { body: CreateBody }, config: { policy: "identity:create_user" } },
    async (request, reply) => {
      const body = request.body.user;
      const input: NewUserInput = { name: body.name };
      if (body.domain_id !== undefined) input.domainId = body.domain_id;
      if (typeof body.password === "string") input.password = body.password;
      if (body.enabled !== undefined) input.enabled = body.enabled;
      if (body.default_project_id !== undefined) input.defaultProjectId = body.default_project_id;
      if (body.email !== undefined) input.email = body.email;
      const user = await d.createUser(input);
      return reply.status(201).send({ user: userView(request, user) });
    },
  );

  app.patch<{ Params: { id: string }; Body: Static<typeof UpdateBody> }>(
    "/v3/users/:id",
    { schema: { body: UpdateBody }, config: { policy: "identity:update_user" } },
    async (request) => {
      const body = request.body.user;
      const changes: UserChanges = {};
      if (body.name !== undefined) changes.name = body.name;
      if (typeof body.password === "string") changes.password = body.password;
      if (body.enabled !== undefined) changes.enabled = body.enabled;
      if (body.default_project_id !== undefined) changes.defaultProjectId = body.default_project_id;
      if (body.email !== undefined) changes.email = body.email;
      return { user: userView(request, await d.updateUser(request.params.id, changes)) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/v3/users/:id",
    { config: { policy: "identity:delete_user" } },
    async (request, reply) => {
      await d.deleteUser(request.params.id);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof PasswordBody> }>(
    "/v3/users/:id/password",
    {
      schema: { body: PasswordBody },
      config: { policy: "identity:change_password", policyTarget: (r) => ({ userId: paramOf(r, "id") }) },
    },
    async (request, reply) => {
      const { password, original_password } = request.body.user;
      await d.changePassword(request.params.id, original_password, password);
      return reply.status(204).send();
    },
  );
}
