import { UpstreamError } from "../domain/index.js";
import type { ConfigOverrides } from "./engines/index.js";
import { duringStep } from "./errors.js";
import type { GuestAgent, Prepared } from "./guest-agent.js";
import type { OverridesReport } from "./rpc.js";

/**
 * Configuration groups on the guest side (Trove's update_overrides / apply_overrides in one call).
 * The state file's `overrides` is what the engine's files say; `lastWorking` what it last started
 * with. Safety, in order: the engine's own parser checks the new values before anything is
 * written (checkConfig); a running engine takes the dynamic ones at once and says whether a
 * restart is still needed (applyLive); if applying fails, the previous files and values are put
 * back; and an engine that then does not start with the new values is started with the last
 * working ones (rollBackConfiguration, from GuestAgent.start).
 */

export function sameOverrides(a: ConfigOverrides, b: ConfigOverrides): boolean {
  const sorted = (o: ConfigOverrides) =>
    JSON.stringify(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : 1)));
  return sorted(a) === sorted(b);
}

/** check_overrides: would the engine accept these values? Changes nothing. */
export async function checkOverrides(agent: GuestAgent, overrides: ConfigOverrides): Promise<void> {
  const p = agent.prepared("check_overrides");
  await p.engine.checkConfig(p.layout, await agent.sizing(p.state), overrides);
}

/** update_overrides: the group's values (all of them; {} for none) into the files and the running engine. */
export async function updateOverrides(
  agent: GuestAgent,
  overrides: ConfigOverrides,
): Promise<OverridesReport> {
  const p = agent.prepared("update_overrides");
  const before = p.state;
  const sizing = await agent.sizing(before);
  await p.engine.checkConfig(p.layout, sizing, overrides);
  const started = before.lastWorking ?? before.overrides;
  const keys = [...new Set([before.overrides, overrides, started].flatMap((o) => Object.keys(o)))];
  const running = await agent.isRunning();
  const apply = async (values: ConfigOverrides) => {
    const state = { ...before, overrides: values };
    await agent.saveState(state);
    await agent.configure({ ...p, state });
    if (!running) return { restartRequired: false };
    return p.engine.applyLive(p.layout, before.admin, { sizing, overrides: values, started, keys });
  };
  let restartRequired: boolean;
  try {
    ({ restartRequired } = await apply(overrides));
  } catch (err) {
    agent.log.warn({ err }, "applying the configuration failed; putting the previous one back");
    await apply(before.overrides).catch((again: unknown) =>
      agent.log.error({ err: again }, "could not put the previous configuration back"),
    );
    throw duringStep(err, agent.id, "update_overrides", "applying the configuration");
  }
  agent.log.info({ parameters: Object.keys(overrides), restartRequired }, "configuration applied");
  return { ...(await agent.reportNow()), restartRequired };
}

/**
 * After a start failed: if the engine was given values it never started with, it is started again
 * with the last working ones, and the operation fails with GUEST_CONFIG_ROLLED_BACK saying what
 * the engine said. Otherwise (or if that start fails too) the start's own error stands.
 */
export async function rollBackConfiguration(
  agent: GuestAgent,
  p: Prepared,
  operation: string,
  cause: unknown,
): Promise<never> {
  const current = agent.state ?? p.state;
  const good = current.lastWorking;
  if (!good || sameOverrides(good, current.overrides)) throw cause;
  const says = (await agent.engineSays(p)).join("; ");
  agent.log.warn({ err: cause, engineSays: says }, "the engine did not start with its new configuration");
  const back = { ...current, overrides: good };
  try {
    await agent.saveState(back);
    await agent.stop(operation);
    await agent.startOnce({ ...p, state: back }, operation);
  } catch (err) {
    agent.log.error({ err }, "the engine did not start with its last working configuration either");
    throw cause;
  }
  throw new UpstreamError(
    "GUEST_CONFIG_ROLLED_BACK",
    `The engine did not start with the new configuration values${says ? ` (${says})` : ""}; ` +
      "the last working configuration was put back and the engine runs with it.",
    { cause, details: { instanceId: agent.id, operation, ...(says ? { engineSays: says } : {}) } },
  );
}

/** After a successful start: what the engine runs with is now the configuration to roll back to. */
export async function recordWorkingConfiguration(agent: GuestAgent): Promise<void> {
  const state = agent.state;
  if (!state || (state.lastWorking && sameOverrides(state.lastWorking, state.overrides))) return;
  await agent
    .saveState({ ...state, lastWorking: state.overrides })
    .catch((err: unknown) => agent.log.warn({ err }, "could not record the working configuration"));
}
