import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ValidationError } from "../../../domain/index.js";
import type { ProjectChanges } from "../../../identity/index.js";
import type { ApiDeps } from "../../deps.js";
import { collection, directoryFilter, projectView, paramOf } from "./views.js";

const ProjectFields = {
  name: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  enabled: Type.Optional(Type.Boolean()),
  domain_id: Type.Optional(Type.String()),
  parent_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  is_domain: Type.Optional(Type.Boolean()),
};
const CreateBody = Type.Object({ project: Type.Object({ ...ProjectFields, name: Type.String() }) });
const UpdateBody = Type.Object({ project: Type.Object(ProjectFields) });

/** Keystone projects: list/create/update/delete for admins; a member may read its own project. */
export function projectRoutes(app: FastifyInstance, { identity }: ApiDeps): void {
  const d = identity.directory;

  app.get<{ Querystring: Record<string, string> }>(
    "/v3/projects",
    { config: { policy: "identity:list_projects" } },
    async (request) => {
      const filter = directoryFilter(request.query);
      const projects = await d.listProjects(filter);
      return collection(
        request,
        "projects",
        projects.map((p) => projectView(request, p)),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v3/projects/:id",
    {
      config: { policy: "identity:get_project", policyTarget: (r) => ({ ownerProjectId: paramOf(r, "id") }) },
    },
    async (request) => {
      return { project: projectView(request, await d.getProject(request.params.id)) };
    },
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    "/v3/projects",
    { schema: { body: CreateBody }, config: { policy: "identity:create_project" } },
    async (request, reply) => {
      const body = request.body.project;
      checkFlat(body);
      const input: Parameters<typeof d.createProject>[0] = { name: body.name };
      if (body.domain_id !== undefined) input.domainId = body.domain_id;
      if (body.description !== undefined) input.description = body.description;
      if (body.enabled !== undefined) input.enabled = body.enabled;
      const project = await d.createProject(input);
      return reply.status(201).send({ project: projectView(request, project) });
    },
  );

  app.patch<{ Params: { id: string }; Body: Static<typeof UpdateBody> }>(
    "/v3/projects/:id",
    { schema: { body: UpdateBody }, config: { policy: "identity:update_project" } },
    async (request) => {
      const body = request.body.project;
      const changes: ProjectChanges = {};
      if (body.name !== undefined) changes.name = body.name;
      if (body.description !== undefined) changes.description = body.description;
      if (body.enabled !== undefined) changes.enabled = body.enabled;
      return { project: projectView(request, await d.updateProject(request.params.id, changes)) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/v3/projects/:id",
    { config: { policy: "identity:delete_project" } },
    async (request, reply) => {
      await d.deleteProject(request.params.id);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v3/users/:id/projects",
    {
      config: { policy: "identity:list_user_projects", policyTarget: (r) => ({ userId: paramOf(r, "id") }) },
    },
    async (request) => {
      await d.getUser(request.params.id);
      const projects = await d.projectsOfUser(request.params.id);
      return collection(
        request,
        "projects",
        projects.map((p) => projectView(request, p)),
      );
    },
  );
}

/** Coffer's projects are flat: a parent other than the domain, or a project acting as a domain, is refused. */
function checkFlat(body: { parent_id?: string | null; is_domain?: boolean; domain_id?: string }): void {
  if (body.is_domain === true) {
    throw new ValidationError(
      "PROJECT_AS_DOMAIN_UNSUPPORTED",
      "Projects acting as domains are not supported.",
    );
  }
  const parent = body.parent_id;
  if (parent !== undefined && parent !== null && parent !== (body.domain_id ?? "default")) {
    throw new ValidationError("PROJECT_HIERARCHY_UNSUPPORTED", "Nested projects are not supported.");
  }
}
