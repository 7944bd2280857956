import type { FastifyRequest } from "fastify";
import {
  CofferError,
  NotFoundError,
  UnprocessableError,
  UpstreamError,
  assertAllowed,
  type ConfigValues,
} from "../../../domain/index.js";
import type { MessageBus } from "../../../bus/index.js";
import { GuestClient } from "../../../guestagent/index.js";
import type { ApplyConfigurationData } from "../../../taskmanager/index.js";
import type { Configuration, Instance, Repositories } from "../../../store/index.js";
import { ownerFilter } from "../../auth.js";
import { stateOf } from "../instances/load.js";
import { awaitTasks, recordTask } from "../instances/tasks.js";

/**
 * What attaching, changing and detaching a configuration group share (trove-api.md §5.10). The
 * values are first checked by each engine (a synchronous guest call that changes nothing), so a
 * value the engine refuses is a 422 and nothing is recorded; then the new values and one
 * apply_configuration task per instance are recorded in one transaction, and the task manager
 * applies them (the intent is stored with the state: a crash between the two loses nothing). The
 * request answers once the values are applied (awaitApplied), as upstream's blocking guest calls do:
 * a client that reads a value right after the 202 reads the new one.
 */

/** A group the caller may see: its project's, or any for an admin; anything else is 404. */
export async function loadConfiguration(
  request: FastifyRequest,
  repos: Repositories,
  id: string,
): Promise<Configuration> {
  const group = await repos.configurations.get(id);
  const owner = ownerFilter(request);
  if (!group || (owner !== undefined && group.projectId !== owner)) {
    throw new NotFoundError("CONFIGURATION_NOT_FOUND", `Configuration group ${id} cannot be found.`);
  }
  return group;
}

/**
 * Each instance must be idle (task NONE or RESTART_REQUIRED, §3.6) and its engine must accept the
 * values; the first refusal is the answer.
 */
export async function checkInstances(
  repos: Repositories,
  bus: MessageBus,
  instances: readonly Instance[],
  values: ConfigValues,
): Promise<void> {
  for (const instance of instances) {
    assertAllowed("configuration_change", instance.id, await stateOf(repos, instance));
  }
  for (const instance of instances) {
    await new GuestClient(bus, instance.id).checkOverrides(values).catch((err: unknown) => {
      if (err instanceof CofferError && err.code.startsWith("ENGINE_CONFIG_")) {
        throw new UnprocessableError("CONFIGURATION_VALUE_INVALID", err.message, {
          details: { ...err.details, instanceId: instance.id },
        });
      }
      throw err;
    });
  }
}

/**
 * In the caller's transaction: the instance's group (null: none) and the task that applies its
 * values; resolves the task's id. An attach or detach that fails to apply gives the instance its
 * previous group back (the guest agent put the previous values back).
 */
export async function recordApply(
  tx: Repositories,
  instance: Instance,
  configurationId: string | null,
  values: ConfigValues,
  now: Date,
): Promise<string> {
  const data: ApplyConfigurationData = {
    overrides: values,
    ...(configurationId !== instance.configurationId
      ? { previousConfigurationId: instance.configurationId }
      : {}),
  };
  const taskId = await recordTask(tx, instance, "apply_configuration", "UPDATING", data, now);
  await tx.instances.update(instance.id, { configurationId, updatedAt: now });
  return taskId;
}

/** The apply step's own bound, and a little more: the guest call has 180 s. */
const APPLY_WAIT_MS = 200_000;

/** Answers once every instance's apply has ended; a failed one is a 500 naming why. */
export async function awaitApplied(repos: Repositories, taskIds: readonly string[]): Promise<void> {
  await awaitTasks(repos, taskIds, {
    timeoutMs: APPLY_WAIT_MS,
    failure: (error) =>
      new UpstreamError("CONFIGURATION_APPLY_FAILED", `Applying the configuration failed: ${error}`),
  });
}
