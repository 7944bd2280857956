import type { MessageBus } from "../bus/index.js";
import type { EngineFigures, EventKind, InstanceEvent, ServiceStatus } from "../domain/index.js";

/**
 * The conductor's contract (Trove's `trove-conductor` topic): guest agents cast heartbeats,
 * the conductor writes them to the infrastructure database. Casts are at most once; a lost
 * heartbeat is replaced by the next one.
 */
export const CONDUCTOR_TOPIC = "conductor";

export type Heartbeat = {
  instanceId: string;
  status: ServiceStatus;
  volumeUsedGb: number | null;
  /** When the guest measured it (epoch ms); older heartbeats than the last seen are dropped. */
  sentAt: number;
  /** The engine's figures, read by the heartbeat's query (absent when the engine did not answer). */
  figures?: EngineFigures;
};

/** An event a guest agent saw (an engine that died, and was launched again); the conductor records it. */
export type GuestEvent = {
  instanceId: string;
  kind: EventKind;
  cause: string;
  /** When the guest saw it (epoch ms). */
  at: number;
  details?: InstanceEvent["details"];
};

export class ConductorClient {
  constructor(private readonly bus: MessageBus) {}

  heartbeat(beat: Heartbeat): Promise<void> {
    return this.bus.cast(CONDUCTOR_TOPIC, "heartbeat", beat);
  }

  event(event: GuestEvent): Promise<void> {
    return this.bus.cast(CONDUCTOR_TOPIC, "event", event);
  }
}
