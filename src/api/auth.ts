import type { FastifyInstance, FastifyRequest } from "fastify";
import { ForbiddenError, UnauthorizedError } from "../domain/index.js";
import {
  callerOf,
  canWrite,
  enforce,
  type Caller,
  type Identity,
  type PolicyAction,
  type PolicyTarget,
  type TokenInfo,
} from "../identity/index.js";

/**
 * Authentication and authorization at the HTTP edge.
 *  - `useDatabaseApiAuth(scope, identity)`: every route registered in `scope` (the Trove API,
 *    `/v1.0/:projectId/...`) needs a valid `X-Auth-Token` (401), scoped to the project in the URL
 *    (403, for admins too, as Trove's tenant check), and `/mgmt/*` needs the admin role (403).
 *    Writes (anything but GET/HEAD) need the member or admin role, unless the route says `readOnly`.
 *  - `useTokenAuth(scope, identity)`: a valid token of any scope (the Keystone admin API).
 *  In both scopes a route may declare `config: { policy, policyTarget }`, checked before the
 *  body is validated.
 *  - `authorize(request, action, target)`: the policy check route handlers call, e.g.
 *    `authorize(request, "instance:show", { ownerProjectId: instance.projectId })`.
 *  - `ownerFilter(request)`: the project to filter lookups by (undefined for admins, who may act
 *    on any project's resources by id through their own project's URL). Looking resources up
 *    with it makes another project's things 404 for non-admins, as in Trove.
 */

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * The policy action of the route, checked before the body is validated (so a caller who may
     * not act gets 403, never a 400 about the body). Routes whose target is a loaded resource
     * call `authorize` themselves instead.
     */
    policy?: PolicyAction;
    /** The target for `policy`, from the request's params; defaults to the caller's own. */
    policyTarget?: (request: FastifyRequest) => PolicyTarget;
    /** A non-GET route of the database API that only reads (readers may call it). */
    readOnly?: boolean;
  }
  interface FastifyRequest {
    /** Who is asking, from the validated `X-Auth-Token`; null until an auth hook has run. */
    caller: Caller | null;
    /** The validated token behind `caller`. */
    token: TokenInfo | null;
  }
}

/** Adds the request fields; call once on the root app before registering route scopes. */
export function decorateAuth(app: FastifyInstance): void {
  app.decorateRequest("caller", null);
  app.decorateRequest("token", null);
}

/** Validates the request's `X-Auth-Token` and records the caller on the request. */
export async function authenticate(request: FastifyRequest, identity: Identity): Promise<Caller> {
  const header = request.headers["x-auth-token"];
  const secret = Array.isArray(header) ? header[0] : header;
  const checks = request.server.metrics.tokenChecks;
  if (!secret) {
    checks.inc({ result: "missing" });
    throw new UnauthorizedError("TOKEN_MISSING", "The request you have made requires authentication.");
  }
  const info = await identity.tokens.validate(secret).catch((err: unknown) => {
    checks.inc({ result: err instanceof UnauthorizedError ? "invalid" : "error" });
    throw err;
  });
  checks.inc({ result: "valid" });
  request.token = info;
  request.caller = callerOf(info);
  return request.caller;
}

/** Marks every route of the scope as needing a token (the OpenAPI document says so, openapi.ts). */
function markTokenRequired(scope: FastifyInstance): void {
  scope.addHook("onRoute", (route) => {
    route.config = { ...route.config, tokenRequired: true };
  });
}

export function useTokenAuth(scope: FastifyInstance, identity: Identity): void {
  markTokenRequired(scope);
  scope.addHook("onRequest", async (request) => {
    await authenticate(request, identity);
  });
  useRoutePolicy(scope);
}

/** Enforces each route's `config.policy` before validation. */
function useRoutePolicy(scope: FastifyInstance): void {
  scope.addHook("preValidation", async (request) => {
    const { policy, policyTarget } = request.routeOptions.config;
    if (policy !== undefined) authorize(request, policy, policyTarget ? policyTarget(request) : {});
  });
}

const READ_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

export function useDatabaseApiAuth(scope: FastifyInstance, identity: Identity): void {
  markTokenRequired(scope);
  scope.addHook("onRequest", async (request) => {
    const caller = await authenticate(request, identity);
    const [version, projectId, collection] = pathSegments(request.url);
    if (version !== "v1.0" || projectId === undefined || projectId !== caller.projectId) {
      throw new ForbiddenError(
        "TENANT_MISMATCH",
        `User with tenant id ${caller.projectId ?? "(none)"} cannot access this resource.`,
      );
    }
    if (collection === "mgmt" && !caller.isAdmin) {
      throw new ForbiddenError("ADMIN_REQUIRED", "User does not have admin privileges.");
    }
    // "A reader may only read", for every route, even one that forgets its policy check.
    if (!READ_METHODS.has(request.method) && !canWrite(caller) && !request.routeOptions.config.readOnly) {
      throw new ForbiddenError("READ_ONLY_ROLE", "Your role on this project only allows reading.");
    }
  });
  useRoutePolicy(scope);
}

/** The policy check for route handlers; throws 403 (or 401 if no auth hook ran). */
export function authorize(request: FastifyRequest, action: PolicyAction, target: PolicyTarget = {}): Caller {
  const caller = requireCaller(request);
  enforce(caller, action, target);
  return caller;
}

export function requireCaller(request: FastifyRequest): Caller {
  if (!request.caller) {
    throw new UnauthorizedError("TOKEN_MISSING", "The request you have made requires authentication.");
  }
  return request.caller;
}

/** The project lookups must be limited to: the caller's own, or none for an admin. */
export function ownerFilter(request: FastifyRequest): string | undefined {
  const caller = requireCaller(request);
  return caller.isAdmin ? undefined : (caller.projectId ?? "\0no-project");
}

/** `/v1.0/p/instances/x?y` → ["v1.0", "p", "instances", "x"], each URL-decoded. */
function pathSegments(url: string): string[] {
  const path = url.split("?")[0] ?? "";
  return path
    .split("/")
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}
