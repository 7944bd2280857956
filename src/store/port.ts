import type {
  Domain,
  DomainPatch,
  NewDomain,
  NewProject,
  NewUser,
  Project,
  ProjectPatch,
  QuotaLimit,
  QuotaUsage,
  Role,
  RoleAssignment,
  Token,
  User,
  UserPatch,
} from "./records.js";
import type { InstanceRepositories } from "./instance-port.js";
import type { ConfigurationRepositories } from "./configuration-port.js";
import type { ObservabilityRepositories } from "./observability-port.js";

/*
 * Common contract of every repository:
 *  - `get…` resolves `undefined` when nothing matches; `update` resolves the updated record or
 *    `undefined`; `delete`/`revoke` resolve whether something was removed. Callers raise their own
 *    NotFoundError with the code that fits the request.
 *  - a duplicate (unique key) throws ConflictError with the repository's code (PROJECT_EXISTS, …);
 *    a reference to a missing row, or deleting a row still referenced, throws ConflictError
 *    REFERENCE_VIOLATION; a database that cannot be reached or is busy throws UnavailableError
 *    (retryable); any other database failure throws UpstreamError STORE_ERROR.
 *  - lists are ordered by name (or by key), so output is stable.
 */

export interface DomainRepository {
  create(domain: NewDomain): Promise<Domain>;
  get(id: string): Promise<Domain | undefined>;
  getByName(name: string): Promise<Domain | undefined>;
  list(filter?: { name?: string; enabled?: boolean }): Promise<Domain[]>;
  update(id: string, patch: DomainPatch): Promise<Domain | undefined>;
  /** Fails with REFERENCE_VIOLATION while projects or users are in the domain. */
  delete(id: string): Promise<boolean>;
}

export interface ProjectRepository {
  create(project: NewProject): Promise<Project>;
  get(id: string): Promise<Project | undefined>;
  getByName(domainId: string, name: string): Promise<Project | undefined>;
  list(filter?: { domainId?: string; name?: string; enabled?: boolean }): Promise<Project[]>;
  update(id: string, patch: ProjectPatch): Promise<Project | undefined>;
  /** Also removes its role assignments, scoped tokens, quota limits and usages. */
  delete(id: string): Promise<boolean>;
}

export interface UserRepository {
  create(user: NewUser): Promise<User>;
  get(id: string): Promise<User | undefined>;
  getByName(domainId: string, name: string): Promise<User | undefined>;
  list(filter?: { domainId?: string; name?: string; enabled?: boolean }): Promise<User[]>;
  update(id: string, patch: UserPatch): Promise<User | undefined>;
  /** Adds one to `failedLogins` atomically; resolves the new count (undefined: no such user). */
  recordFailedLogin(id: string): Promise<number | undefined>;
  /** Also removes the user's role assignments and tokens. */
  delete(id: string): Promise<boolean>;
}

export interface RoleRepository {
  create(role: Role): Promise<Role>;
  get(id: string): Promise<Role | undefined>;
  getByName(name: string): Promise<Role | undefined>;
  list(filter?: { name?: string }): Promise<Role[]>;
  /** Also removes the role's assignments. */
  delete(id: string): Promise<boolean>;
}

export interface RoleAssignmentRepository {
  /** Idempotent (Keystone's PUT): resolves true if the assignment is new. */
  grant(assignment: RoleAssignment): Promise<boolean>;
  revoke(assignment: RoleAssignment): Promise<boolean>;
  /** Every assignment matching all the given fields (all of them when none is given). */
  list(filter?: Partial<RoleAssignment>): Promise<RoleAssignment[]>;
}

export interface TokenRepository {
  create(token: Token): Promise<Token>;
  get(idHash: string): Promise<Token | undefined>;
  /** Sets `revokedAt` unless already revoked; resolves whether it did. */
  revoke(idHash: string, at: Date): Promise<boolean>;
  /** Revokes every unrevoked token of the user; resolves how many. */
  revokeAllForUser(userId: string, at: Date): Promise<number>;
  /** Deletes tokens that expired before `now`; resolves how many. */
  deleteExpired(now: Date): Promise<number>;
}

export interface QuotaRepository {
  /** Creates or replaces the project's limit for the resource. */
  set(limit: QuotaLimit): Promise<QuotaLimit>;
  get(projectId: string, resource: string): Promise<QuotaLimit | undefined>;
  list(projectId: string): Promise<QuotaLimit[]>;
  delete(projectId: string, resource: string): Promise<boolean>;
}

/**
 * Quota usage follows reserve → commit (the resource was created) or release (it was not);
 * `free` gives back what a deleted resource held. `reserve` is atomic on both dialects: one
 * conditional UPDATE, so concurrent reservations can never together pass the limit.
 * Deltas are positive integers; counts never go below zero.
 */
export interface QuotaUsageRepository {
  /** The project's usage of the resource; zeros when nothing was ever reserved. */
  get(projectId: string, resource: string): Promise<QuotaUsage>;
  list(projectId: string): Promise<QuotaUsage[]>;
  /**
   * Adds `delta` to `reserved` if `inUse + reserved + delta <= limit` (limit -1: unlimited) and
   * resolves the new usage; otherwise throws QuotaExceededError QUOTA_EXCEEDED (details: resource,
   * limit, inUse, reserved, requested) and changes nothing.
   */
  reserve(projectId: string, resource: string, delta: number, limit: number): Promise<QuotaUsage>;
  /** Moves `delta` from `reserved` to `inUse`. */
  commit(projectId: string, resource: string, delta: number): Promise<QuotaUsage>;
  /** Takes `delta` off `reserved` (the reserved resource was never created). */
  release(projectId: string, resource: string, delta: number): Promise<QuotaUsage>;
  /** Takes `delta` off `inUse` (the resource was deleted). */
  free(projectId: string, resource: string, delta: number): Promise<QuotaUsage>;
}

/** Identity and quotas here; the instance side's, configuration groups' and observability's are in their own port files. */
export interface Repositories
  extends InstanceRepositories, ConfigurationRepositories, ObservabilityRepositories {
  readonly domains: DomainRepository;
  readonly projects: ProjectRepository;
  readonly users: UserRepository;
  readonly roles: RoleRepository;
  readonly roleAssignments: RoleAssignmentRepository;
  readonly tokens: TokenRepository;
  readonly quotas: QuotaRepository;
  readonly quotaUsages: QuotaUsageRepository;
}

export type StoreDialect = "sqlite" | "postgres";

export interface Store extends Repositories {
  readonly dialect: StoreDialect;
  /**
   * Runs `fn` in one transaction; the repositories handed to `fn` are bound to it. Commits when
   * `fn` resolves, rolls back and rethrows when it throws. Inside `fn` use only `tx`: on SQLite the
   * store's own repositories wait for the transaction's single connection, so awaiting them there
   * never returns. Transactions do not nest. After a failed statement PostgreSQL refuses further
   * statements in the transaction, so let store errors propagate out of `fn`.
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` holding the lock `name` across every process on this database (PostgreSQL: a session
   * advisory lock, let go when `fn` ends or the connection dies; SQLite, which one process owns: a
   * lock within the process). For what must happen once however many processes start at once:
   * the first does it, the others wait, then find it done. `fn` uses the store as usual.
   */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Applies pending migrations; idempotent, and safe when several processes start at once on PostgreSQL. */
  migrate(): Promise<{ applied: string[] }>;
  /** Resolves if the database answers a trivial query; throws UnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type StoreTarget =
  { kind: "sqlite"; path: string } | { kind: "postgres"; url: string; poolSize?: number };
