import type { Clock } from "../domain/index.js";
import type { ComputeProvider, HostCapabilities } from "../compute/index.js";
import type { ConductorClient } from "../conductor/index.js";
import type { Logger } from "../lib/index.js";
import type { Engine, EngineInstallation } from "./engines/index.js";
import type { GuestPaths } from "./paths.js";
import type { Templates } from "./templates.js";

/** What every guest agent of a host shares; built once by the host agent. */
export interface GuestContext {
  provider: ComputeProvider;
  /** Where heartbeats go (a warm pool's unclaimed engines report nowhere). */
  conductor: Pick<ConductorClient, "heartbeat" | "event">;
  logger: Logger;
  clock: Clock;
  paths: GuestPaths;
  templates: Templates;
  /** What the host offers (online volume growth decides how resize_volume works). */
  capabilities: HostCapabilities;
  engineFor(manager: string): Engine;
  /** The engine installation in `image` (probed once per image); GUEST_IMAGE_INVALID when there is none. */
  installation(engine: Engine, image: string): Promise<EngineInstallation>;
  /** A new admin password (random, printable ASCII). */
  newPassword(): string;
  /** How long an engine may take to accept connections after it was launched. */
  startTimeoutMs: number;
  /** How long a clean shutdown may take before the engine is killed. */
  stopTimeoutMs: number;
  /** Heartbeats reuse a volume usage measured this recently (`du` is not free on directory volumes). */
  volumeUsageMaxAgeMs: number;
}
