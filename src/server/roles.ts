import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config/index.js";
import type { Clock } from "../domain/index.js";
import type { Logger } from "../lib/index.js";
import type { MessageBus } from "../bus/index.js";
import type { Store } from "../store/index.js";
import { createConductor } from "../conductor/index.js";
import { createKillPoints, createTaskManager, WORKFLOWS } from "../taskmanager/index.js";
import { createLocalProvider } from "../compute/index.js";
import { createHostAgent } from "../guestagent/index.js";
import { resolveWarmPools } from "./warm-pools.js";

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
    {
      leaseMs: 10_000,
      pollMs: 1_000,
      concurrency: 32,
      // Tests only (the kill-point sweep): nothing is called at step boundaries otherwise.
      ...(config.testKillPoints
        ? {
            stepBoundary: createKillPoints({
              planFile: config.testKillPoints,
              logger: deps.logger,
              nameOf: async (id) => (await deps.store.instances.get(id))?.name,
            }),
          }
        : {}),
    },
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

/**
 * The compute role: this host's local provider and its host agent, which adopts the engines this
 * host already runs (they outlived the last Coffer) before serving new work.
 */
export async function startComputeHost(deps: RoleDeps): Promise<Stopper> {
  const { config } = deps;
  await mkdir(config.computeDir, { recursive: true });
  // Engines run as an unprivileged user that must traverse to its volume and run dirs.
  await chmod(config.computeDir, 0o711);
  const provider = createLocalProvider({
    rootDir: join(config.computeDir, "host"),
    addressPool: config.addressPool,
    cgroupParent: config.cgroupParent,
    hostName: config.hostName,
    logger: deps.logger,
    spareVolumes: config.spareVolumes,
    volumeFilesystem: config.volumeFilesystem,
    ...(config.publicAddresses
      ? { publicAddressPool: config.publicAddresses.pool, publicInterface: config.publicAddresses.interface }
      : {}),
  });
  const agent = createHostAgent({
    bus: deps.bus,
    provider,
    logger: deps.logger,
    clock: deps.clock,
    hostName: config.hostName,
    rootDir: join(config.computeDir, "agent"),
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    warmPools: await resolveWarmPools(deps.store, config, deps.logger),
  });
  await agent.start();
  return () => agent.stop();
}
