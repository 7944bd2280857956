/**
 * events: records instance events (domain/events.ts lists the kinds) in the store and the log.
 * The task manager records a workflow's event when a task ends, the conductor those guest agents
 * report (an engine that died and was launched again), and other components theirs with
 * `recorder.record(kind, {instanceId, cause, details})`. `pruneEvents` applies the retention
 * (the conductor role runs it). The API lists them (docs/observability.md).
 */
export {
  createEventRecorder,
  pruneEvents,
  type EventRecorder,
  type EventRecorderDeps,
  type EventSubject,
} from "./recorder.js";
