import type { FastifyRequest } from "fastify";
import { NotFoundError, type InstanceState, type TaskStatus } from "../../../domain/index.js";
import { sleep } from "../../../lib/index.js";
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

/**
 * The state the transition table needs. A workflow's last step sets the task status back to NONE
 * just before the runner marks its task ended; a request in between would see an idle instance
 * and still be refused (a task is active). So when the status says idle but a task is still open,
 * this waits (briefly) for it to end: what the status shows and what is accepted agree.
 */
export async function stateOf(repos: Repositories, instance: Instance): Promise<InstanceState> {
  let current = instance;
  if (IDLE.has(instance.taskStatus) && (await repos.tasks.activeFor(instance.id))) {
    const deadline = Date.now() + TASK_TAIL_MS;
    while (Date.now() < deadline && (await repos.tasks.activeFor(instance.id))) await sleep(20);
    current = (await repos.instances.get(instance.id)) ?? instance;
  }
  const service = await repos.serviceStatuses.get(current.id);
  return {
    task: current.taskStatus,
    server: current.serverStatus,
    service: service?.status ?? "new",
    serviceUpdatedAt: service?.updatedAt ?? current.createdAt,
    backupRunning: false,
  };
}

const IDLE: ReadonlySet<TaskStatus> = new Set(["NONE", "RESTART_REQUIRED"]);
/** A task's book-keeping after its last step takes milliseconds; this bounds the wait for it. */
const TASK_TAIL_MS = 3000;
