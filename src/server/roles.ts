import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config/index.js";
import type { Clock } from "../domain/index.js";
import type { Logger } from "../lib/index.js";
import type { Metrics } from "../metrics/index.js";
import { pruneEvents, type EventRecorder } from "../events/index.js";
import type { MessageBus } from "../bus/index.js";
import type { Store } from "../store/index.js";
import { createConductor } from "../conductor/index.js";
import { createKillPoints, createTaskManager, WORKFLOWS } from "../taskmanager/index.js";
import { createLocalProvider, lockComputeDir } from "../compute/index.js";
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
  metrics: Metrics;
  events: EventRecorder;
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
      metrics: deps.metrics,
      events: deps.events,
      // One compute host per installation for now: this process's, or the configured one.
      pickHost: async () => {
        deps.metrics.schedulerDecisions.inc({ result: "placed" });
        return config.hostName;
      },
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

/** The conductor role: writes guest heartbeats and events to the store, and applies the events' retention. */
export async function startConductor(deps: RoleDeps): Promise<Stopper> {
  const conductor = createConductor(deps);
  await conductor.start();
  const log = deps.logger.child({ component: "conductor" });
  const prune = () => {
    pruneEvents(deps.store, deps.clock.now(), deps.config.eventRetentionDays).then(
      (n) => n > 0 && log.info({ removed: n }, "old events removed"),
      (err: unknown) => log.warn({ err }, "removing old events failed"),
    );
  };
  prune();
  const timer = setInterval(prune, 3_600_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await conductor.stop();
  };
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
  // Before anything there is adopted or cleaned up: this Coffer's alone (compute-dir.ts).
  const lock = await lockComputeDir(config.computeDir, { dataDir: config.dataDir }, deps.logger);
  try {
    const stop = await startHostAgent(deps);
    return async () => {
      try {
        await stop();
      } finally {
        await lock.release();
      }
    };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

async function startHostAgent(deps: RoleDeps): Promise<Stopper> {
  const { config } = deps;
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
  try {
    await agent.start();
  } catch (err) {
    await provider.close();
    throw err;
  }
  return async () => {
    await agent.stop();
    await provider.close();
  };
}
