import type { FastifyInstance } from "fastify";
import { ValidationError } from "../../../domain/index.js";
import { versionIndex } from "../../../catalog/index.js";
import type { ApiDeps } from "../../deps.js";
import { wakeTaskManagers } from "../../wake.js";
import { loadInstance } from "./load.js";
import { pageLimit, nextHref } from "./read.js";
import { recordTask } from "./tasks.js";
import { configurationNames, instanceView, viewContext } from "./view.js";

type Params = { projectId: string; id: string };

/**
 * The admin's instance API under /mgmt (§2.17; the hook already requires admin): every project's
 * instances, and the actions users do not have: stop, start (Coffer's addition: brings a stopped
 * instance back), reboot, reset-task-status.
 */
export function mgmtInstanceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, clock, config } = deps;

  app.get<{
    Params: { projectId: string };
    Querystring: { limit?: string; marker?: string; project_id?: string };
  }>("/v1.0/:projectId/mgmt/instances", async (request) => {
    const limit = pageLimit(request.query.limit);
    const rows = await store.instances.list({
      ...(request.query.project_id ? { projectId: request.query.project_id } : {}),
      limit: limit + 1,
      ...(request.query.marker ? { afterId: request.query.marker } : {}),
    });
    const page = rows.slice(0, limit);
    const statuses = await store.serviceStatuses.list(page.map((r) => r.id));
    const ctx = viewContext(request, {
      isAdmin: true,
      now: clock.now(),
      heartbeatExpiryMs: config.heartbeatExpiryMs,
      region: config.region,
      versions: await versionIndex(store),
      statuses: new Map(statuses.map((s) => [s.instanceId, s])),
      configurations: await configurationNames(store, page),
    });
    const instances = page.map((row) => ({
      ...instanceView(row, ctx, true),
      server: {
        id: row.id,
        name: row.name,
        status: row.serverStatus,
        tenant_id: row.projectId,
        host: row.host,
      },
      service_status: statuses.find((s) => s.instanceId === row.id)?.status ?? "new",
      task_description: row.taskStatus,
    }));
    const body: Record<string, unknown> = { instances };
    if (rows.length > limit) body.links = [{ rel: "next", href: nextHref(request, page.at(-1)!.id) }];
    return body;
  });

  app.post<{ Params: Params; Body: Record<string, unknown> | undefined }>(
    "/v1.0/:projectId/mgmt/instances/:id/action",
    async (request, reply) => {
      const instance = await loadInstance(request, store, request.params.id);
      const keys = request.body && typeof request.body === "object" ? Object.keys(request.body) : [];
      if (keys.length !== 1)
        throw new ValidationError("ACTION_INVALID", "The action body must hold exactly one action.");
      const now = clock.now();
      switch (keys[0]) {
        case "stop":
          await store.transaction((tx) => recordTask(tx, instance, "stop_instance", "STOPPING", {}, now));
          break;
        case "start":
          await store.transaction((tx) => recordTask(tx, instance, "start_instance", "REBOOTING", {}, now));
          break;
        case "reboot":
          await store.transaction((tx) => recordTask(tx, instance, "restart_instance", "REBOOTING", {}, now));
          break;
        case "reset-task-status":
          await store.transaction(async (tx) => {
            await tx.tasks.cancelActive(instance.id, "reset-task-status", now);
            await tx.instances.update(instance.id, { taskStatus: "NONE", updatedAt: now });
          });
          return reply.status(202).send();
        default:
          throw new ValidationError("ACTION_UNKNOWN", `Unknown action: ${keys[0]}.`);
      }
      await wakeTaskManagers(deps);
      return reply.status(202).send();
    },
  );
}
