/**
 * The tables as Kysely sees them (snake_case, stored forms). Internal to the store: repositories
 * convert rows to records through the dialect's codec, so these types never leave this folder.
 */

/** ISO-8601 text on SQLite, `timestamptz` (a Date) on PostgreSQL. */
export type StoredTimestamp = string | Date;
/** 0/1 on SQLite, boolean on PostgreSQL. */
export type StoredBool = number | boolean;
/** JSON text on SQLite, parsed `jsonb` on PostgreSQL; always written as JSON text. */
export type StoredJson = unknown;

export interface DomainsTable {
  id: string;
  name: string;
  description: string;
  enabled: StoredBool;
}

export interface ProjectsTable {
  id: string;
  domain_id: string;
  name: string;
  description: string;
  enabled: StoredBool;
  created_at: StoredTimestamp;
}

export interface UsersTable {
  id: string;
  domain_id: string;
  name: string;
  password_hash: string;
  enabled: StoredBool;
  default_project_id: string | null;
  email: string | null;
  failed_logins: number;
  locked_until: StoredTimestamp | null;
  password_changed_at: StoredTimestamp | null;
  created_at: StoredTimestamp;
}

export interface RolesTable {
  id: string;
  name: string;
}

export interface RoleAssignmentsTable {
  project_id: string;
  user_id: string;
  role_id: string;
}

export interface TokensTable {
  id_hash: string;
  user_id: string;
  project_id: string | null;
  methods: StoredJson;
  audit_id: string;
  issued_at: StoredTimestamp;
  expires_at: StoredTimestamp;
  revoked_at: StoredTimestamp | null;
}

export interface QuotasTable {
  project_id: string;
  resource: string;
  hard_limit: number;
}

export interface QuotaUsagesTable {
  project_id: string;
  resource: string;
  in_use: number;
  reserved: number;
}

export interface Schema {
  domains: DomainsTable;
  projects: ProjectsTable;
  users: UsersTable;
  roles: RolesTable;
  role_assignments: RoleAssignmentsTable;
  tokens: TokensTable;
  quotas: QuotasTable;
  quota_usages: QuotaUsagesTable;
}
