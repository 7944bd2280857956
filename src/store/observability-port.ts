import type { EngineFigures, EventKind, InstanceEvent } from "../domain/index.js";
import type { EngineFiguresRecord } from "./observability-records.js";

/* The same contract as port.ts: get… → undefined when missing. */

/**
 * The last figures each instance's engine reported (one row per instance, replaced by every
 * heartbeat that carries figures; gone with the instance row). The conductor writes them; the
 * API serves them as Prometheus series, so that every API process has them whichever process
 * received the heartbeat.
 */
export interface EngineFiguresRepository {
  /** Creates or replaces the instance's figures. The instance must exist (REFERENCE_VIOLATION). */
  set(instanceId: string, figures: EngineFigures, measuredAt: Date): Promise<EngineFiguresRecord>;
  get(instanceId: string): Promise<EngineFiguresRecord | undefined>;
  /** The figures of these instances, or of every instance when none are named; ordered by instance. */
  list(instanceIds?: readonly string[]): Promise<EngineFiguresRecord[]>;
}

export interface EventFilter {
  instanceId?: string;
  projectId?: string;
  kind?: EventKind;
  /** Only events at or after this time. */
  since?: Date;
  /** The id of the last event of the previous page: only events older than it. */
  before?: string;
  limit?: number;
}

/**
 * Instance events, kept until `deleteBefore` removes them (the retention). Events outlive their
 * instance (no reference to the instance row), so a deleted instance's history stays readable.
 */
export interface EventRepository {
  /** Duplicate id → ConflictError EVENT_EXISTS. */
  record(event: InstanceEvent): Promise<InstanceEvent>;
  get(id: string): Promise<InstanceEvent | undefined>;
  /** Newest first (by time, then id); an unknown `before` id gives an empty page. */
  list(filter?: EventFilter): Promise<InstanceEvent[]>;
  /** Removes the events older than `at`; resolves how many. */
  deleteBefore(at: Date): Promise<number>;
}

export interface ObservabilityRepositories {
  readonly engineFigures: EngineFiguresRepository;
  readonly events: EventRepository;
}
