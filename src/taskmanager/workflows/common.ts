import { TimeoutError, UpstreamError, type ServiceStatus, type TaskStatus } from "../../domain/index.js";
import type { InstanceFault } from "../../store/index.js";
import type { StatusReport } from "../../guestagent/index.js";
import type { StepContext, TaskData } from "../workflow.js";
import { sleep } from "../../lib/index.js";
import { adminDetails, memberMessage } from "./fault-text.js";

/** Service statuses that mean "still coming up": keep waiting (§4.6). */
const STILL_STARTING: ReadonlySet<ServiceStatus> = new Set(["new", "building", "unknown", "restarting"]);

/** Records what a guest call reported, so the API shows it before the next heartbeat. */
export async function recordStatus<D extends TaskData>(
  ctx: StepContext<D>,
  report: StatusReport,
): Promise<void> {
  await ctx.deps.store.serviceStatuses.set(ctx.instanceId, report.status, ctx.deps.clock.now());
}

/** Waits until the engine reports running or healthy; fails fast on a status that cannot become so. */
export async function awaitHealthy<D extends TaskData>(ctx: StepContext<D>): Promise<void> {
  const { store, pollMs } = ctx.deps;
  for (;;) {
    const current = await store.serviceStatuses.get(ctx.instanceId);
    const status = current?.status ?? "new";
    if (status === "healthy" || status === "running") return;
    if (!STILL_STARTING.has(status)) {
      throw new UpstreamError("ENGINE_NOT_HEALTHY", `the database engine reported "${status}"`);
    }
    if (ctx.signal.aborted)
      throw new TimeoutError("ENGINE_HEALTH_TIMEOUT", "the engine did not become healthy in time", {
        retryable: false, // the step used up its time; waiting again would not be waiting less
      });
    await sleep(pollMs);
  }
}

export async function setInstance<D extends TaskData>(
  ctx: StepContext<D>,
  patch: {
    taskStatus?: TaskStatus;
    serverStatus?: "ACTIVE" | "ERROR" | "SHUTDOWN";
    fault?: InstanceFault | null;
  },
): Promise<void> {
  await ctx.deps.store.instances.update(ctx.instanceId, { ...patch, updatedAt: ctx.deps.clock.now() });
}

/**
 * A fault users can read: what failed and why (the engine's own words where it gave some), without
 * the host's paths; admins also see `details`, the whole error (fault-text.ts).
 */
export function faultFrom<D extends TaskData>(
  ctx: StepContext<D>,
  what: string,
  error: Error,
): InstanceFault {
  return {
    message: `${what}: ${memberMessage(error)}`,
    details: adminDetails(error),
    createdAt: ctx.deps.clock.now(),
  };
}
