import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
  type Clock,
  type IdGenerator,
} from "../domain/index.js";
import type { Domain, Project, Role, RoleAssignment, Store, User } from "../store/index.js";
import type { PasswordHasher } from "./passwords.js";
import { BUILTIN_ROLES } from "./policy.js";
import type { TokenCache } from "./token-cache.js";
import type { TokenService } from "./token-service.js";

export const DEFAULT_DOMAIN_ID = "default";

export interface DirectoryDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  hasher: PasswordHasher;
  cache: TokenCache;
  tokens: TokenService;
}

export interface NewProjectInput {
  name: string;
  domainId?: string;
  description?: string;
  enabled?: boolean;
}
export type ProjectChanges = Partial<Pick<Project, "name" | "description" | "enabled">>;

export interface NewUserInput {
  name: string;
  domainId?: string;
  password?: string;
  enabled?: boolean;
  defaultProjectId?: string | null;
  email?: string | null;
}
export type UserChanges = Partial<Omit<NewUserInput, "domainId">>;

const notFound = (kind: string, id: string) =>
  new NotFoundError(`${kind.toUpperCase().replace(/ /g, "_")}_NOT_FOUND`, `Could not find ${kind}: ${id}.`);

/**
 * Keystone's resources: domains (read-only), projects, users, roles and role assignments on
 * projects. Authorization is the caller's business (api/, with the policy table); this checks
 * that what is named exists and keeps token caches honest when access is taken away.
 */
export class Directory {
  constructor(private readonly deps: DirectoryDeps) {}

  listDomains(filter: { name?: string; enabled?: boolean } = {}): Promise<Domain[]> {
    return this.deps.store.domains.list(filter);
  }

  async getDomain(id: string): Promise<Domain> {
    return (await this.deps.store.domains.get(id)) ?? throwIt(notFound("domain", id));
  }

  listProjects(filter: { name?: string; domainId?: string; enabled?: boolean } = {}): Promise<Project[]> {
    return this.deps.store.projects.list(filter);
  }

  async getProject(id: string): Promise<Project> {
    return (await this.deps.store.projects.get(id)) ?? throwIt(notFound("project", id));
  }

  async createProject(input: NewProjectInput): Promise<Project> {
    const domainId = input.domainId ?? DEFAULT_DOMAIN_ID;
    await this.getDomain(domainId);
    return this.deps.store.projects.create({
      id: this.deps.ids(),
      domainId,
      name: checkName(input.name, "project", 64),
      description: input.description ?? "",
      enabled: input.enabled ?? true,
      createdAt: this.deps.clock.now(),
    });
  }

  async updateProject(id: string, changes: ProjectChanges): Promise<Project> {
    const patch = { ...changes };
    if (patch.name !== undefined) patch.name = checkName(patch.name, "project", 64);
    const updated = await this.deps.store.projects.update(id, patch);
    if (!updated) throw notFound("project", id);
    if (changes.enabled === false) this.deps.cache.invalidate({ projectId: id });
    return updated;
  }

  /**
   * Deletes the project with its role assignments, scoped tokens and quota rows. Refused while it
   * owns instances: they would run on with nobody able to reach them but an admin's /mgmt.
   */
  async deleteProject(id: string): Promise<void> {
    const owned = await this.deps.store.instances.list({ projectId: id, limit: 1 });
    if (owned.length > 0) {
      throw new ConflictError(
        "PROJECT_HAS_INSTANCES",
        `Project ${id} still owns database instances (${owned[0]!.id} among them); delete them first.`,
      );
    }
    if (!(await this.deps.store.projects.delete(id))) throw notFound("project", id);
    this.deps.cache.invalidate({ projectId: id });
  }

  /** Projects where the user holds a role. */
  async projectsOfUser(userId: string): Promise<Project[]> {
    const assignments = await this.deps.store.roleAssignments.list({ userId });
    const ids = new Set(assignments.map((a) => a.projectId));
    return (await this.deps.store.projects.list()).filter((p) => ids.has(p.id));
  }

  listUsers(filter: { name?: string; domainId?: string; enabled?: boolean } = {}): Promise<User[]> {
    return this.deps.store.users.list(filter);
  }

  async getUser(id: string): Promise<User> {
    return (await this.deps.store.users.get(id)) ?? throwIt(notFound("user", id));
  }

  async createUser(input: NewUserInput): Promise<User> {
    const domainId = input.domainId ?? DEFAULT_DOMAIN_ID;
    await this.getDomain(domainId);
    const name = checkName(input.name, "user", 255);
    if (input.defaultProjectId) await this.checkDefaultProject(input.defaultProjectId);
    // A user created without a password exists but cannot log in until one is set.
    const passwordHash = input.password === undefined ? "" : await this.hash(input.password);
    const now = this.deps.clock.now();
    return this.deps.store.users.create({
      id: this.deps.ids(),
      domainId,
      name,
      passwordHash,
      enabled: input.enabled ?? true,
      defaultProjectId: input.defaultProjectId ?? null,
      email: input.email ?? null,
      passwordChangedAt: input.password === undefined ? null : now,
      createdAt: now,
    });
  }

  /** A new password or disabling the user revokes all of the user's tokens, as Keystone does. */
  async updateUser(id: string, changes: UserChanges): Promise<User> {
    const { password, ...rest } = changes;
    const patch: Partial<User> = {};
    if (rest.name !== undefined) patch.name = checkName(rest.name, "user", 255);
    if (rest.enabled !== undefined) patch.enabled = rest.enabled;
    if (rest.email !== undefined) patch.email = rest.email;
    if (rest.defaultProjectId !== undefined) {
      if (rest.defaultProjectId !== null) await this.checkDefaultProject(rest.defaultProjectId);
      patch.defaultProjectId = rest.defaultProjectId;
    }
    if (password !== undefined) {
      patch.passwordHash = await this.hash(password);
      patch.passwordChangedAt = this.deps.clock.now();
      patch.failedLogins = 0;
      patch.lockedUntil = null;
    }
    const updated = await this.deps.store.users.update(id, patch);
    if (!updated) throw notFound("user", id);
    if (password !== undefined || rest.enabled === false) await this.deps.tokens.revokeAllForUser(id);
    return updated;
  }

  /** Self-service password change: the original password must be right (401 otherwise). */
  async changePassword(id: string, original: string, password: string): Promise<void> {
    const user = await this.getUser(id);
    if (!(await this.deps.hasher.verify(original, user.passwordHash))) {
      throw new UnauthorizedError(
        "AUTHENTICATION_FAILED",
        "The request you have made requires authentication.",
      );
    }
    await this.updateUser(id, { password });
  }

  async deleteUser(id: string): Promise<void> {
    if (!(await this.deps.store.users.delete(id))) throw notFound("user", id);
    this.deps.cache.invalidate({ userId: id });
  }

  listRoles(filter: { name?: string } = {}): Promise<Role[]> {
    return this.deps.store.roles.list(filter);
  }

  async getRole(id: string): Promise<Role> {
    return (await this.deps.store.roles.get(id)) ?? throwIt(notFound("role", id));
  }

  async createRole(name: string): Promise<Role> {
    return this.deps.store.roles.create({ id: this.deps.ids(), name: checkName(name, "role", 255) });
  }

  /** The built-in roles cannot be deleted: the policy table names them. */
  async deleteRole(id: string): Promise<void> {
    const role = await this.getRole(id);
    if ((BUILTIN_ROLES as readonly string[]).includes(role.name)) {
      throw new ForbiddenError("ROLE_BUILTIN", `The role ${role.name} is built in and cannot be deleted.`);
    }
    await this.deps.store.roles.delete(id);
    this.deps.cache.clear();
  }

  /** Keystone's PUT: idempotent; 404 when the project, user or role does not exist. */
  async grant(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.checkAssignable(projectId, userId, roleId);
    await this.deps.store.roleAssignments.grant({ projectId, userId, roleId });
    this.deps.cache.invalidate({ userId, projectId });
  }

  async revoke(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.checkAssignable(projectId, userId, roleId);
    if (!(await this.deps.store.roleAssignments.revoke({ projectId, userId, roleId }))) {
      throw notFound("role assignment", `${roleId} for user ${userId} on project ${projectId}`);
    }
    this.deps.cache.invalidate({ userId, projectId });
  }

  async hasGrant(projectId: string, userId: string, roleId: string): Promise<boolean> {
    await this.checkAssignable(projectId, userId, roleId);
    return (await this.deps.store.roleAssignments.list({ projectId, userId, roleId })).length > 0;
  }

  /** The roles a user holds on a project (404 if either does not exist). */
  async rolesOf(projectId: string, userId: string): Promise<Role[]> {
    await this.getProject(projectId);
    await this.getUser(userId);
    const ids = new Set(
      (await this.deps.store.roleAssignments.list({ projectId, userId })).map((a) => a.roleId),
    );
    return (await this.deps.store.roles.list()).filter((r) => ids.has(r.id));
  }

  listAssignments(filter: Partial<RoleAssignment> = {}): Promise<RoleAssignment[]> {
    return this.deps.store.roleAssignments.list(filter);
  }

  private async checkAssignable(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.getProject(projectId);
    await this.getUser(userId);
    await this.getRole(roleId);
  }

  private async checkDefaultProject(projectId: string): Promise<void> {
    if (!(await this.deps.store.projects.get(projectId))) {
      throw new ValidationError("DEFAULT_PROJECT_INVALID", `Could not find project: ${projectId}.`);
    }
  }

  private async hash(password: string): Promise<string> {
    return this.deps.hasher.hash(checkPassword(password));
  }
}

export function checkPassword(password: string): string {
  if (typeof password !== "string" || password.length === 0 || password.length > 4096) {
    throw new ValidationError("PASSWORD_INVALID", "A password must be 1 to 4096 characters long.");
  }
  return password;
}

function checkName(name: string, kind: string, max: number): string {
  const trimmed = typeof name === "string" ? name.trim() : "";
  if (trimmed.length === 0 || trimmed.length > max) {
    throw new ValidationError(
      `${kind.toUpperCase()}_NAME_INVALID`,
      `A ${kind} name must be 1 to ${max} characters long.`,
    );
  }
  return trimmed;
}

function throwIt(err: Error): never {
  throw err;
}
