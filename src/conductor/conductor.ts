import type { MessageBus, Subscription } from "../bus/index.js";
import {
  isEventKind,
  isServiceStatus,
  parseEngineFigures,
  ValidationError,
  type Clock,
  type InstanceEvent,
} from "../domain/index.js";
import { createEventRecorder, type EventRecorder } from "../events/index.js";
import type { Logger } from "../lib/index.js";
import { createMetrics, type Metrics } from "../metrics/index.js";
import type { Store } from "../store/index.js";
import { CONDUCTOR_TOPIC, type GuestEvent, type Heartbeat } from "./rpc.js";

export interface Conductor {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Applies one heartbeat (what the bus handler does); exposed for tests. */
  heartbeat(beat: Heartbeat): Promise<void>;
}

export interface ConductorDeps {
  store: Store;
  bus: MessageBus;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  /** Where the events guest agents report go (a recorder over `store` when absent). */
  events?: EventRecorder;
}

/**
 * Writes guest heartbeats to the store, as Trove's conductor does (§4.4): a heartbeat older than
 * the stored status is dropped; while the stored status is "restart required" only the time moves
 * (the restart, not a heartbeat, clears it); a deleted instance stays deleted. The engine's figures
 * a heartbeat carries replace the instance's last ones (served by the API's /metrics).
 */
export function createConductor(deps: ConductorDeps): Conductor {
  const log = deps.logger.child({ component: "conductor" });
  const metrics = deps.metrics ?? createMetrics();
  const events = deps.events ?? createEventRecorder({ ...deps, metrics });
  let subscription: Subscription | undefined;

  async function heartbeat(beat: Heartbeat): Promise<void> {
    const sent = new Date(beat.sentAt);
    const current = await deps.store.serviceStatuses.get(beat.instanceId);
    const stale = (current && current.updatedAt.getTime() > sent.getTime()) || current?.status === "deleted";
    metrics.heartbeats.inc({ status: beat.status, outcome: stale ? "stale" : "recorded" });
    if (stale) return;
    const status = current?.status === "restart required" ? current.status : beat.status;
    await deps.store.serviceStatuses.set(beat.instanceId, status, sent);
    if (beat.volumeUsedGb !== null) {
      await deps.store.instances.update(beat.instanceId, {
        volumeUsedGb: beat.volumeUsedGb,
        updatedAt: deps.clock.now(),
      });
    }
    if (beat.figures) await deps.store.engineFigures.set(beat.instanceId, beat.figures, sent);
  }

  return {
    heartbeat,
    async start() {
      subscription = await deps.bus.serve(
        CONDUCTOR_TOPIC,
        {
          heartbeat: async (args) => {
            let beat: Heartbeat;
            try {
              beat = parseHeartbeat(args);
            } catch (err) {
              metrics.heartbeats.inc({ status: "", outcome: "invalid" });
              throw err;
            }
            await heartbeat(beat).catch((err: unknown) =>
              log.warn({ err, instanceId: beat.instanceId }, "heartbeat not recorded"),
            );
          },
          event: async (args) => {
            const event = parseGuestEvent(args);
            await events.record(event.kind, {
              instanceId: event.instanceId,
              cause: event.cause,
              at: new Date(event.at),
              details: event.details ?? {},
            });
          },
        },
        { service: true },
      );
    },
    async stop() {
      await subscription?.close();
    },
  };
}

function parseHeartbeat(args: unknown): Heartbeat {
  const a = (args ?? {}) as Record<string, unknown>;
  if (
    typeof a.instanceId !== "string" ||
    typeof a.status !== "string" ||
    !isServiceStatus(a.status) ||
    typeof a.sentAt !== "number"
  ) {
    throw new ValidationError("HEARTBEAT_INVALID", "malformed heartbeat");
  }
  const used = typeof a.volumeUsedGb === "number" ? a.volumeUsedGb : null;
  const figures = parseEngineFigures(a.figures);
  return {
    instanceId: a.instanceId,
    status: a.status,
    volumeUsedGb: used,
    sentAt: a.sentAt,
    ...(figures ? { figures } : {}),
  };
}

function parseGuestEvent(args: unknown): GuestEvent {
  const a = (args ?? {}) as Record<string, unknown>;
  if (
    typeof a.instanceId !== "string" ||
    typeof a.kind !== "string" ||
    !isEventKind(a.kind) ||
    typeof a.cause !== "string" ||
    typeof a.at !== "number"
  ) {
    throw new ValidationError("GUEST_EVENT_INVALID", "malformed guest event");
  }
  const details: InstanceEvent["details"] = {};
  if (typeof a.details === "object" && a.details !== null && !Array.isArray(a.details)) {
    for (const [k, v] of Object.entries(a.details)) {
      if (v === null || ["string", "number", "boolean"].includes(typeof v)) details[k] = v as string;
    }
  }
  return { instanceId: a.instanceId, kind: a.kind, cause: a.cause.slice(0, 2000), at: a.at, details };
}
