import { createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { ServerStatus } from "../../../../domain/index.js";
import type { Instance } from "../../../../store/index.js";
import { computeLinks } from "./links.js";
import { DEFAULT_AVAILABILITY_ZONE } from "./zones.js";

/**
 * Each database instance's server, as Nova v2.1 shows a server. The server's id is the instance's
 * (Trove's management view names it `server_id`). What Coffer does not have is shown as Nova shows
 * its absence: no image (a volume-booted server's `""`), no key pair, no attached Cinder volumes, no
 * creating user (`user_id` `""`: instances record their project only).
 */

/** Coffer's server statuses in Nova's words (Nova's stopped server is SHUTOFF). */
const NOVA_STATUS: Record<ServerStatus, string> = {
  BUILD: "BUILD",
  ACTIVE: "ACTIVE",
  SHUTDOWN: "SHUTOFF",
  ERROR: "ERROR",
  REBOOT: "REBOOT",
  RESIZE: "RESIZE",
};
/** Nova's vm_state and power_state (1 running, 4 shutdown, 0 no state) for each. */
const VM_STATE: Record<ServerStatus, [string, number]> = {
  BUILD: ["building", 0],
  ACTIVE: ["active", 1],
  SHUTDOWN: ["stopped", 4],
  ERROR: ["error", 0],
  REBOOT: ["active", 1],
  RESIZE: ["active", 1],
};
/** Statuses in which Nova shows `progress`. */
const PROGRESS = new Set(["ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"]);

export function novaStatus(instance: Instance): string {
  return NOVA_STATUS[instance.serverStatus];
}

/** `2024-05-01T10:00:00Z`, Nova's created/updated. */
const isoSeconds = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;
/** `2024-05-01T10:00:00.000000`, Nova's launched_at (naive UTC with microseconds). */
const isoMicros = (d: Date) => `${d.toISOString().slice(0, 23)}000`;

/** Nova's hostId: a per-project hash of the host's name, so projects cannot correlate hosts. */
export function hostId(projectId: string, host: string | null): string {
  return host
    ? createHash("sha224")
        .update(projectId + host)
        .digest("hex")
    : "";
}

export function serverBrief(request: FastifyRequest, instance: Instance): Record<string, unknown> {
  return { id: instance.id, name: instance.name, links: computeLinks(request, "servers", instance.id) };
}

export function serverDetail(
  request: FastifyRequest,
  instance: Instance,
  options: { extendedAttributes: boolean },
): Record<string, unknown> {
  const status = novaStatus(instance);
  const [vmState, powerState] = VM_STATE[instance.serverStatus];
  const view: Record<string, unknown> = {
    ...serverBrief(request, instance),
    status,
    tenant_id: instance.projectId,
    user_id: "",
    metadata: { trove_project_id: instance.projectId, trove_instance_id: instance.id },
    hostId: hostId(instance.projectId, instance.host),
    image: "",
    flavor: { id: instance.flavorId, links: computeLinks(request, "flavors", instance.flavorId).slice(1) },
    created: isoSeconds(instance.createdAt),
    updated: isoSeconds(instance.updatedAt),
    addresses: addresses(instance),
    accessIPv4: "",
    accessIPv6: "",
    key_name: null,
    config_drive: "",
    "OS-DCF:diskConfig": "MANUAL",
    "OS-EXT-AZ:availability_zone": instance.availabilityZone ?? DEFAULT_AVAILABILITY_ZONE,
    "OS-EXT-STS:task_state": null,
    "OS-EXT-STS:vm_state": vmState,
    "OS-EXT-STS:power_state": powerState,
    "OS-SRV-USG:launched_at": instance.serverStatus === "BUILD" ? null : isoMicros(instance.createdAt),
    "OS-SRV-USG:terminated_at": null,
    "os-extended-volumes:volumes_attached": [],
  };
  if (PROGRESS.has(status)) view.progress = 0;
  if (instance.fault && status === "ERROR") {
    view.fault = {
      code: 500,
      created: isoSeconds(instance.fault.createdAt),
      message: instance.fault.message,
    };
  }
  if (options.extendedAttributes) {
    view["OS-EXT-SRV-ATTR:host"] = instance.host;
    view["OS-EXT-SRV-ATTR:hypervisor_hostname"] = instance.host;
    view["OS-EXT-SRV-ATTR:instance_name"] = `coffer-${instance.id}`;
  }
  return view;
}

/** The instance's own address on the `private` network, its public one (if any) on `public`. */
function addresses(instance: Instance): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  const entry = (addr: string) => ({ version: addr.includes(":") ? 6 : 4, addr, "OS-EXT-IPS:type": "fixed" });
  if (instance.address) out.private = [entry(instance.address)];
  if (instance.publicAddress) out.public = [entry(instance.publicAddress)];
  return out;
}

/** Every address of the server, for the `ip` filter. */
export function serverAddresses(instance: Instance): string[] {
  return [instance.address, instance.publicAddress].filter((a): a is string => a !== null);
}
