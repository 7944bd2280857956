import type { Handler } from "../bus/index.js";
import { updateAccess } from "./access.js";
import { parseAccessRequest, parsePrepareRequest, parseResizeFlavor, parseResizeVolume } from "./args.js";
import { configHandlers } from "./config-handlers.js";
import type { GuestAgent } from "./guest-agent.js";
import { databaseHandlers } from "./guest-databases.js";
import { userHandlers } from "./guest-users.js";
import { prepare } from "./prepare.js";
import { resizeFlavor, resizeVolume } from "./resize.js";
import type { StatusReport } from "./rpc.js";

/**
 * The methods of `guestagent.<id>` (GuestClient's names). The engine's life cycle methods here
 * return a StatusReport and cast the same status as a heartbeat; databases, users and root are in
 * guest-databases.ts and guest-users.ts. All but get_status run one at a time per instance.
 */
export function guestHandlers(agent: GuestAgent): Record<string, Handler> {
  const exclusive =
    (operation: (args: Parameters<Handler>[0]) => Promise<StatusReport>): Handler =>
    (args) =>
      agent.exclusive(() => operation(args));
  return {
    prepare: exclusive((args) => prepare(agent, parsePrepareRequest(args))),
    restart: exclusive(() => restart(agent)),
    stop: exclusive(() => stop(agent)),
    start: exclusive(() => start(agent)),
    // A read: it neither waits for an operation in flight (it says "building", "restarting"…) nor casts.
    get_status: async () => agent.describe(await agent.observe()),
    resize_volume: exclusive((args) => resizeVolume(agent, parseResizeVolume(args))),
    resize_flavor: exclusive((args) => resizeFlavor(agent, parseResizeFlavor(args))),
    update_access: exclusive((args) => updateAccess(agent, parseAccessRequest("update_access", args))),
    ...databaseHandlers(agent),
    ...userHandlers(agent),
    ...configHandlers(agent),
  };
}

async function restart(agent: GuestAgent): Promise<StatusReport> {
  const p = await agent.setDesired("running", "restart");
  agent.transient = "restarting";
  try {
    await agent.stop("restart");
    await agent.start(p, "restart");
  } finally {
    agent.transient = undefined;
  }
  return agent.reportNow();
}

/** Stops the engine and keeps it stopped (also across restarts of Coffer) until start. */
async function stop(agent: GuestAgent): Promise<StatusReport> {
  await agent.setDesired("stopped", "stop");
  agent.transient = "shutdown";
  try {
    await agent.stop("stop");
  } finally {
    agent.transient = undefined;
  }
  return agent.reportNow();
}

async function start(agent: GuestAgent): Promise<StatusReport> {
  const p = await agent.setDesired("running", "start");
  agent.transient = "restarting";
  try {
    if (await agent.isRunning()) {
      await agent.whileStarting(p, (ms) => p.engine.waitReady(p.layout, p.state.admin, ms));
    } else {
      await agent.stop("start"); // clears what a crashed engine may have left in its cgroup
      await agent.start(p, "start");
    }
  } finally {
    agent.transient = undefined;
  }
  return agent.reportNow();
}
