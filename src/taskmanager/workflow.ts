import type { MessageBus } from "../bus/index.js";
import type { Clock, EventKind } from "../domain/index.js";
import type { EventRecorder } from "../events/index.js";
import type { Logger } from "../lib/index.js";
import type { Metrics } from "../metrics/index.js";
import type { Store, Task } from "../store/index.js";

/**
 * A workflow is a list of named steps read top to bottom (CONVENTIONS §8). Each step does its I/O,
 * is idempotent (it may run again after a crash between doing and recording), has a timeout, and
 * returns what later steps need, which is stored with the task. A task manager that dies is
 * replaced by another that resumes after the last recorded step.
 */

export interface WorkflowDeps {
  store: Store;
  bus: MessageBus;
  clock: Clock;
  logger: Logger;
  /** Picks the compute host for a new instance. */
  pickHost(instanceId: string): Promise<string>;
  /** How long to wait for an engine to report healthy after prepare. */
  healthyTimeoutMs: number;
  /** How often to look at the service status while waiting. */
  pollMs: number;
  /** Where task and step durations and failures are counted (a registry of its own when absent). */
  metrics?: Metrics;
  /** Where a task's event goes when it ends (a recorder over `store` when absent). */
  events?: EventRecorder;
}

export type TaskData = Record<string, unknown>;

/** Who asked for a task: the API request that recorded it (kept in the task's data as `origin`). */
export interface TaskOrigin {
  requestId: string;
  userId?: string;
  userName?: string;
}

export interface StepContext<D extends TaskData> {
  task: Task;
  instanceId: string;
  data: D;
  deps: WorkflowDeps;
  /** Aborted when the step times out or the task manager stops; long waits must honour it. */
  signal: AbortSignal;
  log: Logger;
}

export interface Step<D extends TaskData> {
  name: string;
  timeoutMs: number;
  /** Returns fields to merge into the task's data (or nothing). */
  run(ctx: StepContext<D>): Promise<Partial<D> | void>;
}

export interface Workflow<D extends TaskData = TaskData> {
  kind: string;
  steps: readonly Step<D>[];
  /** The event recorded when a task of this kind succeeds (a failure records `instance.task_failed`). */
  event?: EventKind;
  /** Data fields that hold secrets (passwords): removed from the stored task when it ends. */
  secretFields?: readonly (keyof D & string)[];
  /**
   * Leaves the instance in a state the user can read after a step failed or timed out: a visible
   * fault, never BUILD forever. Must itself be idempotent.
   */
  onFailure(ctx: StepContext<D>, error: Error): Promise<void>;
}

/** Erases a workflow's data type so workflows of different kinds fit in one registry. */
export function defineWorkflow<D extends TaskData>(workflow: Workflow<D>): Workflow {
  return workflow;
}
