import type { EngineFigures } from "../domain/index.js";
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

export interface ObservabilityRepositories {
  readonly engineFigures: EngineFiguresRepository;
}
