import type {
  Datastore,
  DatastoreVersion,
  Flavor,
  ServerStatus,
  ServiceStatus,
  TaskStatus,
} from "../domain/index.js";

/**
 * Records of the instance side of the infrastructure database: datastores, flavors, instances,
 * the guest agent's service status, and the task manager's durable tasks. Datastores, versions and
 * flavors are the domain's own types.
 */
export type { Datastore, DatastoreVersion, Flavor };

/** A failure the user can read on the instance (`fault` in the instance view). */
export interface InstanceFault {
  message: string;
  /** More detail (shown to admins); never a secret. */
  details: string;
  createdAt: Date;
}

export interface Instance {
  id: string;
  projectId: string;
  name: string;
  flavorId: string;
  datastoreVersionId: string;
  volumeSizeGb: number;
  /** Last measured use of the volume, reported by the guest agent. */
  volumeUsedGb: number | null;
  taskStatus: TaskStatus;
  serverStatus: ServerStatus;
  /** The compute host holding the instance, once placed. */
  host: string | null;
  /** The instance's own address on its host (engine on its standard port), once placed. */
  address: string | null;
  /** Its address from the host's public pool while `isPublic` (reachable from outside the host). */
  publicAddress: string | null;
  isPublic: boolean;
  allowedCidrs: string[];
  availabilityZone: string | null;
  configurationId: string | null;
  fault: InstanceFault | null;
  createdAt: Date;
  updatedAt: Date;
  /** Set when deleted; deleted instances are kept for audit and hidden from users. */
  deletedAt: Date | null;
}

export type NewInstance = Pick<
  Instance,
  "id" | "projectId" | "name" | "flavorId" | "datastoreVersionId" | "volumeSizeGb" | "createdAt"
> &
  Partial<Pick<Instance, "isPublic" | "allowedCidrs" | "availabilityZone" | "configurationId">>;

/** Fields left out are unchanged; `null` clears. `updatedAt` is set by the repository's caller. */
export type InstancePatch = Partial<
  Pick<
    Instance,
    | "name"
    | "flavorId"
    | "volumeSizeGb"
    | "volumeUsedGb"
    | "taskStatus"
    | "serverStatus"
    | "host"
    | "address"
    | "publicAddress"
    | "isPublic"
    | "allowedCidrs"
    | "configurationId"
    | "fault"
  >
> & { updatedAt: Date };

/** The last status a guest agent reported for its engine (Trove's `service_statuses`). */
export interface ServiceStatusRecord {
  instanceId: string;
  status: ServiceStatus;
  updatedAt: Date;
}

export const TASK_STATES = ["pending", "running", "succeeded", "failed", "cancelled"] as const;
export type TaskState = (typeof TASK_STATES)[number];

/**
 * One durable workflow run of the task manager. `data` holds the workflow's input and what its
 * completed steps produced, so that another task manager can resume after `step`.
 */
export interface Task {
  id: string;
  /** The instance the task works on (at most one pending/running task per instance). */
  instanceId: string | null;
  /** The workflow, e.g. "create_instance". */
  kind: string;
  state: TaskState;
  /** The last completed step, or null before the first. */
  step: string | null;
  data: Record<string, unknown>;
  /** How many times a task manager has claimed it. */
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewTask = Pick<Task, "id" | "instanceId" | "kind" | "data" | "createdAt">;

/** Who enabled an instance's root (Trove's root_enabled_history); one per instance. */
export interface RootHistory {
  instanceId: string;
  /** The identity user who enabled root last. */
  userId: string;
  enabledAt: Date;
  /** When root was disabled after being enabled; null while it is enabled. */
  disabledAt: Date | null;
}
