import type { EngineFigures } from "../domain/index.js";

/** The figures an instance's engine reported with its last heartbeat that carried any. */
export interface EngineFiguresRecord {
  instanceId: string;
  figures: EngineFigures;
  /** When the guest agent measured them. */
  measuredAt: Date;
}
