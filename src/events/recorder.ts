import {
  EVENT_KINDS,
  uuidGenerator,
  type Clock,
  type EventKind,
  type IdGenerator,
  type InstanceEvent,
} from "../domain/index.js";
import type { Logger } from "../lib/index.js";
import { createMetrics, type Metrics } from "../metrics/index.js";
import type { Repositories, Store } from "../store/index.js";

/** What an event is about and why it happened. */
export interface EventSubject {
  /** The instance; its project is looked up when `projectId` is not given. */
  instanceId?: string | null;
  projectId?: string | null;
  cause: string;
  details?: InstanceEvent["details"];
  /** When it happened, if not now (a guest agent's own time). */
  at?: Date;
}

export interface EventRecorder {
  /**
   * Records the event in the store and writes it to the log. Never throws: an event that cannot
   * be stored is logged as such, and what caused it goes on (an event is a record, not a step).
   * `tx`: record inside the caller's transaction.
   */
  record(kind: EventKind, subject: EventSubject, tx?: Repositories): Promise<InstanceEvent | undefined>;
}

export interface EventRecorderDeps {
  store: Store;
  logger: Logger;
  clock: Clock;
  metrics?: Metrics;
  ids?: IdGenerator;
}

const LOG_LEVEL = { info: "info", warning: "warn", error: "error" } as const;

export function createEventRecorder(deps: EventRecorderDeps): EventRecorder {
  const log = deps.logger.child({ component: "events" });
  const metrics = deps.metrics ?? createMetrics();
  const ids = deps.ids ?? uuidGenerator;

  return {
    async record(kind, subject, tx) {
      const repos = tx ?? deps.store;
      const instanceId = subject.instanceId ?? null;
      let event: InstanceEvent | undefined;
      try {
        const projectId =
          subject.projectId !== undefined
            ? subject.projectId
            : instanceId === null
              ? null
              : ((await repos.instances.get(instanceId, { includeDeleted: true }))?.projectId ?? null);
        event = await repos.events.record({
          id: ids(),
          at: subject.at ?? deps.clock.now(),
          kind,
          instanceId,
          projectId,
          cause: subject.cause,
          details: subject.details ?? {},
        });
      } catch (err) {
        log.error({ err, event: kind, instanceId, cause: subject.cause }, "an event could not be stored");
        return undefined;
      }
      metrics.events.inc({ kind });
      const level = LOG_LEVEL[EVENT_KINDS[kind].level];
      log[level](
        { event: kind, eventId: event.id, instanceId, projectId: event.projectId, details: event.details },
        `${kind}: ${event.cause}`,
      );
      return event;
    },
  };
}

/** Removes the events older than the retention; resolves how many went. */
export async function pruneEvents(store: Store, now: Date, retentionDays: number): Promise<number> {
  return store.events.deleteBefore(new Date(now.getTime() - retentionDays * 86_400_000));
}
