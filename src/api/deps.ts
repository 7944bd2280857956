import type { Config } from "../config/index.js";
import type { Clock } from "../domain/index.js";
import type { Identity } from "../identity/index.js";
import type { Logger } from "../lib/index.js";
import type { Metrics } from "../metrics/index.js";
import type { MessageBus } from "../bus/index.js";
import type { Store } from "../store/index.js";

/** What the HTTP layer needs from the rest of Coffer; the composition root fills it in. */
export interface ApiDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  /** Tokens, the Keystone resources, policy and quotas. */
  identity: Identity;
  /** The infrastructure database: instances, datastores, flavors, tasks. */
  store: Store;
  /** Wakes the task manager after a task is recorded. */
  bus: MessageBus;
  /** Checks behind GET /healthcheck; each throws when its dependency is unhealthy. */
  healthChecks: Record<string, () => Promise<void>>;
  /** This process's metrics, served at GET /metrics (a registry of its own when absent). */
  metrics?: Metrics;
  /**
   * The compute hosts and their zones, for the compute face's availability zones. Optional: without
   * it the face derives hosts from instance placements (routes/compute/zones.ts).
   */
  computeHosts?: () => Promise<ComputeHost[]>;
}

/** A compute host as the compute face shows it (a zone member in `os-availability-zone/detail`). */
export interface ComputeHost {
  name: string;
  zone: string;
  /** Not disabled by an administrator: Nova's service `active`. */
  enabled: boolean;
  /** Heard from recently: Nova's service `available`. */
  up: boolean;
  updatedAt: Date | null;
}
