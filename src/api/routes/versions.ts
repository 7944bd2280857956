import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ApiDeps } from "../deps.js";

/** `GET /` (Trove's version document, §2.2) and `GET /healthcheck` (oslo.middleware's shape). */
export function versionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get("/", async (request) => ({
    versions: [
      {
        id: "v1.0",
        status: "CURRENT",
        updated: "2012-08-01T00:00:00Z",
        links: [{ rel: "self", href: `${baseUrl(request)}/v1.0/` }],
      },
    ],
  }));

  app.get("/healthcheck", async (request, reply) => {
    const failures: string[] = [];
    await Promise.all(
      Object.entries(deps.healthChecks).map(async ([name, check]) => {
        try {
          await check();
        } catch (err) {
          request.log.warn({ err, check: name }, "health check failed");
          failures.push(name);
        }
      }),
    );
    reply.type("text/plain");
    if (failures.length > 0) return reply.status(503).send(`FAILED: ${failures.sort().join(", ")}`);
    return reply.send("OK");
  });
}

/** The URL the client used to reach us, as Trove builds hrefs when no public endpoint is set. */
export function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}
