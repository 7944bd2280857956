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

export interface DatastoresTable {
  id: string;
  name: string;
  /** Plain text, not a foreign key (see migration 0002). */
  default_version_id: string | null;
}

export interface DatastoreVersionsTable {
  id: string;
  datastore_id: string;
  name: string;
  version: string;
  manager: string;
  image: string;
  packages: StoredJson;
  active: StoredBool;
}

export interface FlavorsTable {
  id: string;
  name: string;
  ram_mb: number;
  vcpus: number;
  disk_gb: number;
  ephemeral_gb: number;
}

export interface InstancesTable {
  id: string;
  project_id: string;
  name: string;
  flavor_id: string;
  datastore_version_id: string;
  volume_size_gb: number;
  volume_used_gb: number | null;
  task_status: string;
  server_status: string;
  host: string | null;
  address: string | null;
  public_address: string | null;
  is_public: StoredBool;
  allowed_cidrs: StoredJson;
  availability_zone: string | null;
  configuration_id: string | null;
  /** SQL NULL when there is no fault (never JSON `null`). */
  fault: StoredJson;
  created_at: StoredTimestamp;
  updated_at: StoredTimestamp;
  deleted_at: StoredTimestamp | null;
}

export interface ServiceStatusesTable {
  instance_id: string;
  status: string;
  updated_at: StoredTimestamp;
}

export interface TasksTable {
  id: string;
  instance_id: string | null;
  kind: string;
  state: string;
  step: string | null;
  data: StoredJson;
  attempts: number;
  lease_owner: string | null;
  lease_until: StoredTimestamp | null;
  error: string | null;
  created_at: StoredTimestamp;
  updated_at: StoredTimestamp;
}

export interface DatastoreConfigurationParametersTable {
  datastore_version_id: string;
  name: string;
  data_type: string;
  restart_required: StoredBool;
  min_value: number | null;
  max_value: number | null;
  unit: string | null;
}

export interface ConfigurationsTable {
  id: string;
  project_id: string;
  name: string;
  description: string;
  datastore_version_id: string;
  /** The group's values as one JSON object (see migration 0004). */
  parameter_values: StoredJson;
  created_at: StoredTimestamp;
  updated_at: StoredTimestamp;
}

export interface RootEnabledHistoryTable {
  instance_id: string;
  user_id: string;
  enabled_at: StoredTimestamp;
  disabled_at: StoredTimestamp | null;
}

export interface EngineFiguresTable {
  instance_id: string;
  figures: StoredJson;
  measured_at: StoredTimestamp;
}

export interface EventsTable {
  id: string;
  at: StoredTimestamp;
  kind: string;
  instance_id: string | null;
  project_id: string | null;
  cause: string;
  details: StoredJson;
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
  datastores: DatastoresTable;
  datastore_versions: DatastoreVersionsTable;
  flavors: FlavorsTable;
  instances: InstancesTable;
  service_statuses: ServiceStatusesTable;
  tasks: TasksTable;
  datastore_configuration_parameters: DatastoreConfigurationParametersTable;
  configurations: ConfigurationsTable;
  root_enabled_history: RootEnabledHistoryTable;
  engine_figures: EngineFiguresTable;
  events: EventsTable;
}
