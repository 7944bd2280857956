import type { Config } from "../config/index.js";
import type { Clock } from "../domain/index.js";
import type { Identity } from "../identity/index.js";
import type { Logger } from "../lib/index.js";

/** What the HTTP layer needs from the rest of Coffer; the composition root fills it in. */
export interface ApiDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  /** Tokens, the Keystone resources, policy and quotas. */
  identity: Identity;
  /** Checks behind GET /healthcheck; each throws when its dependency is unhealthy. */
  healthChecks: Record<string, () => Promise<void>>;
}
