import type { CofferError } from "../domain/index.js";
import { duringStep } from "./errors.js";
import type { GuestAgent } from "./guest-agent.js";
import type { StatusReport } from "./rpc.js";

/**
 * resize_volume: grows the volume while the engine runs wherever the provider can for this volume
 * (XFS always; ext4 only with CAP_SYS_RESOURCE). The provider decides per volume, not the host's
 * `onlineVolumeResize`: an ext4 volume from before the host chose XFS is still ext4. When it
 * answers VOLUME_RESIZE_NEEDS_STOP (having changed nothing), this takes Trove's offline path: stop
 * the engine, grow, start it again (also when growing failed, so that a failed resize leaves the
 * engine as it was).
 */
export async function resizeVolume(agent: GuestAgent, sizeGb: number): Promise<StatusReport> {
  const p = agent.prepared("resize_volume");
  const grow = () =>
    agent.ctx.provider.resizeVolume(agent.id, sizeGb).catch((err: unknown) => {
      throw duringStep(err, agent.id, "resize_volume", `growing the volume to ${sizeGb} GB`);
    });
  const refused = await grow().then(
    () => undefined,
    (err: CofferError) => err,
  );
  if (!refused) return agent.reportNow();
  if (refused.code !== "VOLUME_RESIZE_NEEDS_STOP") throw refused;
  agent.log.info({ sizeGb }, "this volume grows only while the engine is stopped; restarting it");
  agent.transient = "shutdown";
  try {
    await agent.stop("resize_volume");
    const grown = await grow().then(
      () => undefined,
      (err: Error) => err,
    );
    agent.transient = "restarting";
    await restartAfter(agent, grown, () => agent.start(p, "resize_volume"));
  } finally {
    agent.transient = undefined;
  }
  return agent.reportNow();
}

/**
 * resize_flavor: new memory/CPU limits and engine settings for them, then a restart. If the
 * engine does not come up with the new flavor, the old one is put back and started (Trove's
 * revert), and the error says why.
 */
export async function resizeFlavor(
  agent: GuestAgent,
  flavor: { ramMb: number; vcpus: number },
): Promise<StatusReport> {
  const before = agent.prepared("resize_flavor");
  const old = { ramMb: before.state.ramMb, vcpus: before.state.vcpus };
  const run = before.state.desired === "running";
  const provider = agent.ctx.provider;
  agent.transient = "restarting";
  try {
    if (run) await agent.stop("resize_flavor");
    // Limits first: a smaller memory limit may not apply to a running engine.
    const limited = await provider.resize(agent.id, flavor).then(
      () => undefined,
      (err: unknown) => duringStep(err, agent.id, "resize_flavor", "changing the memory and CPU limits"),
    );
    if (limited) {
      await restartAfter(agent, limited, () =>
        run ? agent.start(before, "resize_flavor") : Promise.resolve(),
      );
      return agent.reportNow();
    }
    await agent.saveState({ ...before.state, ...flavor });
    if (run) {
      const started = await agent.start(agent.prepared("resize_flavor"), "resize_flavor").then(
        () => undefined,
        (err: Error) => err,
      );
      if (started) {
        agent.log.warn({ err: started }, "the engine did not start with the new flavor; reverting");
        await agent.stop("resize_flavor");
        await provider.resize(agent.id, old);
        // The current state: a failed start may have rolled the configuration back meanwhile.
        await agent.saveState({ ...agent.prepared("resize_flavor").state, ...old });
        await restartAfter(agent, started, () =>
          agent.start(agent.prepared("resize_flavor"), "resize_flavor"),
        );
      }
    }
  } finally {
    agent.transient = undefined;
  }
  return agent.reportNow();
}

/** Starts the engine again after a failed step; the step's error wins over a failed start. */
async function restartAfter(
  agent: GuestAgent,
  failure: Error | undefined,
  start: () => Promise<void>,
): Promise<void> {
  try {
    await start();
  } catch (err) {
    if (!failure) throw err;
    agent.log.error({ err }, "could not start the engine again after a failed step");
  }
  if (failure) {
    agent.transient = undefined;
    await agent.report(await agent.observe());
    throw failure;
  }
}
