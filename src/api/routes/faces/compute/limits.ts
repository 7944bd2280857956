import type { FastifyInstance, FastifyRequest } from "fastify";
import { requireCaller } from "../../../auth.js";
import type { ApiDeps } from "../../../deps.js";

/**
 * Nova's absolute limits for the token's project, from Coffer's quotas: instances and RAM as the
 * database API's quotas set them, cores unlimited (Coffer has no vCPU quota) with the vCPUs the
 * project's flavors use. Coffer has no key pairs, security groups, floating IPs, server metadata,
 * personality files or server groups a user could make, so those limits are 0.
 */
export function computeLimitRoutes(app: FastifyInstance, { store, identity }: ApiDeps): void {
  app.get("/limits", { config: { policy: "compute:limits" } }, async (request: FastifyRequest) => {
    const projectId = requireCaller(request).projectId ?? "";
    const usage = await identity.quotas.usage(projectId);
    const of = (resource: string) => usage.find((u) => u.resource === resource);
    const instances = await store.instances.list({ projectId });
    const flavors = new Map((await store.flavors.list()).map((f) => [f.id, f]));
    const cores = instances.reduce((sum, i) => sum + (flavors.get(i.flavorId)?.vcpus ?? 0), 0);
    const ram = instances.reduce((sum, i) => sum + (flavors.get(i.flavorId)?.ramMb ?? 0), 0);
    return {
      limits: {
        rate: [],
        absolute: {
          maxTotalInstances: of("instances")?.limit ?? -1,
          totalInstancesUsed: instances.length,
          maxTotalRAMSize: of("ram")?.limit ?? -1,
          totalRAMUsed: ram,
          maxTotalCores: -1,
          totalCoresUsed: cores,
          maxTotalKeypairs: 0,
          maxServerMeta: 0,
          maxImageMeta: 0,
          maxPersonality: 0,
          maxPersonalitySize: 0,
          maxSecurityGroups: 0,
          maxSecurityGroupRules: 0,
          totalSecurityGroupsUsed: 0,
          maxTotalFloatingIps: 0,
          totalFloatingIpsUsed: 0,
          maxServerGroups: 0,
          maxServerGroupMembers: 0,
          totalServerGroupsUsed: 0,
        },
      },
    };
  });
}
