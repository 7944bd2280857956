import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ForbiddenError, NotFoundError, ValidationError } from "../../../domain/index.js";
import { renderTokenBody, tokenCatalog, type AuthRequest, type TokenInfo } from "../../../identity/index.js";
import { authenticate, authorize } from "../../auth.js";
import type { ApiDeps } from "../../deps.js";
import { collection, projectView, queryBool } from "./views.js";

const DomainRef = Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()) });
const AuthBody = Type.Object({
  auth: Type.Object({
    identity: Type.Object({
      methods: Type.Array(Type.String(), { minItems: 1 }),
      password: Type.Optional(
        Type.Object({
          user: Type.Object({
            id: Type.Optional(Type.String()),
            name: Type.Optional(Type.String()),
            domain: Type.Optional(DomainRef),
            password: Type.String(),
          }),
        }),
      ),
      token: Type.Optional(Type.Object({ id: Type.String() })),
    }),
    scope: Type.Optional(
      Type.Union([
        Type.Literal("unscoped"),
        Type.Object({
          project: Type.Optional(
            Type.Object({
              id: Type.Optional(Type.String()),
              name: Type.Optional(Type.String()),
              domain: Type.Optional(DomainRef),
            }),
          ),
          domain: Type.Optional(DomainRef),
          system: Type.Optional(Type.Unknown()),
        }),
      ]),
    ),
  }),
});
type AuthBody = Static<typeof AuthBody>;
/** Documents the subject token; its absence is the handler's 400 (after the caller's own token). */
const SubjectHeaders = Type.Object({ "x-subject-token": Type.Optional(Type.String()) });

/**
 * Keystone's token API: `POST /v3/auth/tokens` (log in, 201 + `X-Subject-Token`), `GET`/`HEAD`
 * (validate the `X-Subject-Token`), `DELETE` (revoke), and `GET /v3/auth/catalog`,
 * `GET /v3/auth/projects` for the token in `X-Auth-Token`.
 */
export function tokenRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { identity } = deps;
  const includeCatalog = (request: FastifyRequest) =>
    queryBool((request.query as Record<string, unknown>).nocatalog) !== true;

  app.post<{ Body: AuthBody }>("/v3/auth/tokens", { schema: { body: AuthBody } }, async (request, reply) => {
    const { auth } = request.body;
    const authRequest: AuthRequest = { identity: auth.identity };
    if (auth.scope !== undefined) authRequest.scope = auth.scope;
    const issued = await identity.tokens.authenticate(authRequest);
    reply.header("x-subject-token", issued.secret);
    return reply
      .status(201)
      .send(renderTokenBody(issued.info, identity.catalog, { includeCatalog: includeCatalog(request) }));
  });

  /** The token named by `X-Subject-Token`, which the caller may see; 404 when it is not valid. */
  const subject = async (
    request: FastifyRequest,
    action: "identity:validate_token" | "identity:revoke_token",
  ) => {
    await authenticate(request, identity);
    const header = request.headers["x-subject-token"];
    const secret = Array.isArray(header) ? header[0] : header;
    if (!secret) throw new ValidationError("SUBJECT_TOKEN_MISSING", "X-Subject-Token header is required.");
    let info: TokenInfo;
    try {
      info = await identity.tokens.validate(secret);
    } catch {
      throw new NotFoundError("TOKEN_NOT_FOUND", "Could not find token.");
    }
    authorize(request, action, { userId: info.user.id });
    return { secret, info };
  };

  // These authenticate in the handler (the subject token is looked at after the caller's).
  const self = { config: { tokenRequired: true } };
  const withSubject = { ...self, schema: { headers: SubjectHeaders } };
  app.get("/v3/auth/tokens", withSubject, async (request, reply: FastifyReply) => {
    const { secret, info } = await subject(request, "identity:validate_token");
    reply.header("x-subject-token", secret);
    return renderTokenBody(info, identity.catalog, { includeCatalog: includeCatalog(request) });
  });

  app.delete("/v3/auth/tokens", withSubject, async (request, reply) => {
    const { secret } = await subject(request, "identity:revoke_token");
    await identity.tokens.revoke(secret);
    return reply.status(204).send();
  });

  app.get("/v3/auth/catalog", self, async (request) => {
    await authenticate(request, identity);
    const projectId = request.token?.project?.id;
    if (!projectId) throw new ForbiddenError("TOKEN_UNSCOPED", "An unscoped token has no catalog.");
    return collection(request, "catalog", tokenCatalog(identity.catalog, projectId));
  });

  app.get("/v3/auth/projects", self, async (request) => {
    const caller = await authenticate(request, identity);
    const projects = await identity.directory.projectsOfUser(caller.userId);
    return collection(
      request,
      "projects",
      projects.filter((p) => p.enabled).map((p) => projectView(request, p)),
    );
  });
}
