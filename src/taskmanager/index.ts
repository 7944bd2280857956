/**
 * taskmanager: runs durable workflows (create, delete, restart, resize, stop, start, applying a
 * configuration group, changing access). The API records a task row in the same transaction as its instance
 * change and casts `wake` on the `taskmanager` topic; a runner claims tasks with a lease, runs
 * their named, idempotent, timed steps, records progress after each, and resumes a dead
 * runner's tasks when the lease lapses.
 */
export {
  createTaskManager,
  END_STEP,
  TASKMANAGER_TOPIC,
  type TaskManager,
  type RunnerOptions,
  type StepBoundary,
} from "./runner.js";
export { createKillPoints, type KillPoint } from "./kill-points.js";
export type { Workflow, WorkflowDeps, Step, StepContext, TaskOrigin } from "./workflow.js";
export { DEFAULT_RETRY, type RetryPolicy } from "./attempts.js";
export { WORKFLOWS } from "./workflows/index.js";
export type {
  ApplyConfigurationData,
  CreateData,
  DeleteData,
  ResizeFlavorData,
  ResizeVolumeData,
  UpdateAccessData,
} from "./workflows/index.js";
