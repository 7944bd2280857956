import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { asCofferError, ForbiddenError, NotFoundError } from "../../../domain/index.js";
import { canWrite } from "../../../identity/index.js";
import { useTokenAuth } from "../../auth.js";
import type { ApiDeps } from "../../deps.js";
import { keystoneErrorBody, toFault } from "../../faults.js";
import { asNovaFault, novaFaultBody } from "./faults.js";

/**
 * What the read-only OpenStack faces (compute, image) share: Nova-shaped faults (401 as
 * keystonemiddleware words it in front of any OpenStack service), Nova's 404 for paths not served,
 * project-scoped tokens, and a catch-all that answers unserved reads 404 and every write 403.
 */
export function useFaceErrors(app: FastifyInstance, deps: ApiDeps): void {
  app.setErrorHandler(async (error, request, reply) => {
    const err = asCofferError(error);
    const fault = toFault(err, request.id);
    if (fault.status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ code: err.code, status: fault.status }, err.message);
    if (fault.status === 401) {
      return reply
        .status(401)
        .header("www-authenticate", `Keystone uri="${deps.config.publicUrl}/v3"`)
        .send(keystoneErrorBody(fault));
    }
    return reply.status(fault.status).send(asNovaFault(fault));
  });
  app.setNotFoundHandler(async (_request, reply) =>
    reply.status(404).send(novaFaultBody(404, "The resource could not be found.")),
  );
}

/** Token (any role) scoped to a project; `also` runs after, e.g. the microversion check. */
export function useFaceAuth(
  scope: FastifyInstance,
  deps: ApiDeps,
  also?: (request: FastifyRequest, reply: FastifyReply) => void,
): void {
  useTokenAuth(scope, deps.identity);
  scope.addHook("onRequest", async (request, reply) => {
    const caller = request.caller!;
    if (caller.projectId === null) {
      throw new ForbiddenError("PROJECT_SCOPE_REQUIRED", "This API needs a project-scoped token.");
    }
    also?.(request, reply);
    if (request.method !== "GET" && request.method !== "HEAD" && !canWrite(caller)) {
      throw new ForbiddenError("READ_ONLY_ROLE", "Your role on this project only allows reading.");
    }
  });
}

/**
 * What a face's authenticated scope does not serve, as its not-found handler (so the scope's
 * token check runs first): reads are Nova's 404, writes a 403 with `writeMessage`.
 */
export function refuseTheRest(scope: FastifyInstance, writeMessage: string): void {
  scope.setNotFoundHandler(async (request) => {
    if (request.method === "GET" || request.method === "HEAD") {
      throw new NotFoundError("FACE_NOT_FOUND", "The resource could not be found.");
    }
    throw new ForbiddenError("FACE_READ_ONLY", writeMessage);
  });
}
