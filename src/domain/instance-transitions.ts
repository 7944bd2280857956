import { InvalidStateError } from "./errors.js";
import { isActionAllowedService, isDatastoreRunning, type InstanceState } from "./instance-status.js";

/**
 * The one transition table: which operation may start in which state (trove-api.md §3.6), and the
 * task each operation sets while it runs. Routes call `assertAllowed` before recording a task;
 * refusals are 422 with Trove's wording.
 */

type Precondition = "can_perform" | "idle" | "not_building" | "datastore_running" | "none";

export const OPERATIONS = {
  restart: { check: "can_perform", task: "REBOOTING" },
  resize_flavor: { check: "can_perform", task: "RESIZING" },
  resize_volume: { check: "can_perform", task: "RESIZING" },
  configuration_change: { check: "idle", task: "NONE" },
  delete: { check: "not_building", task: "DELETING" },
  users_databases: { check: "datastore_running", task: null },
  stop: { check: "none", task: "STOPPING" },
  start: { check: "none", task: "REBOOTING" },
  reboot: { check: "none", task: "REBOOTING" },
  reset_status: { check: "none", task: "NONE" },
  access_update: { check: "not_building", task: "UPDATING" },
  rename: { check: "none", task: null },
} as const satisfies Record<string, { check: Precondition; task: string | null }>;
export type Operation = keyof typeof OPERATIONS;

export function assertAllowed(operation: Operation, instanceId: string, s: InstanceState): void {
  const why = refusal(OPERATIONS[operation].check, s);
  if (why === undefined) return;
  throw new InvalidStateError(
    why.code,
    why.code === "INSTANCE_NOT_READY"
      ? `Instance ${instanceId} is not ready, status: ${why.status}.`
      : `Instance ${instanceId} is not currently available for an action to be performed (${why.status}).`,
    { details: { operation } },
  );
}

function refusal(check: Precondition, s: InstanceState): { code: string; status: string } | undefined {
  switch (check) {
    case "none":
      return undefined;
    case "not_building":
      return s.task === "BUILDING"
        ? { code: "INSTANCE_BUSY", status: "task status was BUILDING" }
        : undefined;
    case "idle":
      if (s.server !== "ACTIVE") return { code: "INSTANCE_BUSY", status: `status was ${s.server}` };
      if (s.task !== "NONE" && s.task !== "RESTART_REQUIRED")
        return { code: "INSTANCE_BUSY", status: `task status was ${s.task}` };
      return undefined;
    case "datastore_running":
      return isDatastoreRunning(s.service) && s.task !== "BUILDING"
        ? undefined
        : { code: "INSTANCE_NOT_READY", status: s.service.toUpperCase() };
    case "can_perform":
      if (s.server !== "ACTIVE") return { code: "INSTANCE_BUSY", status: `instance status was ${s.server}` };
      if (s.task !== "NONE" && s.task !== "RESTART_REQUIRED")
        return { code: "INSTANCE_BUSY", status: `task status was ${s.task}` };
      if (!isActionAllowedService(s.service))
        return { code: "INSTANCE_BUSY", status: `instance status was ${s.service.toUpperCase()}` };
      if (s.backupRunning) return { code: "INSTANCE_BUSY", status: "a backup is running" };
      return undefined;
  }
}
