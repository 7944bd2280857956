import type { FastifyRequest } from "fastify";
import type { CatalogEndpoint, CatalogService } from "../../../identity/index.js";
import type { Domain, Project, Role, User } from "../../../store/index.js";

/** Keystone's JSON views of the identity resources, and its collection envelope. */

/** Base of the identity API as the client reached it, e.g. `http://127.0.0.1:8779/v3`. */
export function identityBase(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}/v3`;
}

export function collection<T>(request: FastifyRequest, key: string, items: T[]): Record<string, unknown> {
  return {
    [key]: items,
    links: { self: `${request.protocol}://${request.host}${request.url}`, previous: null, next: null },
  };
}

export function domainView(request: FastifyRequest, d: Domain) {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    enabled: d.enabled,
    tags: [],
    options: {},
    links: { self: `${identityBase(request)}/domains/${d.id}` },
  };
}

export function projectView(request: FastifyRequest, p: Project) {
  return {
    id: p.id,
    name: p.name,
    domain_id: p.domainId,
    description: p.description,
    enabled: p.enabled,
    parent_id: p.domainId,
    is_domain: false,
    tags: [],
    options: {},
    links: { self: `${identityBase(request)}/projects/${p.id}` },
  };
}

export function userView(request: FastifyRequest, u: User) {
  return {
    id: u.id,
    name: u.name,
    domain_id: u.domainId,
    enabled: u.enabled,
    ...(u.defaultProjectId === null ? {} : { default_project_id: u.defaultProjectId }),
    ...(u.email === null ? {} : { email: u.email }),
    password_expires_at: null,
    options: {},
    links: { self: `${identityBase(request)}/users/${u.id}` },
  };
}

export function roleView(request: FastifyRequest, r: Role) {
  return {
    id: r.id,
    name: r.name,
    domain_id: null,
    description: "",
    options: {},
    links: { self: `${identityBase(request)}/roles/${r.id}` },
  };
}

export function serviceView(request: FastifyRequest, s: CatalogService) {
  return { ...s, links: { self: `${identityBase(request)}/services/${s.id}` } };
}

export function endpointView(request: FastifyRequest, e: CatalogEndpoint) {
  return {
    id: e.id,
    interface: e.interface,
    region: e.region,
    region_id: e.region,
    service_id: e.serviceId,
    url: e.url,
    enabled: e.enabled,
    links: { self: `${identityBase(request)}/endpoints/${e.id}` },
  };
}

/** Keystone's boolean query filters: absent → undefined; "0"/"false"/"no"/"off" → false; else true. */
export function queryBool(value: unknown): boolean | undefined {
  if (typeof value !== "string") return value === undefined ? undefined : true;
  return !["0", "false", "no", "off"].includes(value.toLowerCase());
}

export function queryString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A path parameter of a request whose params are not typed at this point (policy targets). */
export function paramOf(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" ? value : "";
}

/** Keystone's `?name=&domain_id=&enabled=` filter of projects and users lists. */
export function directoryFilter(query: Record<string, unknown>): {
  name?: string;
  domainId?: string;
  enabled?: boolean;
} {
  const name = queryString(query.name);
  const domainId = queryString(query.domain_id);
  const enabled = queryBool(query.enabled);
  return {
    ...(name !== undefined ? { name } : {}),
    ...(domainId !== undefined ? { domainId } : {}),
    ...(enabled !== undefined ? { enabled } : {}),
  };
}
