import { randomUUID } from "node:crypto";
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from "fastify";
import type { CofferError } from "../domain/index.js";
import { ValidationError } from "../domain/index.js";
import type { ApiDeps } from "./deps.js";
import { faultBody, isKeystonePath, keystoneErrorBody } from "./faults.js";
import { faultFor, fromFramework, sendClientError, sendFrameworkError } from "./framework-errors.js";
import { registerOpenApi } from "./openapi.js";
import { registerRoutes } from "./routes/index.js";

/**
 * Builds the HTTP application without listening (Fastify's app/server split), so tests can use
 * `app.inject()` and the server decides where to listen.
 */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  // Widened to the base logger type so the app keeps Fastify's default instance type.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    genReqId: () => `req-${randomUUID()}`,
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    // Ids and names in paths may be long (Keystone names up to 255 characters, percent-encoded).
    routerOptions: { maxParamLength: 1024, querystringParser: lastValueWins },
    frameworkErrors: sendFrameworkError,
    clientErrorHandler: sendClientError,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    schemaErrorFormatter: (errors, dataVar) => {
      const parts = errors.map(
        (e) => `${troveErrorPath(dataVar, e.instancePath)} ${e.message ?? "is invalid"}`,
      );
      return new ValidationError("REQUEST_INVALID", `Validation error: ${parts.join("; ")}`);
    },
  });

  // Trove's clients send JSON (and sometimes `Content-Type: application/json` with no body at all,
  // e.g. keystone role assignment PUTs): an empty body is no body, never a 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ValidationError("MALFORMED_JSON", "The request body is not valid JSON."), undefined);
    }
  });

  app.addHook("onSend", async (request, reply) => {
    reply.header("x-openstack-request-id", request.id);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const message = `The resource could not be found: ${request.method} ${request.url}.`;
    const body = faultBody(404, message);
    return reply
      .status(404)
      .send(isKeystonePath(request.url) ? keystoneErrorBody({ status: 404, body }) : body);
  });

  app.setErrorHandler(async (error: FastifyError | CofferError, request, reply) => {
    const err = fromFramework(error);
    const fault = faultFor(err, request.id, request.url);
    if (fault.status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ code: err.code, status: fault.status }, err.message);
    const retryAfter = err.details?.retryAfter;
    if (typeof retryAfter === "number") reply.header("retry-after", String(retryAfter));
    return reply.status(fault.status).send(fault.body);
  });

  await registerOpenApi(app);
  await registerRoutes(app, deps);
  return app;
}

/**
 * A repeated query parameter (`?marker=a&marker=b`) reads as its last value, as webob's
 * `request.GET.get()` in Trove and Keystone does; the routes then only ever see strings (the
 * route fuzzer found a 500 where an array reached the store).
 */
function lastValueWins(query: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of new URLSearchParams(query)) out[key] = value;
  return out;
}

/** `/instance/volume/size` on body → `instance['volume']['size']`, as Trove words validation paths. */
function troveErrorPath(dataVar: string, instancePath: string): string {
  const parts = instancePath.split("/").filter(Boolean);
  if (parts.length === 0) return dataVar === "body" ? "request body" : dataVar;
  return (
    parts[0] +
    parts
      .slice(1)
      .map((p) => `['${p}']`)
      .join("")
  );
}
