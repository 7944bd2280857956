import type { FastifyInstance, FastifyRequest } from "fastify";
import { NotFoundError, ValidationError } from "../../../../domain/index.js";
import { allows } from "../../../../identity/index.js";
import type { Instance } from "../../../../store/index.js";
import { authorize, ownerFilter } from "../../../auth.js";
import type { ApiDeps } from "../../../deps.js";
import { page, type PageQuery } from "../paging.js";
import { collectionUrl } from "./links.js";
import { novaStatus, serverAddresses, serverBrief, serverDetail } from "./server-view.js";
import { DEFAULT_AVAILABILITY_ZONE } from "./zones.js";

/**
 * Read-only servers: list, detail and show, one per live database instance. Nova's filters that
 * mean something here are honoured (name and ip as regular expressions, status, flavor,
 * availability_zone, changes-since; all_tenants, project_id/tenant_id and host for admins); the
 * others are ignored, as Nova ignores filters it does not know.
 */
type ServerQuery = PageQuery & {
  all_tenants?: string;
  project_id?: string;
  tenant_id?: string;
  name?: string;
  ip?: string;
  status?: string;
  flavor?: string;
  host?: string;
  availability_zone?: string;
  "changes-since"?: string;
  sort_dir?: string;
};

export function computeServerRoutes(app: FastifyInstance, { store }: ApiDeps): void {
  const list = (detail: boolean) => async (request: FastifyRequest<{ Querystring: ServerQuery }>) => {
    const caller = authorize(request, "compute:servers:index");
    const q = request.query;
    const allTenants = q.all_tenants !== undefined && !/^(false|0|no|off)$/i.test(q.all_tenants);
    if (allTenants) authorize(request, "compute:servers:index:all_tenants");
    const project = allTenants ? (q.project_id ?? q.tenant_id) : (caller.projectId ?? "\0no-project");
    const rows = await store.instances.list(project === undefined ? {} : { projectId: project });
    const extended = allows(caller, "compute:servers:show:extended_attributes");
    const matching = rows.filter(filterOf(q, extended));
    // Nova's default order: newest first.
    const sign = q.sort_dir === "asc" ? 1 : -1;
    matching.sort((a, b) => sign * (a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1)));
    const { items, next } = page(request, matching, (i) => i.id, collectionUrl(request));
    return {
      servers: items.map((i) =>
        detail ? serverDetail(request, i, { extendedAttributes: extended }) : serverBrief(request, i),
      ),
      ...(next ? { servers_links: next } : {}),
    };
  };
  app.get("/servers", list(false));
  app.get("/servers/detail", list(true));

  app.get<{ Params: { id: string } }>("/servers/:id", async (request) => {
    const caller = authorize(request, "compute:servers:show");
    const owner = ownerFilter(request);
    const instance = await store.instances.get(request.params.id);
    if (!instance || (owner !== undefined && instance.projectId !== owner)) {
      throw new NotFoundError("SERVER_NOT_FOUND", `Instance ${request.params.id} could not be found.`);
    }
    const extended = allows(caller, "compute:servers:show:extended_attributes");
    return { server: serverDetail(request, instance, { extendedAttributes: extended }) };
  });
}

/** The list filters as one predicate; a bad value is Nova's 400. */
function filterOf(q: ServerQuery, admin: boolean): (i: Instance) => boolean {
  const checks: ((i: Instance) => boolean)[] = [];
  if (q.name !== undefined) {
    const re = pattern(q.name, "name");
    checks.push((i) => re.test(i.name));
  }
  if (q.ip !== undefined) {
    const re = pattern(q.ip, "ip");
    checks.push((i) => serverAddresses(i).some((a) => re.test(a)));
  }
  if (q.status !== undefined) {
    const status = q.status.toUpperCase();
    checks.push((i) => novaStatus(i) === status);
  }
  if (q.flavor !== undefined) checks.push((i) => i.flavorId === q.flavor);
  if (q.availability_zone !== undefined) {
    checks.push((i) => (i.availabilityZone ?? DEFAULT_AVAILABILITY_ZONE) === q.availability_zone);
  }
  if (q.host !== undefined && admin) checks.push((i) => i.host === q.host);
  const since = q["changes-since"];
  if (since !== undefined) {
    const at = Date.parse(since);
    if (Number.isNaN(at)) {
      throw new ValidationError("REQUEST_INVALID", `Invalid filter field: changes-since (${since}).`);
    }
    checks.push((i) => i.updatedAt.getTime() >= at);
  }
  return (i) => checks.every((check) => check(i));
}

/**
 * Nova's name and ip filters are regular expressions (searched, not anchored). A pattern that
 * nests quantifiers could backtrack for ever on the event loop, so such patterns are refused.
 */
function pattern(source: string, field: string): RegExp {
  const nested = /\([^)]*[*+}][^)]*\)\s*[*+{]/.test(source);
  if (source.length > 255 || nested) {
    throw new ValidationError("REQUEST_INVALID", `Invalid filter field: ${field}: pattern too complex.`);
  }
  try {
    return new RegExp(source);
  } catch {
    throw new ValidationError("REQUEST_INVALID", `Invalid filter field: ${field}: not a regular expression.`);
  }
}
