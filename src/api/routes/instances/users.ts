import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ValidationError } from "../../../domain/index.js";
import {
  checkHost,
  checkPassword,
  checkUserName,
  checkUserRef,
  checkUserSpecs,
  parseUserId,
  userKey,
  type UserView,
} from "../../../guestagent/index.js";
import type { ApiDeps } from "../../deps.js";
import { extension, instanceFirst, named, nextLinks, pageArgs, type PageQuery } from "./extension.js";

type Params = { projectId: string; id: string };
type UserParams = Params & { user: string };
const strict = { additionalProperties: false } as const;
const CreateBody = Type.Object({
  users: Type.Array(
    Type.Object(
      {
        name: Type.String(),
        password: Type.String(),
        host: Type.Optional(Type.String()),
        databases: Type.Optional(Type.Array(Type.Object({ name: Type.String() }, strict))),
      },
      strict,
    ),
    { minItems: 1 },
  ),
});
const PasswordsBody = Type.Object({
  users: Type.Array(
    Type.Object({ name: Type.String(), password: Type.String(), host: Type.Optional(Type.String()) }, strict),
    { minItems: 1 },
  ),
});
const UpdateBody = Type.Object({
  user: Type.Object(
    {
      name: Type.Optional(Type.String()),
      password: Type.Optional(Type.String()),
      host: Type.Optional(Type.String()),
    },
    { ...strict, minProperties: 1 },
  ),
});

/**
 * A user as Trove shows it: name, host, databases as `[{name}]`. Trove's users always have a
 * host: `%` on engines whose accounts have none (PostgreSQL), and clients build ids from it
 * (Horizon's Users tab keys its rows by `name@host`).
 */
export function userView(user: UserView): Record<string, unknown> {
  return { name: user.name, host: user.host ?? "%", databases: named(user.databases) };
}

/** Users of an instance (§2.6); their access to databases is in user-access.ts. */
export function userRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const base = "/v1.0/:projectId/instances/:id/users";
  const withBody = { preValidation: instanceFirst(deps) };

  app.get<{ Params: Params; Querystring: PageQuery }>(base, async (request) => {
    const ext = await extension(request, deps, "instance:extension:user:index");
    const page = pageArgs(request.query);
    await ext.ready();
    const found = await ext.guest.listUsers(page);
    return { users: found.users.map(userView), ...nextLinks(request, found.nextMarker) };
  });

  app.post<{ Params: Params; Body: Static<typeof CreateBody> }>(
    base,
    { schema: { body: CreateBody }, ...withBody },
    async (request, reply) => {
      const ext = await extension(request, deps, "instance:extension:user:create");
      const users = checkUserSpecs(
        ext.caps,
        request.body.users.map((u) => ({
          name: u.name,
          password: u.password,
          ...(u.host !== undefined ? { host: u.host } : {}),
          databases: (u.databases ?? []).map((d) => d.name),
        })),
      );
      await ext.ready();
      await ext.guest.createUsers(users);
      return reply.status(202).send();
    },
  );

  // Bulk password change: every user must exist (404), and all change or none does.
  app.put<{ Params: Params; Body: Static<typeof PasswordsBody> }>(
    base,
    { schema: { body: PasswordsBody }, ...withBody },
    async (request, reply) => {
      const ext = await extension(request, deps, "instance:extension:user:update_all");
      const users = request.body.users.map((u) => {
        const ref = checkUserRef(ext.caps, u);
        checkPassword(u.password, `user "${userKey(ref)}"`);
        return { ...ref, password: u.password };
      });
      await ext.ready();
      await ext.guest.changePasswords(users);
      return reply.status(202).send();
    },
  );

  app.get<{ Params: UserParams }>(`${base}/:user`, async (request) => {
    const ext = await extension(request, deps, "instance:extension:user:show");
    const user = parseUserId(ext.caps, request.params.user);
    await ext.ready();
    return { user: userView(await ext.guest.getUser(user)) };
  });

  app.put<{ Params: UserParams; Body: Static<typeof UpdateBody> }>(
    `${base}/:user`,
    { schema: { body: UpdateBody }, ...withBody },
    async (request, reply) => {
      const ext = await extension(request, deps, "instance:extension:user:update");
      const user = parseUserId(ext.caps, request.params.user);
      const { name, password, host } = request.body.user;
      if (name !== undefined) checkUserName(ext.caps, name);
      if (host !== undefined) checkHost(ext.caps, host);
      if (password !== undefined) checkPassword(password, `user "${userKey(user)}"`);
      if (name === undefined && password === undefined && host === undefined) {
        throw new ValidationError("USER_UPDATE_EMPTY", `Nothing to change for user ${userKey(user)}.`);
      }
      await ext.ready();
      await ext.guest.updateUser(user, {
        ...(name !== undefined ? { name } : {}),
        ...(host !== undefined ? { host } : {}),
        ...(password !== undefined ? { password } : {}),
      });
      return reply.status(202).send();
    },
  );

  app.delete<{ Params: UserParams }>(`${base}/:user`, async (request, reply) => {
    const ext = await extension(request, deps, "instance:extension:user:delete");
    const user = parseUserId(ext.caps, request.params.user);
    await ext.ready();
    await ext.guest.deleteUser(user);
    return reply.status(202).send();
  });
}
