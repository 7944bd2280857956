import { ValidationError } from "../domain/index.js";
import type { AuthOptions } from "./auth.js";
import { HttpClient, type FetchLike } from "./http.js";

/** What logging in gives a command: a token and the database API to use it with. */
export interface Session {
  /** Absent with auth type `none`. */
  token?: string;
  expiresAt?: string;
  userId?: string;
  projectId?: string;
  /** The `database` endpoint of the catalog (or `--os-endpoint`), e.g. `http://h:8779/v1.0/<project>`. */
  databaseUrl: string;
  /** The catalog from the token, as Keystone returned it. */
  catalog: CatalogEntry[];
  /** A client for the database API, carrying the token. */
  database: HttpClient;
}

interface CatalogEntry {
  type: string;
  name?: string;
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[];
}

interface TokenBody {
  token: { expires_at: string; user: { id: string }; project?: { id: string }; catalog?: CatalogEntry[] };
}

/**
 * Logs in as keystoneauth does for the OpenStack clients: the password method (user and project
 * by name in their domains, defaulting to `default`, or by id), or the token method with
 * `--os-token` to scope an existing token; `admin_token`/`none` skip Keystone and need
 * `--os-endpoint`. Each run logs in again; nothing is cached on disk.
 */
export async function login(options: AuthOptions, fetchImpl?: FetchLike): Promise<Session> {
  const authType = (options.authType ?? (options.token && !options.password ? "token" : "password")).replace(
    /^v3/,
    "",
  );
  const http = (baseUrl: string, token?: string) =>
    new HttpClient({ baseUrl, ...(token ? { token } : {}), ...(fetchImpl ? { fetch: fetchImpl } : {}) });

  if (authType === "none" || authType === "admin_token") {
    if (!options.endpoint) throw missing("endpoint", authType);
    const token = authType === "admin_token" ? options.token : undefined;
    if (authType === "admin_token" && !token) throw missing("token", authType);
    return {
      ...(token ? { token } : {}),
      databaseUrl: options.endpoint,
      catalog: [],
      database: http(options.endpoint, token),
    };
  }
  if (authType !== "password" && authType !== "token") {
    throw new ValidationError("AUTH_TYPE_UNSUPPORTED", `Auth type ${authType} is not supported.`);
  }
  if (!options.authUrl) throw missing("auth-url", authType);

  const identity =
    authType === "password"
      ? { methods: ["password"], password: { user: passwordUser(options) } }
      : tokenIdentity(options);
  const auth: Record<string, unknown> = { identity };
  const scope = projectScope(options);
  if (scope) auth.scope = scope;

  const response = await http(identityUrl(options.authUrl)).request<TokenBody>("POST", "/auth/tokens", {
    auth,
  });
  const token = response.headers.get("x-subject-token");
  if (!token || !response.body?.token) {
    throw new ValidationError("AUTH_RESPONSE_INVALID", "The identity service answered without a token.");
  }
  const catalog = response.body.token.catalog ?? [];
  const databaseUrl = options.endpoint ?? databaseEndpoint(catalog, options);
  const session: Session = {
    token,
    expiresAt: response.body.token.expires_at,
    userId: response.body.token.user.id,
    databaseUrl,
    catalog,
    database: http(databaseUrl, token),
  };
  if (response.body.token.project) session.projectId = response.body.token.project.id;
  return session;
}

/** `http://h:8779/v3`, `http://h:8779/v3/` or `http://h:8779` → `http://h:8779/v3`. */
export function identityUrl(authUrl: string): string {
  const base = authUrl.replace(/\/+$/, "");
  return /\/v3$/.test(base) ? base : `${base}/v3`;
}

function passwordUser(o: AuthOptions): Record<string, unknown> {
  if (!o.password) throw missing("password", "password");
  if (o.userId) return { id: o.userId, password: o.password };
  if (!o.username) throw missing("username", "password");
  return { name: o.username, domain: domainRef(o.userDomainId, o.userDomainName), password: o.password };
}

function tokenIdentity(o: AuthOptions): Record<string, unknown> {
  if (!o.token) throw missing("token", "token");
  return { methods: ["token"], token: { id: o.token } };
}

function projectScope(o: AuthOptions): Record<string, unknown> | undefined {
  if (o.projectId) return { project: { id: o.projectId } };
  if (o.projectName)
    return { project: { name: o.projectName, domain: domainRef(o.projectDomainId, o.projectDomainName) } };
  return undefined;
}

/** As the OpenStack clients: a name given wins, else an id, else the `default` domain. */
function domainRef(id: string | undefined, name: string | undefined): Record<string, string> {
  if (id) return { id };
  if (name) return { name };
  return { id: "default" };
}

function databaseEndpoint(catalog: CatalogEntry[], o: AuthOptions): string {
  const wanted = (o.interface ?? "public").replace(/URL$/, "");
  for (const service of catalog.filter((s) => s.type === "database")) {
    const endpoint = service.endpoints.find(
      (e) =>
        e.interface === wanted &&
        (!o.regionName || e.region_id === o.regionName || e.region === o.regionName),
    );
    if (endpoint) return endpoint.url;
  }
  throw new ValidationError(
    "CATALOG_ENDPOINT_MISSING",
    `public endpoint for database service${o.regionName ? ` in ${o.regionName} region` : ""} not found`.replace(
      "public",
      wanted,
    ),
  );
}

function missing(what: string, plugin: string): ValidationError {
  return new ValidationError(
    "AUTH_OPTION_MISSING",
    `Missing value ${what} required for auth plugin ${plugin}.`,
  );
}
