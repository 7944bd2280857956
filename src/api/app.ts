import { randomUUID } from "node:crypto";
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from "fastify";
import { ValidationError, type CofferError } from "../domain/index.js";
import { createMetrics, type Metrics } from "../metrics/index.js";
import type { ApiDeps } from "./deps.js";
import { faultBody, isKeystonePath, keystoneErrorBody } from "./faults.js";
import { faultFor, fromFramework, sendClientError, sendFrameworkError } from "./framework-errors.js";
import { registerOpenApi } from "./openapi.js";
import { trackRequests } from "./origin.js";
import { registerRoutes } from "./routes/index.js";
import { checkScrapeAccess, sendMetrics } from "./routes/metrics.js";

declare module "fastify" {
  interface FastifyInstance {
    /** The process's metrics: routes and hooks count into it. */
    metrics: Metrics;
  }
}

/**
 * Builds the HTTP application without listening (Fastify's app/server split), so tests can use
 * `app.inject()` and the server decides where to listen.
 */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = baseApp(deps);
  await registerOpenApi(app);
  await registerRoutes(app, deps);
  return app;
}

/** What a process without the api role serves on --metrics-port: its own /metrics, nothing else. */
export type MetricsAppDeps = Pick<ApiDeps, "config" | "logger" | "clock" | "identity" | "store"> & {
  metrics: Metrics;
};

export async function buildMetricsApp(deps: MetricsAppDeps): Promise<FastifyInstance> {
  const app = baseApp(deps);
  app.get("/metrics", async (request, reply) => {
    await checkScrapeAccess(request, deps);
    return sendMetrics(reply, deps, "process");
  });
  return app;
}

/** Fastify with Coffer's request ids, JSON parsing, request log lines, metrics and faults. */
function baseApp(deps: Pick<ApiDeps, "logger" | "metrics">): FastifyInstance {
  // Widened to the base logger type so the app keeps Fastify's default instance type.
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ component: "api" });
  const app = Fastify({
    loggerInstance,
    // One line per request, when it is answered (onResponse below), instead of two.
    logController: new LogController({ disableRequestLogging: true }),
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

  const metrics = deps.metrics ?? createMetrics();
  app.decorate("metrics", metrics);
  trackRequests(app);

  app.addHook("onSend", async (request, reply) => {
    reply.header("x-openstack-request-id", request.id);
  });

  app.addHook("onResponse", async (request, reply) => {
    // The route's pattern, not its URL: ids stay out of the labels.
    const route = request.routeOptions.url ?? "unmatched";
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    metrics.httpRequests.observe(labels, reply.elapsedTime / 1000);
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    // Under `http`, which the readable format leaves out: the message already says it all.
    request.log.info(
      { http: { method: request.method, url: request.url, status: reply.statusCode, ms } },
      `${request.method} ${request.url} → ${reply.statusCode} (${ms} ms)`,
    );
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
