import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  EVENT_KINDS,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  isEventKind,
  type InstanceEvent,
} from "../../domain/index.js";
import type { EventFilter } from "../../store/index.js";
import { authorize, ownerFilter } from "../auth.js";
import type { ApiDeps } from "../deps.js";
import { nextHref } from "./instances/read.js";

type EventQuery = {
  limit?: string;
  marker?: string;
  kind?: string;
  since?: string;
  instance_id?: string;
  all_projects?: string;
};

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/**
 * Coffer's extension (docs/observability.md): instance events, newest first.
 *  - `GET instances/{id}/events`: one instance's, for its project (also after it was deleted).
 *  - `GET events`: the project's (`instance_id` to narrow; an admin's `all_projects=1`: everyone's).
 * Both take `kind`, `since` (an ISO 8601 time), `limit` (20, at most 100) and `marker`.
 */
export function eventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;

  app.get<{ Params: { projectId: string; id: string }; Querystring: EventQuery }>(
    "/v1.0/:projectId/instances/:id/events",
    async (request) => {
      // A deleted instance keeps its history, so it is looked up with the deleted ones.
      const instance = await store.instances.get(request.params.id, { includeDeleted: true });
      const owner = ownerFilter(request);
      if (!instance || (owner !== undefined && instance.projectId !== owner)) {
        throw new NotFoundError("INSTANCE_NOT_FOUND", `Resource ${request.params.id} cannot be found.`);
      }
      authorize(request, "instance:events", { ownerProjectId: instance.projectId });
      return page(request, { ...filterOf(request.query), instanceId: request.params.id });
    },
  );

  app.get<{ Params: { projectId: string }; Querystring: EventQuery }>(
    "/v1.0/:projectId/events",
    async (request) => {
      const caller = authorize(request, "event:index", { ownerProjectId: request.params.projectId });
      const all = request.query.all_projects;
      const everyone = all !== undefined && all !== "0" && all.toLowerCase() !== "false";
      if (everyone && !caller.isAdmin) {
        throw new ForbiddenError("ADMIN_REQUIRED", "Every project's events need the admin role.");
      }
      const filter = filterOf(request.query);
      if (request.query.instance_id) filter.instanceId = request.query.instance_id;
      if (!everyone) filter.projectId = request.params.projectId;
      return page(request, filter);
    },
  );

  async function page(request: FastifyRequest<{ Querystring: EventQuery }>, filter: EventFilter) {
    const limit = filter.limit ?? DEFAULT_PAGE;
    const rows = await store.events.list({ ...filter, limit: limit + 1 });
    const events = rows.slice(0, limit);
    const body: Record<string, unknown> = { events: events.map(eventView) };
    if (rows.length > limit) body.links = [{ rel: "next", href: nextHref(request, events.at(-1)!.id) }];
    return body;
  }
}

function filterOf(query: EventQuery): EventFilter {
  const filter: EventFilter = {};
  if (query.limit !== undefined) {
    if (!/^\d+$/.test(query.limit) || Number(query.limit) < 1) {
      throw new ValidationError("LIMIT_INVALID", `limit must be a positive integer, got "${query.limit}".`);
    }
    filter.limit = Math.min(Number(query.limit), MAX_PAGE);
  }
  if (query.marker) filter.before = query.marker;
  if (query.kind !== undefined) {
    if (!isEventKind(query.kind)) {
      throw new ValidationError(
        "EVENT_KIND_INVALID",
        `kind must be one of ${Object.keys(EVENT_KINDS).join(", ")}; got "${query.kind}".`,
      );
    }
    filter.kind = query.kind;
  }
  if (query.since !== undefined) {
    const since = new Date(query.since);
    if (!/^\d{4}-\d\d-\d\d/.test(query.since) || Number.isNaN(since.getTime())) {
      throw new ValidationError(
        "EVENT_SINCE_INVALID",
        `since must be an ISO 8601 time, got "${query.since}".`,
      );
    }
    filter.since = since;
  }
  return filter;
}

export function eventView(e: InstanceEvent): Record<string, unknown> {
  return {
    id: e.id,
    time: e.at.toISOString(),
    kind: e.kind,
    level: isEventKind(e.kind) ? EVENT_KINDS[e.kind].level : "info",
    instance_id: e.instanceId,
    project_id: e.projectId,
    cause: e.cause,
    details: e.details,
  };
}
