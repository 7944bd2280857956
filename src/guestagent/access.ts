import type { InstancePlacement } from "../compute/index.js";
import { duringStep } from "./errors.js";
import type { GuestAgent } from "./guest-agent.js";
import type { AccessReport, AccessRequest } from "./rpc.js";

/**
 * update_access (Trove's `access`): the provider gives or takes the public address and sets its
 * filter at once. An engine listens only where its configuration says, so when the addresses
 * change a running engine restarts (a stopped one listens there when it starts). If it does not
 * come up, the old access is put back and started, and the error says why.
 */
export async function updateAccess(agent: GuestAgent, access: AccessRequest): Promise<AccessReport> {
  const state = agent.state;
  const ports = state ? [agent.ctx.engineFor(state.manager).capabilities.defaultPort] : [];
  const before = agent.placement;
  const change = (a: AccessRequest) =>
    agent.ctx.provider.setAccess(agent.id, { ...a, ports }).catch((err: unknown) => {
      throw duringStep(err, agent.id, "update_access", "changing the instance's addresses and filter");
    });
  agent.placement = await change(access);
  // Against where the engine was launched to listen, not the placement before this call: a task
  // resumed after a crash finds the placement changed already and the engine not yet restarted.
  const p = state?.prepared ? agent.prepared("update_access") : undefined;
  if (p && agent.listensElsewhere(p) && (await agent.isRunning())) {
    agent.transient = "restarting";
    try {
      await restartListening(agent, before, change);
    } finally {
      agent.transient = undefined;
    }
  }
  return { ...(await agent.reportNow()), publicAddress: agent.placement.publicAddress ?? null };
}

async function restartListening(
  agent: GuestAgent,
  before: InstancePlacement,
  change: (a: AccessRequest) => Promise<InstancePlacement>,
): Promise<void> {
  await agent.stop("update_access");
  const failed = await agent.start(agent.prepared("update_access"), "update_access").then(
    () => undefined,
    (err: Error) => err,
  );
  if (!failed) return;
  agent.log.warn(
    { err: failed },
    "the engine did not start with its new addresses; putting the old ones back",
  );
  agent.placement = await change({ isPublic: before.isPublic, allowedCidrs: before.allowedCidrs ?? [] });
  await agent.stop("update_access");
  await agent.start(agent.prepared("update_access"), "update_access").catch((err: unknown) => {
    agent.log.error({ err }, "could not start the engine again with its old addresses");
  });
  throw failed;
}
