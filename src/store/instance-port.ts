import type {
  Datastore,
  DatastoreVersion,
  Flavor,
  Instance,
  InstancePatch,
  NewInstance,
  NewTask,
  RootHistory,
  ServiceStatusRecord,
  Task,
  TaskState,
} from "./instance-records.js";
import type { ServiceStatus } from "../domain/index.js";

/* The same contract as port.ts: get… → undefined when missing; duplicates → ConflictError. */

export interface DatastoreRepository {
  create(datastore: Datastore): Promise<Datastore>;
  get(id: string): Promise<Datastore | undefined>;
  getByName(name: string): Promise<Datastore | undefined>;
  list(): Promise<Datastore[]>;
  setDefaultVersion(id: string, versionId: string | null): Promise<Datastore | undefined>;
  /** Fails with REFERENCE_VIOLATION while it has versions. */
  delete(id: string): Promise<boolean>;
}

export interface DatastoreVersionRepository {
  /** Duplicate (datastoreId, name) → ConflictError DATASTORE_VERSION_EXISTS. */
  create(version: DatastoreVersion): Promise<DatastoreVersion>;
  get(id: string): Promise<DatastoreVersion | undefined>;
  getByName(datastoreId: string, name: string): Promise<DatastoreVersion | undefined>;
  list(filter?: { datastoreId?: string; active?: boolean }): Promise<DatastoreVersion[]>;
  update(
    id: string,
    patch: Partial<Omit<DatastoreVersion, "id" | "datastoreId">>,
  ): Promise<DatastoreVersion | undefined>;
  /** Fails with REFERENCE_VIOLATION while instances use it. */
  delete(id: string): Promise<boolean>;
}

export interface FlavorRepository {
  /** Duplicate id or name → ConflictError FLAVOR_EXISTS. */
  create(flavor: Flavor): Promise<Flavor>;
  get(id: string): Promise<Flavor | undefined>;
  getByName(name: string): Promise<Flavor | undefined>;
  /** Ordered by RAM, then id. */
  list(): Promise<Flavor[]>;
  delete(id: string): Promise<boolean>;
}

export interface InstanceRepository {
  /** New instances start with task BUILDING and server BUILD. */
  create(instance: NewInstance): Promise<Instance>;
  /** Deleted instances only with `includeDeleted`. */
  get(id: string, options?: { includeDeleted?: boolean }): Promise<Instance | undefined>;
  /** Ordered by id; `afterId` is the pagination marker (ids greater than it). */
  list(filter?: {
    projectId?: string;
    host?: string;
    /** Instances the configuration group is attached to. */
    configurationId?: string;
    includeDeleted?: boolean;
    limit?: number;
    afterId?: string;
  }): Promise<Instance[]>;
  /** Live instances only: a deleted one resolves undefined, as for `get`. */
  update(id: string, patch: InstancePatch): Promise<Instance | undefined>;
  /** Sets deletedAt (and task NONE); resolves whether it was live. */
  markDeleted(id: string, at: Date): Promise<boolean>;
}

export interface ServiceStatusRepository {
  /** Creates or replaces the instance's status. */
  set(instanceId: string, status: ServiceStatus, at: Date): Promise<ServiceStatusRecord>;
  get(instanceId: string): Promise<ServiceStatusRecord | undefined>;
  list(instanceIds: readonly string[]): Promise<ServiceStatusRecord[]>;
}

/**
 * Durable tasks with leases. A task manager `claim`s the oldest runnable task (pending, or
 * running whose lease expired because its owner died), records each completed step with
 * `progress` while it holds the lease, and `finish`es it. Every write after the claim checks the
 * owner, so a task manager that lost its lease cannot overwrite its successor's work.
 */
export interface TaskRepository {
  /** A second pending/running task for the same instance → ConflictError TASK_ACTIVE. */
  create(task: NewTask): Promise<Task>;
  get(id: string): Promise<Task | undefined>;
  /** The pending or running task of an instance, if any. */
  activeFor(instanceId: string): Promise<Task | undefined>;
  list(filter?: { instanceId?: string; state?: TaskState }): Promise<Task[]>;
  /** Atomically takes the oldest runnable task: state running, lease to `owner` until now+leaseMs, attempts+1. */
  claim(owner: string, now: Date, leaseMs: number): Promise<Task | undefined>;
  /** Extends the lease; false if `owner` no longer holds it. */
  renew(id: string, owner: string, until: Date): Promise<boolean>;
  /** Records a completed step and its data; false if `owner` no longer holds the lease. */
  progress(
    id: string,
    owner: string,
    step: string,
    data: Record<string, unknown>,
    at: Date,
  ): Promise<boolean>;
  /** Ends the task (succeeded/failed); false if `owner` no longer holds the lease. */
  finish(
    id: string,
    owner: string,
    state: "succeeded" | "failed",
    error: string | null,
    at: Date,
  ): Promise<boolean>;
  /** Cancels the instance's pending/running task (force delete); resolves how many. */
  cancelActive(instanceId: string, reason: string, at: Date): Promise<number>;
}

export interface RootHistoryRepository {
  /** Root was enabled (again): records who and when, and clears disabledAt. The instance must exist. */
  recordEnabled(instanceId: string, userId: string, at: Date): Promise<RootHistory>;
  get(instanceId: string): Promise<RootHistory | undefined>;
  /** Sets disabledAt when root is enabled; resolves whether it was. */
  recordDisabled(instanceId: string, at: Date): Promise<boolean>;
}

export interface InstanceRepositories {
  readonly datastores: DatastoreRepository;
  readonly datastoreVersions: DatastoreVersionRepository;
  readonly flavors: FlavorRepository;
  readonly instances: InstanceRepository;
  readonly serviceStatuses: ServiceStatusRepository;
  readonly tasks: TaskRepository;
  readonly rootHistory: RootHistoryRepository;
}
