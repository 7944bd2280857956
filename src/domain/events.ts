/**
 * Instance events: what happened to an instance (or a cluster, a host), when and why, kept in the
 * store for a while (`--event-retention`), listed by the API and `coffer event-list`, and written
 * to the log. Each kind is one line here: its level and what it means. To emit a new kind, add its
 * line and call the event recorder (`src/events/`) with it; a workflow names the kind it records
 * when it succeeds (`Workflow.event`).
 *  - info: something asked for was done, or done on the user's behalf;
 *  - warning: something went wrong and Coffer is dealing with it;
 *  - error: something went wrong that a person may have to look at.
 */
export const EVENT_KINDS = {
  "instance.created": { level: "info", doc: "The instance was built and became ACTIVE." },
  "instance.deleted": { level: "info", doc: "The instance and its volume were removed." },
  "instance.restarted": { level: "info", doc: "The engine was restarted." },
  "instance.stopped": { level: "info", doc: "The engine was stopped (admin)." },
  "instance.started": { level: "info", doc: "The engine was started again (admin)." },
  "instance.resized": { level: "info", doc: "The instance moved to another flavor." },
  "instance.volume_resized": { level: "info", doc: "The instance's volume grew." },
  "instance.configuration_applied": {
    level: "info",
    doc: "A configuration group was attached, changed or detached, and its values applied.",
  },
  "instance.access_changed": { level: "info", doc: "Public access (address, allowed CIDRs) changed." },
  "instance.task_failed": {
    level: "error",
    doc: "An operation on the instance failed; the cause is the fault the instance shows.",
  },
  "engine.crashed": {
    level: "warning",
    doc: "The guest agent found the engine not running when it should, and is launching it again.",
  },
  "engine.relaunched": { level: "info", doc: "The engine that had stopped runs again." },
  "engine.relaunch_failed": {
    level: "error",
    doc: "The engine that had stopped could not be launched again (retried with each heartbeat).",
  },
} as const satisfies Record<string, { level: EventLevel; doc: string }>;

export type EventLevel = "info" | "warning" | "error";
export type EventKind = keyof typeof EVENT_KINDS;

export function isEventKind(value: string): value is EventKind {
  return Object.prototype.hasOwnProperty.call(EVENT_KINDS, value);
}

/** One recorded event. */
export interface InstanceEvent {
  id: string;
  at: Date;
  kind: EventKind;
  /** The instance it is about (kept after the instance is deleted); null for host-wide events. */
  instanceId: string | null;
  /** Who may read it besides admins; null for events no project owns (a host going down). */
  projectId: string | null;
  /** Why it happened, in words: who asked (user and request id), or what Coffer saw. */
  cause: string;
  /** Small facts for programs (task id, workflow, error code, …). */
  details: Record<string, string | number | boolean | null>;
}
