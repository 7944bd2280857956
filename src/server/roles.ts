import type { Config } from "../config/index.js";
import type { Clock } from "../domain/index.js";
import type { Logger } from "../lib/index.js";
import type { MessageBus } from "../bus/index.js";
import type { Store } from "../store/index.js";
import { createConductor } from "../conductor/index.js";
import { createTaskManager, WORKFLOWS } from "../taskmanager/index.js";

/** A started role: something to stop, in reverse order of starting. */
export type Stopper = () => Promise<void>;

export interface RoleDeps {
  config: Config;
  store: Store;
  bus: MessageBus;
  clock: Clock;
  logger: Logger;
}

/** The task manager role: claims recorded tasks and runs their workflows. */
export async function startTaskManager(deps: RoleDeps): Promise<Stopper> {
  const { config } = deps;
  const tm = createTaskManager(
    {
      store: deps.store,
      bus: deps.bus,
      clock: deps.clock,
      logger: deps.logger,
      // One compute host per installation for now: this process's, or the configured one.
      pickHost: async () => config.hostName,
      healthyTimeoutMs: 120_000,
      pollMs: 25,
    },
    WORKFLOWS,
    { leaseMs: 10_000, pollMs: 1_000, concurrency: 32 },
  );
  await tm.start();
  return () => tm.stop();
}

/** The conductor role: writes guest heartbeats to the store. */
export async function startConductor(deps: RoleDeps): Promise<Stopper> {
  const conductor = createConductor(deps);
  await conductor.start();
  return () => conductor.stop();
}
