/**
 * The plain records the store takes and returns: camelCase fields, `Date` timestamps, booleans,
 * parsed JSON, `null` for an absent optional value. Ids are chosen by the caller (UUID strings;
 * Keystone's default domain is the exception, with id `default`).
 */

export interface Domain {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
}

export interface Project {
  id: string;
  domainId: string;
  name: string;
  description: string;
  enabled: boolean;
  createdAt: Date;
}

export interface User {
  id: string;
  domainId: string;
  name: string;
  passwordHash: string;
  enabled: boolean;
  defaultProjectId: string | null;
  email: string | null;
  /** Consecutive failed password logins since the last success. */
  failedLogins: number;
  lockedUntil: Date | null;
  passwordChangedAt: Date | null;
  createdAt: Date;
}

export interface Role {
  id: string;
  name: string;
}

/** A role granted to a user on a project. */
export interface RoleAssignment {
  projectId: string;
  userId: string;
  roleId: string;
}

export interface Token {
  /** A hash of the token; the token itself is never stored. */
  idHash: string;
  userId: string;
  /** The project the token is scoped to, or null for an unscoped token. */
  projectId: string | null;
  /** Authentication methods, e.g. ["password"], ["password", "token"]. */
  methods: string[];
  auditId: string;
  issuedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** A per-project override of a resource's default hard limit; -1 is unlimited. */
export interface QuotaLimit {
  projectId: string;
  resource: string;
  hardLimit: number;
}

/** What a project holds (`inUse`) and has claimed but not yet created (`reserved`) of a resource. */
export interface QuotaUsage {
  projectId: string;
  resource: string;
  inUse: number;
  reserved: number;
}

/** Input for creation: defaults for the obvious fields. */
export type NewDomain = Pick<Domain, "id" | "name"> & Partial<Pick<Domain, "description" | "enabled">>;
export type NewProject = Pick<Project, "id" | "domainId" | "name" | "createdAt"> &
  Partial<Pick<Project, "description" | "enabled">>;
export type NewUser = Pick<User, "id" | "domainId" | "name" | "passwordHash" | "createdAt"> &
  Partial<Omit<User, "id" | "domainId" | "name" | "passwordHash" | "createdAt">>;

/** Updates: fields left out are unchanged; `null` clears an optional field. */
export type DomainPatch = Partial<Omit<Domain, "id">>;
export type ProjectPatch = Partial<Pick<Project, "name" | "description" | "enabled">>;
export type UserPatch = Partial<Omit<User, "id" | "domainId" | "createdAt">>;
