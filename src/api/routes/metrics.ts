import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ForbiddenError, UnauthorizedError, ValidationError } from "../../domain/index.js";
import { loadInstanceSeries, renderInstanceMetrics } from "../../metrics/index.js";
import { callerOf } from "../../identity/index.js";
import type { ApiDeps } from "../deps.js";

const INCLUDE = ["all", "process", "instances"] as const;
type Include = (typeof INCLUDE)[number];

/**
 * `GET /metrics` (Prometheus' text format): this process's own metrics and, from the store, every
 * live instance's series. `?include=process` or `?include=instances` serves one part only (when
 * several API processes run, scrape each for its own part and one of them for the instances').
 * Readable with the scrape credential (`Authorization: Bearer <--metrics-token>`) or an admin's
 * token (`X-Auth-Token`, or as the bearer).
 */
export function metricsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const options = {
    // Either credential reads it: an admin's token, or the scrape credential as a bearer.
    config: { tokenRequired: true },
    schema: {
      summary: "Prometheus metrics",
      security: [{ token: [] as string[] }, { scrape: [] as string[] }] as Record<string, string[]>[],
    },
  };
  app.get<{ Querystring: { include?: string } }>("/metrics", options, async (request, reply) => {
    await checkScrapeAccess(request, deps);
    const include = parseInclude(request.query.include);
    await sendMetrics(reply, deps, include);
  });
}

export async function sendMetrics(
  reply: FastifyReply,
  deps: Pick<ApiDeps, "store" | "clock" | "config">,
  include: Include,
): Promise<FastifyReply> {
  const { registry } = reply.server.metrics;
  let text = include === "instances" ? "" : await registry.metrics();
  if (include !== "process") {
    const series = await loadInstanceSeries(deps.store, {
      now: deps.clock.now(),
      heartbeatExpiryMs: deps.config.heartbeatExpiryMs,
    });
    text += (text && !text.endsWith("\n") ? "\n" : "") + (await renderInstanceMetrics(series));
  }
  return reply.type(registry.contentType).send(text);
}

function parseInclude(value: string | undefined): Include {
  if (value === undefined) return "all";
  if ((INCLUDE as readonly string[]).includes(value)) return value as Include;
  throw new ValidationError("METRICS_INCLUDE_INVALID", `include must be one of ${INCLUDE.join(", ")}.`);
}

/** 401 without a credential or with a wrong one; 403 for a valid token without the admin role. */
export async function checkScrapeAccess(
  request: FastifyRequest,
  deps: Pick<ApiDeps, "config" | "identity">,
): Promise<void> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
  const expected = deps.config.metricsToken;
  if (bearer !== undefined && expected !== "" && sameSecret(bearer, expected)) return;
  const header = request.headers["x-auth-token"];
  const token = (Array.isArray(header) ? header[0] : header) ?? bearer;
  if (!token) {
    throw new UnauthorizedError(
      "METRICS_CREDENTIAL_MISSING",
      "Reading metrics needs the scrape credential or an admin's token.",
    );
  }
  const info = await deps.identity.tokens.validate(token).catch((err: unknown) => {
    if (!(err instanceof UnauthorizedError)) throw err;
    throw new UnauthorizedError(
      "METRICS_CREDENTIAL_INVALID",
      "The credential given for metrics is not valid.",
    );
  });
  if (!callerOf(info).isAdmin) {
    throw new ForbiddenError("ADMIN_REQUIRED", "Reading every instance's metrics needs the admin role.");
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
