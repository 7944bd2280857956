import type { FastifyInstance } from "fastify";
import { ValidationError, assertAllowed } from "../../../domain/index.js";
import { authorize } from "../../auth.js";
import { flavorFromRef } from "../../../catalog/index.js";
import type { ApiDeps } from "../../deps.js";
import { wakeTaskManagers } from "../../wake.js";
import { loadInstance, stateOf } from "./load.js";
import { recordTask } from "./tasks.js";

type Params = { projectId: string; id: string };

/** POST instances/{id}/action (§2.4): exactly one of restart, resize, reset_status. */
export function instanceActionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, clock, identity } = deps;

  app.post<{ Params: Params; Body: Record<string, unknown> | undefined }>(
    "/v1.0/:projectId/instances/:id/action",
    async (request, reply) => {
      // Who may see the instance is decided before anything about the body is said.
      const instance = await loadInstance(request, store, request.params.id);
      const body = request.body;
      const keys = body && typeof body === "object" && !Array.isArray(body) ? Object.keys(body) : [];
      if (keys.length !== 1) {
        throw new ValidationError("ACTION_INVALID", "The action body must hold exactly one action.");
      }
      const action = keys[0]!;
      const args = (body as Record<string, unknown>)[action];
      const owner = { ownerProjectId: instance.projectId };
      const now = clock.now();

      switch (action) {
        case "restart": {
          authorize(request, "instance:restart", owner);
          assertAllowed("restart", instance.id, await stateOf(store, instance));
          await store.transaction(async (tx) => {
            await recordTask(tx, instance, "restart_instance", "REBOOTING", {}, now);
            await tx.serviceStatuses.set(instance.id, "restarting", now);
          });
          break;
        }
        case "resize": {
          const resize = (args ?? {}) as { flavorRef?: unknown; volume?: { size?: unknown } };
          if (resize.volume !== undefined) {
            authorize(request, "instance:resize_volume", owner);
            const size = resize.volume?.size;
            const newSize = typeof size === "string" && /^\d+$/.test(size) ? Number(size) : size;
            if (typeof newSize !== "number" || !Number.isInteger(newSize) || newSize < 1) {
              throw new ValidationError(
                "VOLUME_SIZE_INVALID",
                "The new volume size must be a positive integer.",
              );
            }
            if (newSize <= instance.volumeSizeGb) {
              throw new ValidationError(
                "VOLUME_SHRINK",
                `The new volume 'size' must be larger than the current volume size of '${instance.volumeSizeGb}'.`,
              );
            }
            assertAllowed("resize_volume", instance.id, await stateOf(store, instance));
            await store.transaction(async (tx) => {
              const delta = newSize - instance.volumeSizeGb;
              const reservation = await identity.quotas.reserve(instance.projectId, { volumes: delta }, tx);
              await identity.quotas.commit(reservation, tx);
              const data = {
                newSizeGb: newSize,
                oldSizeGb: instance.volumeSizeGb,
                projectId: instance.projectId,
              };
              await recordTask(tx, instance, "resize_volume", "RESIZING", data, now);
            });
          } else if (resize.flavorRef !== undefined) {
            authorize(request, "instance:resize_flavor", owner);
            if (typeof resize.flavorRef !== "string" && typeof resize.flavorRef !== "number") {
              throw new ValidationError("FLAVOR_INVALID", "flavorRef must be a string or a number.");
            }
            const flavor = await flavorFromRef(store, resize.flavorRef);
            if (flavor.id === instance.flavorId) {
              throw new ValidationError("FLAVOR_SAME", "The new flavor must differ from the current one.");
            }
            assertAllowed("resize_flavor", instance.id, await stateOf(store, instance));
            const old = await store.flavors.get(instance.flavorId);
            await store.transaction(async (tx) => {
              const delta = flavor.ramMb - (old?.ramMb ?? 0);
              const reservation = await identity.quotas.reserve(instance.projectId, { ram: delta }, tx);
              await identity.quotas.commit(reservation, tx);
              const data = { flavorId: flavor.id, ramMb: flavor.ramMb, vcpus: flavor.vcpus };
              await recordTask(tx, instance, "resize_flavor", "RESIZING", data, now);
            });
          } else {
            throw new ValidationError("RESIZE_INVALID", "resize needs flavorRef or volume.size.");
          }
          break;
        }
        case "reset_status": {
          authorize(request, "instance:reset_status", owner);
          await store.transaction(async (tx) => {
            await tx.tasks.cancelActive(instance.id, "reset_status", now);
            await tx.instances.update(instance.id, { taskStatus: "NONE", updatedAt: now });
            await tx.serviceStatuses.set(instance.id, "unknown", now);
          });
          return reply.status(202).send();
        }
        default:
          throw new ValidationError("ACTION_UNKNOWN", `Unknown action: ${action}.`);
      }
      await wakeTaskManagers(deps);
      return reply.status(202).send();
    },
  );
}
