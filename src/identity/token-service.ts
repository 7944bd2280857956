import { UnauthorizedError, ValidationError, type Clock } from "../domain/index.js";
import type { Domain, Project, Repositories, Store, Token, User } from "../store/index.js";
import type { AuthRequest, DomainRef, PasswordMethod, ProjectScope } from "./auth-request.js";
import type { PasswordHasher } from "./passwords.js";
import type { TokenCache } from "./token-cache.js";
import type { NamedRef, TokenInfo } from "./token-info.js";
import { hashToken, newAuditId, type TokenSecretGenerator } from "./tokens.js";

export interface TokenServiceOptions {
  tokenTtlSeconds: number;
  /** Failed logins in a row that lock the user; 0 disables the lockout. */
  lockoutThreshold: number;
  lockoutDurationSeconds: number;
}

export interface TokenServiceDeps {
  store: Store;
  clock: Clock;
  hasher: PasswordHasher;
  cache: TokenCache;
  secrets: TokenSecretGenerator;
  options: TokenServiceOptions;
}

/** A new token: the secret (shown once, in `X-Subject-Token`) and what it stands for. */
export interface IssuedToken {
  secret: string;
  info: TokenInfo;
}

/** Keystone's words for every authentication failure, so none tells what was wrong. */
const AUTH_FAILED = "The request you have made requires authentication.";
const failed = (code = "AUTHENTICATION_FAILED") => new UnauthorizedError(code, AUTH_FAILED);
const MAX_SECRET_LENGTH = 1024;
const CLEANUP_EVERY_MS = 10 * 60_000;

/**
 * Issues, validates and revokes tokens. Roles are looked up at validation, not frozen into the
 * token, so a revoked role takes effect as soon as caches allow; a scoped token whose user has no
 * role left on its project is no longer valid.
 */
export class TokenService {
  private lastCleanup = 0;

  constructor(private readonly deps: TokenServiceDeps) {}

  async authenticate(request: AuthRequest): Promise<IssuedToken> {
    const methods = request.identity.methods;
    if (methods.length === 1 && methods[0] === "password" && request.identity.password) {
      const user = await this.checkPassword(request.identity.password);
      const project = await this.resolveScope(user, request.scope);
      return this.issue(user, project, ["password"]);
    }
    if (methods.length === 1 && methods[0] === "token" && request.identity.token) {
      // Re-scoping: same user, new scope, and never a longer life than the original token.
      const original = await this.validate(request.identity.token.id);
      const user = await this.deps.store.users.get(original.user.id);
      if (!user?.enabled) throw failed();
      const project = await this.resolveScope(user, request.scope);
      const methodsOut = ["token", ...original.methods.filter((m) => m !== "token")];
      return this.issue(user, project, methodsOut, original.expiresAt);
    }
    throw new UnauthorizedError(
      "AUTH_METHOD_UNSUPPORTED",
      "Attempted to authenticate with an unsupported method.",
    );
  }

  /** What a token stands for; throws 401 TOKEN_INVALID when it is unknown, expired or revoked. */
  async validate(secret: string): Promise<TokenInfo> {
    if (secret.length === 0 || secret.length > MAX_SECRET_LENGTH) throw failed("TOKEN_INVALID");
    const idHash = hashToken(secret);
    const now = this.deps.clock.now();
    const cached = this.deps.cache.get(idHash);
    if (cached && cached.expiresAt > now) return cached;
    const row = await this.deps.store.tokens.get(idHash);
    if (!row || row.revokedAt !== null || row.expiresAt <= now) throw failed("TOKEN_INVALID");
    const info = await describe(this.deps.store, row);
    if (!info) throw failed("TOKEN_INVALID");
    this.deps.cache.put(idHash, info);
    return info;
  }

  /** Revokes a token; resolves false if it was not valid. */
  async revoke(secret: string): Promise<boolean> {
    const idHash = hashToken(secret);
    this.deps.cache.delete(idHash);
    return this.deps.store.tokens.revoke(idHash, this.deps.clock.now());
  }

  /** Revokes every token of a user (password change, disable): here at once, elsewhere within the cache TTL. */
  async revokeAllForUser(userId: string, repos: Repositories = this.deps.store): Promise<void> {
    await repos.tokens.revokeAllForUser(userId, this.deps.clock.now());
    this.deps.cache.invalidate({ userId });
  }

  private async checkPassword(method: PasswordMethod): Promise<User> {
    const { hasher, clock, store, options } = this.deps;
    const password = method.user.password;
    const user = await this.findUser(method.user);
    const now = clock.now();
    // Every path spends one password-hash time, so timing does not tell known names from unknown.
    if (!user || (user.lockedUntil !== null && user.lockedUntil > now)) {
      await hasher.burn(password);
      throw failed();
    }
    const ok = await hasher.verify(password, user.passwordHash);
    if (!ok) {
      if (options.lockoutThreshold > 0) {
        const count = await store.users.recordFailedLogin(user.id);
        if (count !== undefined && count >= options.lockoutThreshold) {
          const lockedUntil = new Date(now.getTime() + options.lockoutDurationSeconds * 1000);
          await store.users.update(user.id, { lockedUntil, failedLogins: 0 });
        }
      }
      throw failed();
    }
    if (!user.enabled) throw failed();
    if (user.failedLogins > 0 || user.lockedUntil !== null) {
      await store.users.update(user.id, { failedLogins: 0, lockedUntil: null });
    }
    return user;
  }

  private async findUser(ref: PasswordMethod["user"]): Promise<User | undefined> {
    const { store } = this.deps;
    if (ref.id !== undefined) {
      const user = await store.users.get(ref.id);
      return user && (await enabledDomain(store, user.domainId)) ? user : undefined;
    }
    if (ref.name === undefined || ref.domain === undefined) {
      throw new ValidationError("AUTH_REQUEST_INVALID", "A user needs an id, or a name and a domain.");
    }
    const domain = await findDomain(store, ref.domain);
    return domain ? store.users.getByName(domain.id, ref.name) : undefined;
  }

  private async resolveScope(user: User, scope: AuthRequest["scope"]): Promise<Project | null> {
    const { store } = this.deps;
    if (scope === "unscoped") return null;
    if (scope === undefined) {
      // Keystone scopes a token without an explicit scope to the user's default project, if usable.
      if (user.defaultProjectId === null) return null;
      const project = await store.projects.get(user.defaultProjectId);
      if (!project?.enabled || (await rolesOn(store, user.id, project.id)).length === 0) return null;
      return project;
    }
    if (scope.domain !== undefined || scope.system !== undefined || scope.project === undefined) {
      throw new ValidationError(
        "AUTH_SCOPE_UNSUPPORTED",
        "Coffer issues project-scoped and unscoped tokens only.",
      );
    }
    const project = await this.findProject(scope.project);
    if (!project?.enabled || !(await enabledDomain(store, project.domainId))) throw failed();
    if ((await rolesOn(store, user.id, project.id)).length === 0) throw failed();
    return project;
  }

  private async findProject(ref: ProjectScope): Promise<Project | undefined> {
    const { store } = this.deps;
    if (ref.id !== undefined) return store.projects.get(ref.id);
    if (ref.name === undefined || ref.domain === undefined) {
      throw new ValidationError("AUTH_REQUEST_INVALID", "A project needs an id, or a name and a domain.");
    }
    const domain = await findDomain(store, ref.domain);
    return domain ? store.projects.getByName(domain.id, ref.name) : undefined;
  }

  private async issue(
    user: User,
    project: Project | null,
    methods: string[],
    notAfter?: Date,
  ): Promise<IssuedToken> {
    const { store, clock, secrets, options } = this.deps;
    const issuedAt = clock.now();
    let expiresAt = new Date(issuedAt.getTime() + options.tokenTtlSeconds * 1000);
    if (notAfter && notAfter < expiresAt) expiresAt = notAfter;
    const secret = secrets();
    const row: Token = {
      idHash: hashToken(secret),
      userId: user.id,
      projectId: project?.id ?? null,
      methods,
      auditId: newAuditId(),
      issuedAt,
      expiresAt,
      revokedAt: null,
    };
    await store.tokens.create(row);
    await this.cleanupNow(issuedAt);
    const info = await describe(store, row);
    if (!info) throw failed();
    return { secret, info };
  }

  /** Expired tokens are deleted now and then, by whichever process issues tokens. */
  private async cleanupNow(now: Date): Promise<void> {
    if (now.getTime() - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = now.getTime();
    await this.deps.store.tokens.deleteExpired(now);
  }
}

/** The token's user, project and current roles; undefined when any of them no longer allows it. */
async function describe(repos: Repositories, row: Token): Promise<TokenInfo | undefined> {
  const user = await repos.users.get(row.userId);
  if (!user?.enabled) return undefined;
  const userDomain = await enabledDomain(repos, user.domainId);
  if (!userDomain) return undefined;
  let project: TokenInfo["project"] = null;
  let roles: NamedRef[] = [];
  if (row.projectId !== null) {
    const p = await repos.projects.get(row.projectId);
    if (!p?.enabled) return undefined;
    const projectDomain = await enabledDomain(repos, p.domainId);
    if (!projectDomain) return undefined;
    roles = await rolesOn(repos, user.id, p.id);
    if (roles.length === 0) return undefined;
    project = { id: p.id, name: p.name, domain: ref(projectDomain) };
  }
  return {
    methods: row.methods,
    auditId: row.auditId,
    issuedAt: row.issuedAt,
    expiresAt: row.expiresAt,
    user: { id: user.id, name: user.name, domain: ref(userDomain) },
    project,
    roles,
  };
}

const ref = (d: Domain): NamedRef => ({ id: d.id, name: d.name });

async function enabledDomain(repos: Repositories, id: string): Promise<Domain | undefined> {
  const domain = await repos.domains.get(id);
  return domain?.enabled ? domain : undefined;
}

/** A domain named by id or by name; Keystone's clients say `{"id": "default"}` or `{"name": "Default"}`. */
export async function findDomain(repos: Repositories, ref: DomainRef): Promise<Domain | undefined> {
  const domain =
    ref.id !== undefined
      ? await repos.domains.get(ref.id)
      : ref.name !== undefined
        ? await repos.domains.getByName(ref.name)
        : undefined;
  return domain?.enabled ? domain : undefined;
}

/** The roles a user holds on a project, by name order. */
export async function rolesOn(repos: Repositories, userId: string, projectId: string): Promise<NamedRef[]> {
  const assignments = await repos.roleAssignments.list({ userId, projectId });
  if (assignments.length === 0) return [];
  const ids = new Set(assignments.map((a) => a.roleId));
  return (await repos.roles.list()).filter((r) => ids.has(r.id)).map((r) => ({ id: r.id, name: r.name }));
}
