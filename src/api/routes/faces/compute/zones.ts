import type { ApiDeps, ComputeHost } from "../../../deps.js";

/** Nova's default zone name (`default_availability_zone`), the one zone a Coffer starts with. */
export const DEFAULT_AVAILABILITY_ZONE = "nova";

/** The service each host runs, as the zone detail names it (Nova says `nova-compute`). */
export const HOST_SERVICE = "coffer-compute";

/**
 * The hosts the compute face shows, from `deps.computeHosts` when the composition root wires a
 * host registry, else from what every Coffer knows: the hosts its instances were placed on, and
 * this process's own host when it runs the compute role. Such a host is up when it is this
 * process's, or when one of its instances' guest agents reported within the heartbeat expiry (a
 * guest agent runs inside its host's agent, so a fresh heartbeat is the host speaking).
 */
export async function computeHosts(deps: ApiDeps): Promise<ComputeHost[]> {
  if (deps.computeHosts) return deps.computeHosts();
  const { store, config, clock } = deps;
  const now = clock.now();
  const instances = (await store.instances.list()).filter((i) => i.host !== null);
  const statuses = await store.serviceStatuses.list(instances.map((i) => i.id));
  const heard = new Map<string, Date>();
  for (const s of statuses) {
    const host = instances.find((i) => i.id === s.instanceId)?.host;
    if (!host) continue;
    const last = heard.get(host);
    if (!last || last < s.updatedAt) heard.set(host, s.updatedAt);
  }
  const names = new Set(instances.map((i) => i.host!));
  const own = config.roles.includes("compute") ? config.hostName : undefined;
  if (own) names.add(own);
  return [...names].sort().map((name) => {
    const last = name === own ? now : (heard.get(name) ?? null);
    const up = last !== null && now.getTime() - last.getTime() < config.heartbeatExpiryMs;
    return { name, zone: DEFAULT_AVAILABILITY_ZONE, enabled: true, up, updatedAt: last };
  });
}

export interface Zone {
  name: string;
  /** Nova's zone state: some enabled host is in it. */
  available: boolean;
  hosts: ComputeHost[];
}

/**
 * The zones of these hosts, each available while one of its hosts is enabled (Nova's rule). With
 * no host known yet (an API process of a scaled-out fleet before anything was placed), the default
 * zone alone, available: creates still place.
 */
export function zonesOf(hosts: readonly ComputeHost[]): Zone[] {
  if (hosts.length === 0) return [{ name: DEFAULT_AVAILABILITY_ZONE, available: true, hosts: [] }];
  return [...new Set(hosts.map((h) => h.zone))].sort().map((name) => {
    const members = hosts.filter((h) => h.zone === name);
    return { name, available: members.some((h) => h.enabled), hosts: members };
  });
}
