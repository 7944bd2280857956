import type { Selectable } from "kysely";
import type { ServerStatus, TaskStatus } from "../../domain/index.js";
import type { InstanceRepository } from "../instance-port.js";
import type { Instance, InstanceFault, InstancePatch } from "../instance-records.js";
import type { Codec } from "../profile.js";
import type { InstancesTable, StoredJson } from "../schema.js";
import { defined, translated, type RepoContext } from "./context.js";

export function instanceRepository({ db, profile }: RepoContext): InstanceRepository {
  const { bool, json, timestamp } = profile.codec;
  const toInstance = (r: Selectable<InstancesTable>): Instance => ({
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    flavorId: r.flavor_id,
    datastoreVersionId: r.datastore_version_id,
    volumeSizeGb: r.volume_size_gb,
    volumeUsedGb: r.volume_used_gb,
    // Both written only from the domain's unions by this repository.
    taskStatus: r.task_status as TaskStatus,
    serverStatus: r.server_status as ServerStatus,
    host: r.host,
    address: r.address,
    publicAddress: r.public_address,
    isPublic: bool.decode(r.is_public),
    allowedCidrs: json.decode(r.allowed_cidrs) as string[],
    availabilityZone: r.availability_zone,
    configurationId: r.configuration_id,
    fault: r.fault === null ? null : decodeFault(json.decode(r.fault)),
    createdAt: timestamp.decode(r.created_at),
    updatedAt: timestamp.decode(r.updated_at),
    deletedAt: r.deleted_at === null ? null : timestamp.decode(r.deleted_at),
  });
  const select = () => db.selectFrom("instances").selectAll();

  const repo: InstanceRepository = {
    async create(i) {
      const created = timestamp.encode(i.createdAt);
      const row = await db
        .insertInto("instances")
        .values({
          id: i.id,
          project_id: i.projectId,
          name: i.name,
          flavor_id: i.flavorId,
          datastore_version_id: i.datastoreVersionId,
          volume_size_gb: i.volumeSizeGb,
          volume_used_gb: null,
          task_status: "BUILDING" satisfies TaskStatus,
          server_status: "BUILD" satisfies ServerStatus,
          host: null,
          address: null,
          public_address: null,
          is_public: bool.encode(i.isPublic ?? false),
          allowed_cidrs: json.encode(i.allowedCidrs ?? []),
          availability_zone: i.availabilityZone ?? null,
          configuration_id: i.configurationId ?? null,
          fault: null,
          created_at: created,
          updated_at: created,
          deleted_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toInstance(row);
    },
    async get(id, options = {}) {
      let q = select().where("id", "=", id);
      if (options.includeDeleted !== true) q = q.where("deleted_at", "is", null);
      const row = await q.executeTakeFirst();
      return row && toInstance(row);
    },
    async list(filter = {}) {
      let q = select().orderBy("id");
      if (filter.projectId !== undefined) q = q.where("project_id", "=", filter.projectId);
      if (filter.host !== undefined) q = q.where("host", "=", filter.host);
      if (filter.configurationId !== undefined) q = q.where("configuration_id", "=", filter.configurationId);
      if (filter.includeDeleted !== true) q = q.where("deleted_at", "is", null);
      if (filter.afterId !== undefined) q = q.where("id", ">", filter.afterId);
      if (filter.limit !== undefined) q = q.limit(filter.limit);
      return (await q.execute()).map(toInstance);
    },
    async update(id, patch) {
      // A deleted instance is gone for `get`, so it is gone for `update` too.
      const row = await db
        .updateTable("instances")
        .set(patchColumns(patch, profile.codec))
        .where("id", "=", id)
        .where("deleted_at", "is", null)
        .returningAll()
        .executeTakeFirst();
      return row && toInstance(row);
    },
    async markDeleted(id, at) {
      const when = timestamp.encode(at);
      const result = await db
        .updateTable("instances")
        .set({ deleted_at: when, updated_at: when, task_status: "NONE" satisfies TaskStatus })
        .where("id", "=", id)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
  return translated(repo, profile, {
    code: "INSTANCE_EXISTS",
    message: "An instance with this id already exists.",
  });
}

function patchColumns(patch: InstancePatch, { bool, json, timestamp }: Codec): Partial<InstancesTable> {
  return defined({
    name: patch.name,
    flavor_id: patch.flavorId,
    volume_size_gb: patch.volumeSizeGb,
    volume_used_gb: patch.volumeUsedGb,
    task_status: patch.taskStatus,
    server_status: patch.serverStatus,
    host: patch.host,
    address: patch.address,
    public_address: patch.publicAddress,
    is_public: patch.isPublic === undefined ? undefined : bool.encode(patch.isPublic),
    allowed_cidrs: patch.allowedCidrs === undefined ? undefined : json.encode(patch.allowedCidrs),
    configuration_id: patch.configurationId,
    // No fault is SQL NULL, not JSON null, so that `fault is null` means what it says.
    fault: patch.fault == null ? patch.fault : json.encode(encodeFault(patch.fault)),
    updated_at: timestamp.encode(patch.updatedAt),
  });
}

/** JSON has no dates: `createdAt` travels as ISO-8601 text. */
function encodeFault(fault: InstanceFault): Record<string, string> {
  return { message: fault.message, details: fault.details, createdAt: fault.createdAt.toISOString() };
}

function decodeFault(stored: StoredJson): InstanceFault {
  const f = stored as Record<string, string>;
  return {
    message: String(f.message),
    details: String(f.details ?? ""),
    createdAt: new Date(String(f.createdAt)),
  };
}
