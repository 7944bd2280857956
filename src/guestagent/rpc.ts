import type { JsonValue, MessageBus } from "../bus/index.js";
import type { Manager, ServiceStatus } from "../domain/index.js";

/**
 * The RPC contracts of the compute side, and typed clients for the task manager.
 *
 * - A **host agent** runs on each compute host (in the embedded shape: inside the server process)
 *   and serves `compute.<host>`: it places instances (address, volume, limits) and starts one guest
 *   agent per instance it holds.
 * - A **guest agent** serves `guestagent.<instance id>` (Trove's topic) and owns that instance's
 *   engine: prepare, restart, stop, start, resize, status. It reports to the conductor.
 *
 * Payloads are plain JSON; secrets in them (user passwords at prepare) are never logged.
 */

export const hostTopic = (host: string): string => `compute.${host}`;
export const guestTopic = (instanceId: string): string => `guestagent.${instanceId}`;

export type PlacementRequest = {
  instanceId: string;
  volumeSizeGb: number;
  ramMb: number;
  vcpus: number;
  isPublic: boolean;
};

export type PlacementResult = { host: string; address: string };

/** What a warm pool holds: engines of one installation, sized for one flavor and volume. */
export type PoolShape = {
  manager: Manager;
  image: string;
  version: string;
  ramMb: number;
  vcpus: number;
  volumeSizeGb: number;
};

/** A pooled engine taken for a new instance: its id becomes the instance's id. */
export type PooledInstance = { instanceId: string; host: string; address: string };

/** One string per pool shape: what a create must match exactly to take from that pool. */
export function poolKey(s: PoolShape): string {
  return [s.manager, s.image, s.version, s.ramMb, s.vcpus, s.volumeSizeGb].join("|");
}

export type DatabaseSpec = { name: string; characterSet?: string; collate?: string };
export type UserSpec = { name: string; password: string; host?: string; databases: string[] };

export type PrepareRequest = {
  instanceId: string;
  manager: Manager;
  /** For the local provider: the directory holding the engine's binaries. */
  image: string;
  /** Full engine version, e.g. "15.18". */
  version: string;
  ramMb: number;
  vcpus: number;
  volumeSizeGb: number;
  databases: DatabaseSpec[];
  users: UserSpec[];
  /** Engine parameters on top of the flavor-derived defaults (configuration groups). */
  overrides: Record<string, string | number | boolean>;
};

export type StatusReport = { status: ServiceStatus; volumeUsedGb: number | null };

/** Timeouts of guest calls (Trove's agent_call_low/high_timeout, shortened: engines here are local). */
export const GUEST_TIMEOUTS = { low: 15_000, high: 180_000 } as const;

const json = (value: unknown): JsonValue => value as JsonValue;

/** What the task manager asks of a compute host. */
export class HostClient {
  constructor(
    private readonly bus: MessageBus,
    readonly host: string,
  ) {}

  /** Idempotent: placing an instance already placed returns its placement. Starts its guest agent. */
  provision(request: PlacementRequest): Promise<PlacementResult> {
    return this.bus.call(hostTopic(this.host), "provision", json(request), {
      timeoutMs: GUEST_TIMEOUTS.high,
    });
  }

  /** Idempotent: stops the engine and guest agent, removes volume and address. */
  destroy(instanceId: string): Promise<void> {
    return this.bus.call(hostTopic(this.host), "destroy", { instanceId }, { timeoutMs: GUEST_TIMEOUTS.high });
  }

  /**
   * Takes a ready engine of this shape from the host's warm pool, or null when it has none. The
   * engine is reserved for the caller until `provision` with its id confirms it (or `releasePooled`
   * gives it back); a reservation nobody confirms is destroyed after a while.
   */
  claimPooled(shape: PoolShape, timeoutMs = 2000): Promise<PooledInstance | null> {
    return this.bus.call(hostTopic(this.host), "claim_pooled", json(shape), { timeoutMs });
  }

  /** Gives a claimed, unconfirmed engine back to its pool (the create that took it failed). */
  releasePooled(instanceId: string): Promise<void> {
    return this.bus.call(
      hostTopic(this.host),
      "release_pooled",
      { instanceId },
      { timeoutMs: GUEST_TIMEOUTS.low },
    );
  }
}

/** What the task manager (and the API, for users and databases) asks of one instance's guest agent. */
export class GuestClient {
  constructor(
    private readonly bus: MessageBus,
    readonly instanceId: string,
  ) {}

  private call<T>(method: string, args: unknown, timeoutMs: number): Promise<T> {
    return this.bus.call<T>(guestTopic(this.instanceId), method, json(args ?? {}), { timeoutMs });
  }

  /** Initialises and starts the engine, creates the requested databases and users. Idempotent. */
  prepare(request: PrepareRequest): Promise<StatusReport> {
    return this.call("prepare", request, GUEST_TIMEOUTS.high);
  }
  restart(): Promise<StatusReport> {
    return this.call("restart", {}, GUEST_TIMEOUTS.high);
  }
  /** Stops the engine and keeps it stopped (also across Coffer restarts) until `start`. */
  stop(): Promise<StatusReport> {
    return this.call("stop", {}, GUEST_TIMEOUTS.high);
  }
  start(): Promise<StatusReport> {
    return this.call("start", {}, GUEST_TIMEOUTS.high);
  }
  getStatus(): Promise<StatusReport> {
    return this.call("get_status", {}, GUEST_TIMEOUTS.low);
  }
  /** Grows the volume online; the engine keeps running. */
  resizeVolume(sizeGb: number): Promise<StatusReport> {
    return this.call("resize_volume", { sizeGb }, GUEST_TIMEOUTS.high);
  }
  /** New memory/CPU limits and engine settings for the flavor; restarts the engine. */
  resizeFlavor(ramMb: number, vcpus: number): Promise<StatusReport> {
    return this.call("resize_flavor", { ramMb, vcpus }, GUEST_TIMEOUTS.high);
  }
}
