import type { FastifyRequest } from "fastify";
import { NotFoundError, type InstanceState } from "../../../domain/index.js";
import type { Instance, Repositories } from "../../../store/index.js";
import { ownerFilter } from "../../auth.js";

/**
 * An instance the caller may see: its own project's, or any project's for an admin (through the
 * admin's own URL, as Trove allows). Anything else — missing, deleted, another project's — is 404,
 * so that a name (`trove show vm1`) or a stranger's id reads as "not found".
 */
export async function loadInstance(
  request: FastifyRequest,
  repos: Repositories,
  id: string,
): Promise<Instance> {
  const instance = await repos.instances.get(id);
  const owner = ownerFilter(request);
  if (!instance || (owner !== undefined && instance.projectId !== owner)) {
    throw new NotFoundError("INSTANCE_NOT_FOUND", `Resource ${id} cannot be found.`);
  }
  return instance;
}

/** The state the transition table needs. */
export async function stateOf(repos: Repositories, instance: Instance): Promise<InstanceState> {
  const service = await repos.serviceStatuses.get(instance.id);
  return {
    task: instance.taskStatus,
    server: instance.serverStatus,
    service: service?.status ?? "new",
    serviceUpdatedAt: service?.updatedAt ?? instance.createdAt,
    backupRunning: false,
  };
}
