import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../../../deps.js";
import { computeHosts, HOST_SERVICE, zonesOf } from "./zones.js";

/**
 * `os-availability-zone` (every token) and its `detail` (admins: each zone's hosts and the service
 * they run, with whether it is enabled, `active`, and heard from, `available`).
 */
export function computeZoneRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get("/os-availability-zone", { config: { policy: "compute:availability_zone:list" } }, async () => ({
    availabilityZoneInfo: zonesOf(await computeHosts(deps)).map((z) => ({
      zoneName: z.name,
      zoneState: { available: z.available },
      hosts: null,
    })),
  }));
  app.get(
    "/os-availability-zone/detail",
    { config: { policy: "compute:availability_zone:detail" } },
    async () => ({
      availabilityZoneInfo: zonesOf(await computeHosts(deps)).map((z) => ({
        zoneName: z.name,
        zoneState: { available: z.available },
        hosts:
          z.hosts.length === 0
            ? null
            : Object.fromEntries(
                z.hosts.map((h) => [
                  h.name,
                  {
                    [HOST_SERVICE]: {
                      available: h.up,
                      active: h.enabled,
                      updated_at: h.updatedAt ? h.updatedAt.toISOString().replace("Z", "") + "000" : null,
                    },
                  },
                ]),
              ),
      })),
    }),
  );
}
