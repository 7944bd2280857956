import { test } from "node:test";
import assert from "node:assert/strict";
import { ForbiddenError } from "../domain/index.js";
import { POLICY, allows, enforce, type Caller, type PolicyAction } from "./policy.js";

/*
 * The expected rule of every action, written out from trove-api.md §7.3 (and Keystone's defaults
 * for identity), independently of the table: a rule added to the table without an expectation
 * here fails the coverage test, and a rule whose behaviour differs fails its own test.
 */
type Kind = "owner-read" | "owner-write" | "admin-read" | "admin-write" | "anyone-read" | "user-read";

const EXPECTED: Record<Kind, string[]> = {
  "owner-read": [
    ...["index", "detail", "show", "configuration", "guest_log_list", "backups", "module_list"].map(
      (a) => `instance:${a}`,
    ),
    // Coffer's extensions (docs/observability.md).
    "instance:metrics",
    "instance:events",
    "event:index",
    "instance:extension:database:index",
    "instance:extension:database:show",
    "instance:extension:user:index",
    "instance:extension:user:show",
    "instance:extension:user_access:index",
    "instance:extension:root:index",
    "cluster:index",
    "cluster:show",
    "cluster:show_instance",
    "cluster:extension:root:index",
    "backup:index",
    "backup:show",
    "backup_strategy:index",
    "configuration:index",
    "configuration:show",
    "configuration:instances",
    "configuration-parameter:index",
    "configuration-parameter:show",
    "configuration-parameter:index_by_version",
    "configuration-parameter:show_by_version",
    "module:index",
    "module:show",
    "module:instances",
    "limits:index",
    "identity:get_project",
    // Nova's defaults (the compute face).
    "compute:servers:index",
    "compute:servers:show",
    "compute:usage:show",
  ],
  "owner-write": [
    ...[
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
    ].map((a) => `instance:${a}`),
    "instance:extension:database:create",
    "instance:extension:database:delete",
    "instance:extension:user:create",
    "instance:extension:user:delete",
    "instance:extension:user:update",
    "instance:extension:user:update_all",
    "instance:extension:user_access:update",
    "instance:extension:user_access:delete",
    "instance:extension:root:create",
    "instance:extension:root:delete",
    "cluster:create",
    "cluster:delete",
    "cluster:force_delete",
    "cluster:action",
    "cluster:extension:root:create",
    "cluster:extension:root:delete",
    "backup:create",
    "backup:delete",
    "backup_strategy:create",
    "backup_strategy:delete",
    "configuration:create",
    "configuration:delete",
    "configuration:update",
    "configuration:edit",
    "module:create",
    "module:delete",
    "module:update",
    "module:reapply",
  ],
  "admin-read": [
    "backup:index:all_projects",
    "mgmt:index",
    "mgmt:show",
    "mgmt:quota:show",
    "identity:list_domains",
    "identity:list_projects",
    "identity:list_users",
    "identity:list_roles",
    "identity:get_role",
    "identity:list_role_assignments",
    "identity:check_grant",
    "identity:list_services",
    "identity:get_service",
    "identity:list_endpoints",
    "identity:get_endpoint",
    "compute:servers:index:all_tenants",
    "compute:servers:show:extended_attributes",
    "compute:availability_zone:detail",
    "compute:usage:list",
  ],
  "admin-write": [
    "instance:reset_status",
    "cluster:reset-status",
    "datastore:delete",
    "mgmt:action",
    "mgmt:quota:update",
    "identity:create_project",
    "identity:update_project",
    "identity:delete_project",
    "identity:create_user",
    "identity:update_user",
    "identity:delete_user",
    "identity:create_role",
    "identity:delete_role",
    "identity:create_grant",
    "identity:revoke_grant",
  ],
  "anyone-read": [
    "datastore:index",
    "datastore:show",
    "datastore:version_show",
    "datastore:version_show_by_uuid",
    "datastore:version_index",
    "datastore:list_associated_flavors",
    "datastore:list_associated_volume_types",
    "flavor:index",
    "flavor:show",
    "identity:get_domain",
    "compute:flavors",
    "compute:availability_zone:list",
    "compute:limits",
  ],
  "user-read": [
    "identity:get_user",
    "identity:list_user_projects",
    "identity:change_password",
    "identity:validate_token",
    "identity:revoke_token",
  ],
};

const caller = (projectId: string | null, roles: string[], userId = "u-" + roles.join("+")): Caller => ({
  userId,
  projectId,
  roles,
  isAdmin: roles.includes("admin"),
});
const admin = caller("A", ["admin"]);
const memberA = caller("A", ["member"]);
const readerA = caller("A", ["reader"]);
const bothA = caller("A", ["reader", "member"]);
const otherRoleA = caller("A", ["observer"]);
const memberB = caller("B", ["member"]);
const unscoped = caller(null, []);

test("every action in the table has an expectation, and every expectation an action", () => {
  const expected = Object.values(EXPECTED).flat().sort();
  assert.equal(new Set(expected).size, expected.length, "no action is expected twice");
  assert.deepEqual(Object.keys(POLICY).sort(), expected);
});

for (const [kind, actions] of Object.entries(EXPECTED) as [Kind, PolicyAction[]][]) {
  for (const action of actions) {
    test(`policy ${action} is ${kind}`, () => {
      const own = { ownerProjectId: "A" };
      const theirs = { ownerProjectId: "B" };
      const table: [Caller, object, boolean][] = (() => {
        switch (kind) {
          case "owner-read":
            return [
              [admin, own, true],
              [admin, theirs, true],
              [memberA, own, true],
              [memberA, {}, true],
              [memberA, theirs, false],
              [readerA, own, true],
              [readerA, theirs, false],
              [otherRoleA, own, true],
              [memberB, own, false],
              [unscoped, own, false],
            ];
          case "owner-write":
            return [
              [admin, own, true],
              [admin, theirs, true],
              [memberA, own, true],
              [memberA, {}, true],
              [bothA, own, true],
              [memberA, theirs, false],
              [readerA, own, false],
              [readerA, theirs, false],
              [otherRoleA, own, false],
              [memberB, own, false],
              [unscoped, own, false],
            ];
          case "admin-read":
          case "admin-write":
            return [
              [admin, own, true],
              [admin, theirs, true],
              [memberA, own, false],
              [memberA, {}, false],
              [readerA, own, false],
              [memberB, theirs, false],
              [unscoped, {}, false],
            ];
          case "anyone-read":
            return [
              [admin, {}, true],
              [memberA, {}, true],
              [readerA, {}, true],
              [otherRoleA, {}, true],
              [memberB, {}, true],
              [unscoped, {}, true],
            ];
          case "user-read":
            return [
              [admin, { userId: "someone" }, true],
              [memberA, { userId: memberA.userId }, true],
              [memberA, {}, true],
              [readerA, { userId: readerA.userId }, true],
              [unscoped, { userId: unscoped.userId }, true],
              [memberA, { userId: "someone" }, false],
              [readerA, { userId: "someone" }, false],
            ];
        }
      })();
      for (const [who, target, expected] of table) {
        assert.equal(
          allows(who, action, target),
          expected,
          `${action} for ${JSON.stringify(who)} on ${JSON.stringify(target)}`,
        );
      }
    });
  }
}

test("enforce throws Trove's 403 naming the rule", () => {
  assert.throws(
    () => enforce(readerA, "instance:create"),
    (err: unknown) =>
      err instanceof ForbiddenError &&
      err.code === "POLICY_NOT_AUTHORIZED" &&
      err.message === "Policy doesn't allow instance:create to be performed.",
  );
  assert.doesNotThrow(() => enforce(memberA, "instance:create"));
});
