import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import { NotImplementedError, ValidationError } from "../../../domain/index.js";
import { capabilitiesOf, checkSpecs } from "../../../guestagent/index.js";
import { type CreateData } from "../../../taskmanager/index.js";
import { flavorFromRef, resolveDatastoreVersion, versionIndex } from "../../../catalog/index.js";
import type { ApiDeps } from "../../deps.js";
import { wakeTaskManagers } from "../../wake.js";
import { parseAccess } from "./access.js";
import { groupFor } from "./configuration.js";
import { claimPooled, releasePooled } from "./pooled.js";
import { configurationNames, instanceView, viewContext } from "./view.js";
import { withOrigin } from "../../origin.js";

const NullableString = Type.Union([Type.String(), Type.Null()]);
const CreateBody = Type.Object({
  instance: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 255 }),
    flavorRef: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Integer()])),
    volume: Type.Optional(
      Type.Object({
        size: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: "^[0-9]*[1-9][0-9]*$" })]),
        type: Type.Optional(NullableString),
      }),
    ),
    datastore: Type.Optional(
      Type.Object({
        type: Type.Optional(NullableString),
        version: Type.Optional(NullableString),
        version_number: Type.Optional(NullableString),
      }),
    ),
    databases: Type.Optional(
      Type.Array(
        Type.Object({
          name: Type.String(),
          character_set: Type.Optional(Type.String()),
          collate: Type.Optional(Type.String()),
        }),
      ),
    ),
    users: Type.Optional(
      Type.Array(
        Type.Object({
          name: Type.String(),
          password: Type.String({ minLength: 1 }),
          host: Type.Optional(Type.String()),
          databases: Type.Optional(Type.Array(Type.Object({ name: Type.String() }))),
        }),
      ),
    ),
    availability_zone: Type.Optional(NullableString),
    region_name: Type.Optional(NullableString),
    access: Type.Optional(Type.Unknown()),
    configuration: Type.Optional(NullableString),
    nics: Type.Optional(Type.Unknown()),
    modules: Type.Optional(Type.Unknown()),
    locality: Type.Optional(NullableString),
    restorePoint: Type.Optional(Type.Unknown()),
    replica_of: Type.Optional(NullableString),
    replica_count: Type.Optional(Type.Unknown()),
  }),
});
type CreateBody = Static<typeof CreateBody>;

/** POST instances (§2.4): validate everything, then record the instance and its task at once. */
export function instanceCreateRoute(app: FastifyInstance, deps: ApiDeps): void {
  const { store, identity, clock, config } = deps;
  app.post<{ Params: { projectId: string }; Body: CreateBody }>(
    "/v1.0/:projectId/instances",
    { schema: { body: CreateBody }, config: { policy: "instance:create" } },
    async (request) => {
      const body = request.body.instance;
      const projectId = request.params.projectId;
      refuseUnsupported(body);
      if (!/[A-Za-z0-9]/.test(body.name)) {
        throw new ValidationError(
          "INSTANCE_NAME_INVALID",
          "The instance name must contain a letter or digit.",
        );
      }
      if (body.flavorRef === undefined)
        throw new ValidationError("FLAVOR_REQUIRED", "flavorRef is required.");
      if (!body.volume) throw new ValidationError("VOLUME_REQUIRED", "Volume size was not specified.");
      const flavor = await flavorFromRef(store, body.flavorRef);
      const { version } = await resolveDatastoreVersion(
        store,
        { type: body.datastore?.type ?? null, version: body.datastore?.version ?? null },
        config.defaultDatastore,
      );
      const volumeSizeGb = Number(body.volume.size);
      const access = parseAccess(body.access);
      // The databases and users are created during prepare; a bad one fails the request now, not the build.
      const { databases, users } = checkSpecs(
        capabilitiesOf(version.manager),
        (body.databases ?? []).map((d) => ({
          name: d.name,
          ...(d.character_set !== undefined ? { characterSet: d.character_set } : {}),
          ...(d.collate !== undefined ? { collate: d.collate } : {}),
        })),
        (body.users ?? []).map((u) => ({
          name: u.name,
          password: u.password,
          ...(u.host !== undefined ? { host: u.host } : {}),
          databases: (u.databases ?? []).map((d) => d.name),
        })),
      );
      // A group's values are rendered into the engine's first configuration (checked by it at prepare).
      const group = body.configuration
        ? await groupFor(request, deps, body.configuration, { projectId, datastoreVersionId: version.id })
        : undefined;

      // A pooled engine started with the flavor's defaults; a group's values need a cold create.
      const pooled = group
        ? null
        : await claimPooled(
            deps,
            {
              manager: version.manager,
              image: version.image,
              version: version.version,
              ramMb: flavor.ramMb,
              vcpus: flavor.vcpus,
              volumeSizeGb,
            },
            access.isPublic,
          );
      const id = pooled?.instanceId ?? randomUUID();
      const now = clock.now();
      const data: CreateData = {
        manager: version.manager,
        image: version.image,
        version: version.version,
        ramMb: flavor.ramMb,
        vcpus: flavor.vcpus,
        volumeSizeGb,
        isPublic: access.isPublic,
        allowedCidrs: access.allowedCidrs,
        databases,
        users,
        overrides: group?.values ?? {},
        ...(pooled ? { host: pooled.host, address: pooled.address } : {}),
      };
      const placed = pooled ? { host: pooled.host, address: pooled.address } : {};
      const instance = await store
        .transaction(async (tx) => {
          const reservation = await identity.quotas.reserve(
            projectId,
            { instances: 1, volumes: volumeSizeGb, ram: flavor.ramMb },
            tx,
          );
          const created = await tx.instances.create({
            id,
            projectId,
            name: body.name,
            flavorId: flavor.id,
            datastoreVersionId: version.id,
            volumeSizeGb,
            isPublic: access.isPublic,
            allowedCidrs: access.allowedCidrs,
            availabilityZone: body.availability_zone ?? null,
            configurationId: group?.id ?? null,
            createdAt: now,
          });
          if (pooled) await tx.instances.update(id, { ...placed, updatedAt: now });
          await tx.serviceStatuses.set(id, "new", now);
          await tx.tasks.create({
            id: randomUUID(),
            instanceId: id,
            kind: "create_instance",
            data: withOrigin(data),
            createdAt: now,
          });
          await identity.quotas.commit(reservation, tx);
          return { ...created, ...placed };
        })
        .catch(async (err: unknown) => {
          if (pooled) await releasePooled(deps, pooled);
          throw err;
        });
      await wakeTaskManagers(deps);

      const ctx = viewContext(request, {
        isAdmin: request.caller?.isAdmin ?? false,
        now,
        heartbeatExpiryMs: config.heartbeatExpiryMs,
        region: config.region,
        versions: await versionIndex(store),
        statuses: new Map(),
        configurations: await configurationNames(store, [instance]),
      });
      return { instance: instanceView(instance, ctx, true) };
    },
  );
}

/** Trove features Coffer does not offer yet answer clearly instead of being ignored. */
function refuseUnsupported(body: CreateBody["instance"]): void {
  if (body.replica_of || body.replica_count !== undefined) {
    throw new NotImplementedError("REPLICAS_UNSUPPORTED", "Replicas are not supported yet.");
  }
  if (body.restorePoint !== undefined) {
    throw new NotImplementedError("RESTORE_UNSUPPORTED", "Restoring from a backup is not supported yet.");
  }
  if (body.modules !== undefined && !(Array.isArray(body.modules) && body.modules.length === 0)) {
    throw new NotImplementedError("MODULES_UNSUPPORTED", "Modules are not supported.");
  }
}
