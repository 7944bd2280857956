import type { FastifyInstance, FastifyRequest } from "fastify";
import { NotFoundError } from "../../../domain/index.js";
import type { Project, Role, RoleAssignment, User } from "../../../store/index.js";
import type { ApiDeps } from "../../deps.js";
import { collection, identityBase, queryBool, queryString, roleView } from "./views.js";

type GrantParams = { id: string; user: string; role: string };

/**
 * Role grants on projects (`PUT/GET/HEAD/DELETE /v3/projects/{p}/users/{u}/roles/{r}`, the list
 * of a user's roles on a project) and `GET /v3/role_assignments` with Keystone's filters
 * (`user.id`, `scope.project.id`, `role.id`, `include_names`). Admin only. Coffer has no groups,
 * domain or system assignments, so filters on those match nothing.
 */
export function roleAssignmentRoutes(app: FastifyInstance, { identity }: ApiDeps): void {
  const d = identity.directory;
  const grantPath = "/v3/projects/:id/users/:user/roles/:role";

  app.put<{ Params: GrantParams }>(
    grantPath,
    { config: { policy: "identity:create_grant" } },
    async (request, reply) => {
      const { id: project, user, role } = request.params;
      await d.grant(project, user, role);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: GrantParams }>(
    grantPath,
    { config: { policy: "identity:check_grant" } },
    async (request, reply) => {
      const { id: project, user, role } = request.params;
      if (!(await d.hasGrant(project, user, role))) {
        throw new NotFoundError("ROLE_ASSIGNMENT_NOT_FOUND", `Could not find role assignment: ${role}.`);
      }
      return reply.status(204).send();
    },
  );

  app.delete<{ Params: GrantParams }>(
    grantPath,
    { config: { policy: "identity:revoke_grant" } },
    async (request, reply) => {
      const { id: project, user, role } = request.params;
      await d.revoke(project, user, role);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { id: string; user: string } }>(
    "/v3/projects/:id/users/:user/roles",
    { config: { policy: "identity:list_role_assignments" } },
    async (request) => {
      const roles = await d.rolesOf(request.params.id, request.params.user);
      return collection(
        request,
        "roles",
        roles.map((r) => roleView(request, r)),
      );
    },
  );

  app.get<{ Querystring: Record<string, string> }>(
    "/v3/role_assignments",
    { config: { policy: "identity:list_role_assignments" } },
    async (request) => {
      const q = request.query;
      const unsupported = ["group.id", "scope.domain.id", "scope.system", "scope.OS-INHERIT:inherited_to"];
      if (unsupported.some((k) => q[k] !== undefined)) return collection(request, "role_assignments", []);
      const filter: Partial<RoleAssignment> = {};
      const userId = queryString(q["user.id"]);
      const projectId = queryString(q["scope.project.id"]);
      const roleId = queryString(q["role.id"]);
      if (userId !== undefined) filter.userId = userId;
      if (projectId !== undefined) filter.projectId = projectId;
      if (roleId !== undefined) filter.roleId = roleId;
      const assignments = await d.listAssignments(filter);
      const names =
        queryBool(q.include_names) === true ? await lookups(identity.directory, assignments) : undefined;
      return collection(
        request,
        "role_assignments",
        assignments.map((a) => assignmentView(request, a, names)),
      );
    },
  );
}

interface Names {
  users: Map<string, User>;
  projects: Map<string, Project>;
  roles: Map<string, Role>;
  domains: Map<string, string>;
}

async function lookups(d: ApiDeps["identity"]["directory"], assignments: RoleAssignment[]): Promise<Names> {
  const wanted = (f: (a: RoleAssignment) => string) => new Set(assignments.map(f));
  const userIds = wanted((a) => a.userId);
  const projectIds = wanted((a) => a.projectId);
  const roleIds = wanted((a) => a.roleId);
  return {
    users: new Map((await d.listUsers()).filter((u) => userIds.has(u.id)).map((u) => [u.id, u])),
    projects: new Map((await d.listProjects()).filter((p) => projectIds.has(p.id)).map((p) => [p.id, p])),
    roles: new Map((await d.listRoles()).filter((r) => roleIds.has(r.id)).map((r) => [r.id, r])),
    domains: new Map((await d.listDomains()).map((x) => [x.id, x.name])),
  };
}

function assignmentView(request: FastifyRequest, a: RoleAssignment, names?: Names) {
  const link = `${identityBase(request)}/projects/${a.projectId}/users/${a.userId}/roles/${a.roleId}`;
  if (!names) {
    return {
      role: { id: a.roleId },
      user: { id: a.userId },
      scope: { project: { id: a.projectId } },
      links: { assignment: link },
    };
  }
  const domain = (id: string | undefined) => ({ id: id ?? "", name: names.domains.get(id ?? "") ?? "" });
  const user = names.users.get(a.userId);
  const project = names.projects.get(a.projectId);
  return {
    role: { id: a.roleId, name: names.roles.get(a.roleId)?.name ?? "" },
    user: { id: a.userId, name: user?.name ?? "", domain: domain(user?.domainId) },
    scope: { project: { id: a.projectId, name: project?.name ?? "", domain: domain(project?.domainId) } },
    links: { assignment: link },
  };
}
