import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import { ValidationError, assertAllowed } from "../../../domain/index.js";
import type { Instance } from "../../../store/index.js";
import { type DeleteData, type UpdateAccessData } from "../../../taskmanager/index.js";
import { authorize } from "../../auth.js";
import type { ApiDeps } from "../../deps.js";
import { wakeTaskManagers } from "../../wake.js";
import { parseAccessChange, type Access } from "./access.js";
import { attachConfiguration, detachConfiguration } from "./configuration.js";
import { loadInstance, stateOf } from "./load.js";
import { recordTask } from "./tasks.js";
import { withOrigin } from "../../origin.js";

type Params = { projectId: string; id: string };
const UpdateBody = Type.Object({
  instance: Type.Object(
    {
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
      configuration: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      replica_of: Type.Optional(Type.Unknown()),
      slave_of: Type.Optional(Type.Unknown()),
      datastore_version: Type.Optional(Type.String()),
      access: Type.Optional(Type.Unknown()),
    },
    { additionalProperties: false },
  ),
});
type UpdateBody = Static<typeof UpdateBody>;

/** PUT/PATCH and DELETE instances/{id} (§2.4). */
export function instanceUpdateRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, clock } = deps;

  const update = (method: "PUT" | "PATCH") =>
    app.route<{ Params: Params; Body: UpdateBody }>({
      method,
      url: "/v1.0/:projectId/instances/:id",
      schema: { body: UpdateBody },
      // A stranger's instance is 404 before anything is said about the body.
      preValidation: async (request) => {
        await loadInstance(request, store, request.params.id);
      },
      handler: async (request, reply) => {
        const instance = await loadInstance(request, store, request.params.id);
        authorize(request, method === "PUT" ? "instance:update" : "instance:edit", {
          ownerProjectId: instance.projectId,
        });
        const { name, ...rest } = request.body.instance;
        const others = Object.keys(rest);
        if (others.length > 1) {
          throw new ValidationError(
            "UPDATE_TOO_MANY",
            "Only one attribute (except 'name') is allowed to update.",
          );
        }
        if (method === "PATCH" && rest.access !== undefined) {
          throw new ValidationError(
            "REQUEST_INVALID",
            "Validation error: instance has an unexpected key 'access'.",
          );
        }
        if (rest.replica_of !== undefined || rest.slave_of !== undefined) {
          throw new ValidationError("NOT_A_REPLICA", `Instance ${instance.id} is not a replica.`);
        }
        if (rest.datastore_version !== undefined) {
          throw new ValidationError(
            "UPGRADE_UNSUPPORTED",
            "Datastore version upgrades are not supported yet.",
          );
        }
        // `configuration: null`, or an empty body (trove configuration-detach), detaches.
        if (typeof rest.configuration === "string") {
          await attachConfiguration(request, deps, instance, rest.configuration);
        } else if (rest.configuration === null || (others.length === 0 && name === undefined)) {
          await detachConfiguration(deps, instance);
        }
        const access = rest.access === undefined ? undefined : parseAccessChange(rest.access, instance);
        const now = clock.now();
        const renamed = name !== undefined ? { name } : {};
        if (access && accessChanged(instance, access) && instance.host !== null) {
          // A placed instance's addresses and filter change on its host first (a task); the
          // instance shows the new access once it holds.
          assertAllowed("access_update", instance.id, await stateOf(store, instance));
          const data: UpdateAccessData = { isPublic: access.isPublic, allowedCidrs: access.allowedCidrs };
          await store.transaction(async (tx) => {
            await tx.instances.update(instance.id, { ...renamed, updatedAt: now });
            await recordTask(tx, instance, "update_access", "UPDATING", data, now);
          });
          await wakeTaskManagers(deps);
          return reply.status(202).send();
        }
        await store.instances.update(instance.id, {
          ...renamed,
          // Never placed (a failed build): nothing to change but the record.
          ...(access ? { isPublic: access.isPublic, allowedCidrs: access.allowedCidrs } : {}),
          updatedAt: now,
        });
        return reply.status(202).send();
      },
    });
  update("PUT");
  update("PATCH");

  app.delete<{ Params: Params }>("/v1.0/:projectId/instances/:id", async (request, reply) => {
    const instance = await loadInstance(request, store, request.params.id);
    authorize(request, "instance:delete", { ownerProjectId: instance.projectId });
    assertAllowed("delete", instance.id, await stateOf(store, instance));
    const flavor = await store.flavors.get(instance.flavorId);
    const data: DeleteData = {
      host: instance.host,
      volumeSizeGb: instance.volumeSizeGb,
      ramMb: flavor?.ramMb ?? 0,
      projectId: instance.projectId,
    };
    const now = clock.now();
    await store.transaction(async (tx) => {
      // Delete wins over whatever else runs (a stuck restart, say); that task stops at its next step.
      await tx.tasks.cancelActive(instance.id, "superseded by delete", now);
      await tx.tasks.create({
        id: randomUUID(),
        instanceId: instance.id,
        kind: "delete_instance",
        data: withOrigin(data),
        createdAt: now,
      });
      await tx.instances.update(instance.id, { taskStatus: "DELETING", updatedAt: now });
    });
    await wakeTaskManagers(deps);
    return reply.status(202).send();
  });
}

function accessChanged(instance: Instance, access: Access): boolean {
  const before = instance.allowedCidrs;
  return (
    access.isPublic !== instance.isPublic ||
    access.allowedCidrs.length !== before.length ||
    access.allowedCidrs.some((c, i) => c !== before[i])
  );
}
