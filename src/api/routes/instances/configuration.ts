import type { FastifyInstance, FastifyRequest } from "fastify";
import { NotFoundError, ValidationError, assertAllowed, type ConfigValues } from "../../../domain/index.js";
import { engineFor } from "../../../guestagent/index.js";
import type { Instance } from "../../../store/index.js";
import { authorize } from "../../auth.js";
import type { ApiDeps } from "../../deps.js";
import { wakeTaskManagers } from "../../wake.js";
import { awaitApplied, checkInstances, loadConfiguration, recordApply } from "../configurations/apply.js";
import { loadInstance, stateOf } from "./load.js";

/**
 * An instance's configuration: its flavor-derived base (GET instances/{id}/configuration, §2.4),
 * and attaching and detaching a group (PUT/PATCH instances/{id}, and create's `configuration`).
 */

/** The group a new or existing instance may use: its own project's, for its datastore version. */
export async function groupFor(
  request: FastifyRequest,
  deps: ApiDeps,
  configurationId: string,
  instance: { projectId: string; datastoreVersionId: string },
): Promise<{ id: string; values: ConfigValues }> {
  const group = await loadConfiguration(request, deps.store, configurationId);
  if (group.projectId !== instance.projectId) {
    throw new NotFoundError(
      "CONFIGURATION_NOT_FOUND",
      `Configuration group ${configurationId} cannot be found.`,
    );
  }
  if (group.datastoreVersionId !== instance.datastoreVersionId) {
    throw new ValidationError(
      "CONFIGURATION_DATASTORE_MISMATCH",
      `Configuration group ${group.id} is for another datastore version than the instance's.`,
    );
  }
  return group;
}

export async function attachConfiguration(
  request: FastifyRequest,
  deps: ApiDeps,
  instance: Instance,
  configurationId: string,
): Promise<void> {
  const group = await groupFor(request, deps, configurationId, instance);
  if (instance.configurationId !== null) {
    throw new ValidationError(
      "CONFIGURATION_ALREADY_ATTACHED",
      `Instance ${instance.id} already has a configuration group attached; detach it first.`,
    );
  }
  await checkInstances(deps.store, deps.bus, [instance], group.values);
  const now = deps.clock.now();
  const task = await deps.store.transaction((tx) => recordApply(tx, instance, group.id, group.values, now));
  await wakeTaskManagers(deps);
  await awaitApplied(deps.store, [task]);
}

/** The parameters go back to the instance's flavor-derived defaults. Nothing attached: nothing to do. */
export async function detachConfiguration(deps: ApiDeps, instance: Instance): Promise<void> {
  if (instance.configurationId === null) return;
  assertAllowed("configuration_change", instance.id, await stateOf(deps.store, instance));
  const now = deps.clock.now();
  const task = await deps.store.transaction((tx) => recordApply(tx, instance, null, {}, now));
  await wakeTaskManagers(deps);
  await awaitApplied(deps.store, [task]);
}

export function instanceConfigurationRoute(app: FastifyInstance, { store }: ApiDeps): void {
  app.get<{ Params: { projectId: string; id: string } }>(
    "/v1.0/:projectId/instances/:id/configuration",
    async (request) => {
      const instance = await loadInstance(request, store, request.params.id);
      authorize(request, "instance:configuration", { ownerProjectId: instance.projectId });
      const [version, flavor] = await Promise.all([
        store.datastoreVersions.get(instance.datastoreVersionId),
        store.flavors.get(instance.flavorId),
      ]);
      if (!version || !flavor) {
        throw new NotFoundError("INSTANCE_NOT_FOUND", `The configuration of ${instance.id} cannot be found.`);
      }
      const configuration = engineFor(version.manager).defaults({ ramMb: flavor.ramMb, vcpus: flavor.vcpus });
      return { instance: { configuration } };
    },
  );
}
