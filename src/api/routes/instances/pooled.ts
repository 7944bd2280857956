import type { ApiDeps } from "../../deps.js";
import { HostClient, type PooledInstance, type PoolShape } from "../../../guestagent/index.js";

/**
 * Warm pools at create (docs/performance.md): when pools are configured, a create first asks the
 * compute host for a ready engine of its exact shape. The engine's id becomes the instance's id and
 * its address is in the create's answer; the task manager's usual create then finds it placed and
 * running, and only adds the databases and users. Any failure here is a cold create, never an error.
 */
export async function claimPooled(
  deps: ApiDeps,
  shape: PoolShape,
  isPublic: boolean,
): Promise<PooledInstance | undefined> {
  // Pools hold private instances only (a member's placement was made before anyone asked).
  if (deps.config.warmPools.length === 0 || isPublic) return undefined;
  try {
    return (await new HostClient(deps.bus, deps.config.hostName).claimPooled(shape)) ?? undefined;
  } catch (err) {
    deps.logger.warn({ err }, "no warm pool answered; creating from scratch");
    return undefined;
  }
}

/** The create failed before its task was recorded: the engine goes back to its pool. */
export async function releasePooled(deps: ApiDeps, pooled: PooledInstance): Promise<void> {
  await new HostClient(deps.bus, pooled.host).releasePooled(pooled.instanceId).catch((err: unknown) => {
    deps.logger.warn({ err, instanceId: pooled.instanceId }, "could not give a pool member back");
  });
}
