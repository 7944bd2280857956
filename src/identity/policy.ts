import { ForbiddenError } from "../domain/index.js";

/**
 * The one policy table: every action the APIs authorize, with its rule. The database API's rules
 * are Trove's oslo.policy defaults (trove-api.md §7.3), the identity API's are Keystone's defaults
 * where an admin role on any project counts as cloud admin (Keystone's legacy, non-system-scope mode).
 *
 * Rules:
 *  - `anyone`          any valid token (the database API also requires it be scoped to the URL's project)
 *  - `admin_or_owner`  the admin role, or the target belongs to the token's project
 *  - `admin_or_user`   the admin role, or the target is the token's own user
 *  - `admin`           the admin role
 * On top of the rule, an action marked `writes` needs the `member` or `admin` role: a `reader`
 * (or any other role alone) may only read.
 */

export const ADMIN_ROLE = "admin";
export const MEMBER_ROLE = "member";
export const READER_ROLE = "reader";
/** The roles that exist from the first start. */
export const BUILTIN_ROLES = [ADMIN_ROLE, MEMBER_ROLE, READER_ROLE] as const;

export type PolicyRule = "anyone" | "admin_or_owner" | "admin_or_user" | "admin";

export interface PolicyEntry {
  readonly rule: PolicyRule;
  readonly writes: boolean;
}

const read = (rule: PolicyRule): PolicyEntry => ({ rule, writes: false });
const write = (rule: PolicyRule): PolicyEntry => ({ rule, writes: true });

/** `prefix:a`, `prefix:b`, … with one entry each. */
function family<const P extends string, const A extends string>(
  prefix: P,
  actions: readonly A[],
  entry: PolicyEntry,
): Record<`${P}:${A}`, PolicyEntry> {
  return Object.fromEntries(actions.map((a) => [`${prefix}:${a}`, entry])) as Record<
    `${P}:${A}`,
    PolicyEntry
  >;
}

export const POLICY = {
  // Instances (§2.4).
  ...family(
    "instance",
    ["index", "detail", "show", "configuration", "guest_log_list", "backups"],
    read("admin_or_owner"),
  ),
  // Coffer's extensions: an instance's engine figures and its events (docs/observability.md).
  ...family("instance", ["metrics", "events"], read("admin_or_owner")),
  "event:index": read("admin_or_owner"),
  ...family("instance", ["module_list"], read("admin_or_owner")),
  ...family(
    "instance",
    [
      "create",
      "delete",
      "force_delete",
      "update",
      "edit",
      "restart",
      "resize_volume",
      "resize_flavor",
      "promote_to_replica_source",
      "eject_replica_source",
      "module_apply",
      "module_remove",
    ],
    write("admin_or_owner"),
  ),
  "instance:reset_status": write("admin"),
  // Databases, users, access, root (§2.5–2.7).
  ...family("instance:extension:database", ["index", "show"], read("admin_or_owner")),
  ...family("instance:extension:database", ["create", "delete"], write("admin_or_owner")),
  ...family("instance:extension:user", ["index", "show"], read("admin_or_owner")),
  ...family("instance:extension:user", ["create", "delete", "update", "update_all"], write("admin_or_owner")),
  ...family("instance:extension:user_access", ["index"], read("admin_or_owner")),
  ...family("instance:extension:user_access", ["update", "delete"], write("admin_or_owner")),
  ...family("instance:extension:root", ["index"], read("admin_or_owner")),
  ...family("instance:extension:root", ["create", "delete"], write("admin_or_owner")),
  // Clusters (§2.14).
  ...family("cluster", ["index", "show", "show_instance"], read("admin_or_owner")),
  ...family("cluster", ["create", "delete", "force_delete", "action"], write("admin_or_owner")),
  "cluster:reset-status": write("admin"),
  ...family("cluster:extension:root", ["index"], read("admin_or_owner")),
  ...family("cluster:extension:root", ["create", "delete"], write("admin_or_owner")),
  // Backups and strategies (§2.12–2.13).
  ...family("backup", ["index", "show"], read("admin_or_owner")),
  ...family("backup", ["create", "delete"], write("admin_or_owner")),
  "backup:index:all_projects": read("admin"),
  ...family("backup_strategy", ["index"], read("admin_or_owner")),
  ...family("backup_strategy", ["create", "delete"], write("admin_or_owner")),
  // Configuration groups and parameters (§2.10–2.11).
  ...family("configuration", ["index", "show", "instances"], read("admin_or_owner")),
  ...family("configuration", ["create", "delete", "update", "edit"], write("admin_or_owner")),
  ...family(
    "configuration-parameter",
    ["index", "show", "index_by_version", "show_by_version"],
    read("admin_or_owner"),
  ),
  // Modules (§2.16).
  ...family("module", ["index", "show", "instances"], read("admin_or_owner")),
  ...family("module", ["create", "delete", "update", "reapply"], write("admin_or_owner")),
  // Datastores and flavors: open to every token of the project (§2.8–2.9).
  ...family(
    "datastore",
    [
      "index",
      "show",
      "version_show",
      "version_show_by_uuid",
      "version_index",
      "list_associated_flavors",
      "list_associated_volume_types",
    ],
    read("anyone"),
  ),
  "datastore:delete": write("admin"),
  ...family("flavor", ["index", "show"], read("anyone")),
  // Limits (§2.15).
  "limits:index": read("admin_or_owner"),
  // Management API (§2.17): admin only. Trove lets a project owner read its own quota here;
  // Coffer keeps all of /mgmt for admins (owners read their limits through /limits).
  ...family("mgmt", ["index", "show"], read("admin")),
  "mgmt:action": write("admin"),
  "mgmt:quota:show": read("admin"),
  "mgmt:quota:update": write("admin"),

  // The compute face (Nova v2.1, read-only), with Nova's defaults: flavors, zones and limits for
  // every token of a project; a project's own servers; every project's, hosts and zone members
  // for admins.
  ...family("compute", ["flavors", "availability_zone:list", "limits"], read("anyone")),
  ...family("compute", ["servers:index", "servers:show", "usage:show"], read("admin_or_owner")),
  ...family(
    "compute",
    [
      "servers:index:all_tenants",
      "servers:show:extended_attributes",
      "availability_zone:detail",
      "usage:list",
    ],
    read("admin"),
  ),

  // Identity (Keystone v3 admin API).
  "identity:list_domains": read("admin"),
  "identity:get_domain": read("anyone"),
  "identity:list_projects": read("admin"),
  "identity:get_project": read("admin_or_owner"),
  "identity:list_user_projects": read("admin_or_user"),
  ...family("identity", ["create_project", "update_project", "delete_project"], write("admin")),
  "identity:list_users": read("admin"),
  "identity:get_user": read("admin_or_user"),
  ...family("identity", ["create_user", "update_user", "delete_user"], write("admin")),
  // Self-service: any user may change their own password (proving the old one), whatever their roles.
  "identity:change_password": read("admin_or_user"),
  ...family("identity", ["list_roles", "get_role", "list_role_assignments", "check_grant"], read("admin")),
  ...family("identity", ["create_role", "delete_role"], write("admin")),
  ...family("identity", ["create_grant", "revoke_grant"], write("admin")),
  ...family("identity", ["list_services", "get_service", "list_endpoints", "get_endpoint"], read("admin")),
  // Validating or revoking a token: admins, and the token's own user.
  "identity:validate_token": read("admin_or_user"),
  "identity:revoke_token": read("admin_or_user"),
} as const satisfies Record<string, PolicyEntry>;

export type PolicyAction = keyof typeof POLICY;

/** Who is asking: what a validated token says. */
export interface Caller {
  readonly userId: string;
  /** The token's project; null for an unscoped token. */
  readonly projectId: string | null;
  /** Role names the user holds on the token's project. */
  readonly roles: readonly string[];
  readonly isAdmin: boolean;
}

/** What the action is applied to. Omitted fields default to the caller's own project/user. */
export interface PolicyTarget {
  /** The project that owns the resource (Trove's `tenant`). */
  ownerProjectId?: string | null;
  /** The user the action is about (identity API). */
  userId?: string;
}

export function isAdminRoles(roles: readonly string[]): boolean {
  return roles.includes(ADMIN_ROLE);
}

/** Whether the caller's roles allow changing things at all (member or admin; not reader alone). */
export function canWrite(caller: Caller): boolean {
  return caller.isAdmin || caller.roles.includes(MEMBER_ROLE);
}

/** Whether the caller may perform the action on the target. Pure; see `enforce`. */
export function allows(caller: Caller, action: PolicyAction, target: PolicyTarget = {}): boolean {
  const entry: PolicyEntry = POLICY[action];
  if (entry.writes && !canWrite(caller)) return false;
  switch (entry.rule) {
    case "anyone":
      return true;
    case "admin":
      return caller.isAdmin;
    case "admin_or_owner": {
      if (caller.isAdmin) return true;
      const owner = target.ownerProjectId === undefined ? caller.projectId : target.ownerProjectId;
      return caller.projectId !== null && owner === caller.projectId;
    }
    case "admin_or_user":
      return caller.isAdmin || (target.userId ?? caller.userId) === caller.userId;
  }
}

/** Throws Trove's 403 (`Policy doesn't allow … to be performed.`) unless the caller may act. */
export function enforce(caller: Caller, action: PolicyAction, target: PolicyTarget = {}): void {
  if (!allows(caller, action, target)) {
    throw new ForbiddenError("POLICY_NOT_AUTHORIZED", `Policy doesn't allow ${action} to be performed.`, {
      details: { action },
    });
  }
}
