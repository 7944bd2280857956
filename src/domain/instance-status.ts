/**
 * Trove's instance status model (trove-api.md §3): three stored dimensions — the task the control
 * plane is running, the server (compute allocation) status, and the service status the guest agent
 * reports — and the two visible fields derived from them on every read, `status` and
 * `operating_status`. Nothing else in Coffer computes these.
 */

/** What the control plane is doing to the instance (`instances.task_status`). */
export const TASKS = {
  NONE: { action: "NONE", description: "No tasks for the instance.", isError: false },
  DELETING: { action: "DELETING", description: "Deleting the instance.", isError: false },
  REBOOTING: { action: "REBOOTING", description: "Rebooting the instance.", isError: false },
  RESIZING: { action: "RESIZING", description: "Resizing the instance.", isError: false },
  BUILDING: { action: "BUILDING", description: "The instance is building.", isError: false },
  RESTART_REQUIRED: {
    action: "RESTART_REQUIRED",
    description: "Instance requires a restart.",
    isError: false,
  },
  PROMOTING: {
    action: "PROMOTING",
    description: "Promoting the instance to replica source.",
    isError: false,
  },
  EJECTING: { action: "EJECTING", description: "Ejecting the replica source.", isError: false },
  DETACHING: {
    action: "DETACHING",
    description: "Detaching the instance from replica source.",
    isError: false,
  },
  UPDATING: { action: "UPDATING", description: "Updating the instance.", isError: false },
  // Coffer's own: the admin's stop runs as a task, and shows so (SHUTDOWN) while it runs.
  STOPPING: { action: "STOPPING", description: "Stopping the database.", isError: false },
  BUILD_ERROR_SERVER: { action: "BUILDING", description: "Build error: Server.", isError: true },
  BUILD_ERROR_VOLUME: { action: "BUILDING", description: "Build error: Volume.", isError: true },
  BUILD_ERROR_GUEST_TIMEOUT: {
    action: "ERROR",
    description: "Build error: guestagent timeout.",
    isError: true,
  },
  UPDATE_ERROR: { action: "UPDATING", description: "Update error.", isError: true },
} as const;
export type TaskStatus = keyof typeof TASKS;

/** What the engine is doing, as the guest agent reports it (`service_statuses`). */
export const SERVICE_STATUSES = {
  new: "NEW",
  building: "BUILD",
  "instance ready": "BUILD",
  running: "ACTIVE",
  healthy: "HEALTHY",
  blocked: "BLOCKED",
  paused: "SHUTDOWN",
  shutdown: "SHUTDOWN",
  crashed: "SHUTDOWN",
  restarting: "RESTARTING",
  "restart required": "RESTART_REQUIRED",
  "failed to spawn": "FAILED",
  "guestagent error": "ERROR",
  unknown: "ERROR",
  deleted: "DELETED",
} as const;
export type ServiceStatus = keyof typeof SERVICE_STATUSES;

/** The compute allocation's state: Coffer's stand-in for Nova's server status. */
export const SERVER_STATUSES = ["BUILD", "ACTIVE", "SHUTDOWN", "ERROR", "REBOOT", "RESIZE"] as const;
export type ServerStatus = (typeof SERVER_STATUSES)[number];

/** Statuses in which the engine may be asked to do something (§3.2 "action allowed"). */
const ACTION_ALLOWED_SERVICE: ReadonlySet<ServiceStatus> = new Set([
  "running",
  "shutdown",
  "crashed",
  "blocked",
  "healthy",
  "restart required",
]);
const DATASTORE_RUNNING: ReadonlySet<ServiceStatus> = new Set(["running", "healthy"]);

export interface InstanceState {
  task: TaskStatus;
  server: ServerStatus;
  service: ServiceStatus;
  /** When the guest agent last reported (the service status row's update time). */
  serviceUpdatedAt: Date;
  /** Whether a backup of this instance is NEW/BUILDING/SAVING. */
  backupRunning: boolean;
}

export interface VisibleStatus {
  status: string;
  operatingStatus: string;
}

/** Derives `status` and `operating_status` (§3.3–§3.5). `heartbeatExpiryMs`: Trove's 90 s by default. */
export function visibleStatus(state: InstanceState, now: Date, heartbeatExpiryMs: number): VisibleStatus {
  return { status: statusOf(state), operatingStatus: operatingStatusOf(state, now, heartbeatExpiryMs) };
}

function statusOf(s: InstanceState): string {
  const task = TASKS[s.task];
  if (task.isError) return "ERROR";
  switch (task.action) {
    case "BUILDING":
      return s.server === "ERROR" ? "ERROR" : "BUILD";
    case "REBOOTING":
      return "REBOOT";
    case "RESIZING":
      return "RESIZE";
    case "RESTART_REQUIRED":
      return "RESTART_REQUIRED";
    case "PROMOTING":
      return "PROMOTE";
    case "EJECTING":
      return "EJECT";
    case "DETACHING":
      return "DETACH";
    case "DELETING":
      return s.server === "ERROR" ? "ERROR" : "SHUTDOWN";
    // Upstream lets UPDATING fall through to ACTIVE while it refuses every action with 422 "task
    // status was UPDATING": a client polling for ACTIVE could not know when it may act. Here every
    // task that makes the transition table refuse shows a status other than ACTIVE.
    case "UPDATING":
      return "UPDATE";
    case "STOPPING":
      return "SHUTDOWN";
  }
  if (s.backupRunning) return "BACKUP";
  return s.server;
}

function operatingStatusOf(s: InstanceState, now: Date, heartbeatExpiryMs: number): string {
  if (s.task !== "NONE" || s.server !== "ACTIVE") return "";
  const stale = now.getTime() - s.serviceUpdatedAt.getTime() >= heartbeatExpiryMs;
  if (stale && s.service !== "restart required") return SERVICE_STATUSES["guestagent error"];
  return SERVICE_STATUSES[s.service];
}

export function isDatastoreRunning(service: ServiceStatus): boolean {
  return DATASTORE_RUNNING.has(service);
}

export function isActionAllowedService(service: ServiceStatus): boolean {
  return ACTION_ALLOWED_SERVICE.has(service);
}

export function isServiceStatus(value: string): value is ServiceStatus {
  return Object.hasOwn(SERVICE_STATUSES, value);
}
