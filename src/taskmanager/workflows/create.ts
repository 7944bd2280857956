import {
  GuestClient,
  HostClient,
  type DatabaseSpec,
  type PrepareRequest,
  type UserSpec,
} from "../../guestagent/index.js";
import { CofferError, UnavailableError } from "../../domain/index.js";
import { defineWorkflow } from "../workflow.js";
import { awaitHealthy, faultFrom, recordStatus, setInstance } from "./common.js";

/** What the API records for a create; the task manager needs nothing else. */
export type CreateData = Omit<PrepareRequest, "instanceId"> & {
  isPublic: boolean;
  /** Absent in tasks recorded before access was applied: anyone. */
  allowedCidrs?: string[];
  host?: string;
  address?: string;
  /** Names of the users created at prepare; their passwords are dropped from the task once used. */
  createdUsers?: string[];
};

export const createInstance = defineWorkflow<CreateData>({
  kind: "create_instance",
  event: "instance.created",
  steps: [
    {
      name: "place",
      timeoutMs: 120_000,
      async run({ instanceId, data, deps }) {
        // Intent before the side effect: the host is recorded before it is asked to provision, so
        // that a delete (or an audit) finds what this step may have made there even if the call is
        // cut, the task manager dies or the task fails before the reply. A step run again keeps the
        // host it recorded the first time.
        const recorded = (await deps.store.instances.get(instanceId))?.host ?? undefined;
        const host = data.host ?? recorded ?? (await deps.pickHost(instanceId));
        if (recorded !== host) {
          await deps.store.instances.update(instanceId, { host, updatedAt: deps.clock.now() });
        }
        const placed = await new HostClient(deps.bus, host)
          .provision({
            instanceId,
            volumeSizeGb: data.volumeSizeGb,
            ramMb: data.ramMb,
            vcpus: data.vcpus,
            isPublic: data.isPublic,
            allowedCidrs: data.allowedCidrs ?? [],
            manager: data.manager,
          })
          .catch(async (err: unknown) => {
            // No one has ever served this host's topic (a served one keeps its requests for the next
            // server): the request reached no host and nothing was made there. The recorded intent
            // is taken back, so that a delete does not wait for a host that does not exist, and the
            // create fails now rather than retrying for a host that never was.
            if (!(err instanceof CofferError) || err.code !== "BUS_NO_SERVER") throw err;
            await deps.store.instances.update(instanceId, { host: null, updatedAt: deps.clock.now() });
            throw new UnavailableError(err.code, err.message, { retryable: false });
          });
        await deps.store.instances.update(instanceId, {
          host: placed.host,
          address: placed.address,
          publicAddress: placed.publicAddress ?? null,
          updatedAt: deps.clock.now(),
        });
        return { host: placed.host, address: placed.address };
      },
    },
    {
      name: "prepare",
      timeoutMs: 300_000,
      async run(ctx) {
        const { instanceId, data, deps } = ctx;
        const report = await new GuestClient(deps.bus, instanceId).prepare({
          instanceId,
          manager: data.manager,
          image: data.image,
          version: data.version,
          ramMb: data.ramMb,
          vcpus: data.vcpus,
          volumeSizeGb: data.volumeSizeGb,
          databases: data.databases satisfies DatabaseSpec[],
          users: data.users satisfies UserSpec[],
          overrides: data.overrides,
        });
        await recordStatus(ctx, report);
        return { users: [], createdUsers: data.users.map((u) => u.name) };
      },
    },
    { name: "await_healthy", timeoutMs: 120_000, run: awaitHealthy },
    {
      name: "activate",
      timeoutMs: 10_000,
      async run(ctx) {
        await setInstance(ctx, { taskStatus: "NONE", serverStatus: "ACTIVE", fault: null });
      },
    },
  ],
  async onFailure(ctx, error) {
    const timedOut = error.name === "TimeoutError" || (error as { kind?: string }).kind === "timeout";
    await setInstance(ctx, {
      taskStatus: timedOut ? "BUILD_ERROR_GUEST_TIMEOUT" : "BUILD_ERROR_SERVER",
      serverStatus: "ERROR",
      fault: faultFrom(ctx, "Creating the instance failed", error),
    });
    await ctx.deps.store.serviceStatuses.set(ctx.instanceId, "failed to spawn", ctx.deps.clock.now());
  },
  secretFields: ["users"],
});
