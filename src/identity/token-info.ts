import type { CatalogOptions, TokenCatalogEntry } from "./catalog.js";
import { tokenCatalog } from "./catalog.js";
import { isAdminRoles, type Caller } from "./policy.js";

/** What a valid token stands for, with names resolved: the source of the Keystone token body. */
export interface TokenInfo {
  readonly methods: readonly string[];
  readonly auditId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly user: { id: string; name: string; domain: NamedRef };
  /** Null for an unscoped token. */
  readonly project: { id: string; name: string; domain: NamedRef } | null;
  /** Roles the user holds on the project now (empty when unscoped). */
  readonly roles: readonly NamedRef[];
}

export interface NamedRef {
  id: string;
  name: string;
}

export function callerOf(info: TokenInfo): Caller {
  const roles = info.roles.map((r) => r.name);
  return { userId: info.user.id, projectId: info.project?.id ?? null, roles, isAdmin: isAdminRoles(roles) };
}

/** Keystone's timestamps: microseconds and a `Z`, e.g. `2026-11-23T20:11:08.123000Z`. */
export function keystoneTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export interface TokenBody {
  token: {
    methods: string[];
    user: { id: string; name: string; domain: NamedRef; password_expires_at: null };
    audit_ids: string[];
    expires_at: string;
    issued_at: string;
    project?: { id: string; name: string; domain: NamedRef };
    is_domain?: false;
    roles?: NamedRef[];
    catalog?: TokenCatalogEntry[];
  };
}

/**
 * The body of `POST`/`GET /v3/auth/tokens`, as keystoneauth and the OpenStack clients read it.
 * Scoped tokens carry roles and (unless `nocatalog`) the catalog; unscoped tokens carry neither.
 */
export function renderTokenBody(
  info: TokenInfo,
  catalog: CatalogOptions,
  options: { includeCatalog?: boolean } = {},
): TokenBody {
  const token: TokenBody["token"] = {
    methods: [...info.methods],
    user: { ...info.user, domain: { ...info.user.domain }, password_expires_at: null },
    audit_ids: [info.auditId],
    expires_at: keystoneTime(info.expiresAt),
    issued_at: keystoneTime(info.issuedAt),
  };
  if (info.project) {
    token.project = { ...info.project, domain: { ...info.project.domain } };
    token.is_domain = false;
    token.roles = info.roles.map((r) => ({ id: r.id, name: r.name }));
    if (options.includeCatalog ?? true) token.catalog = tokenCatalog(catalog, info.project.id);
  }
  return { token };
}
