import { createHash } from "node:crypto";

/**
 * The service catalog. Coffer serves these services on one listener: `database` (Trove v1.0,
 * per-project URL), `identity` (Keystone v3), `compute` (a read-only Nova v2.1 face over
 * Coffer's flavors, zones and instances, which Horizon and upstream's tests need), `image` (an
 * empty Glance face, which `openstack server list` needs to start) and `volumev3` (a read-only
 * Cinder face, which Horizon's Launch form needs). They are fixed by configuration, not stored:
 * ids are derived from names so that they are the same in every process and across restarts.
 */

export interface CatalogOptions {
  /** Base URL clients reach the API at, without a trailing slash (config `publicUrl`). */
  publicUrl: string;
  region: string;
}

export const INTERFACES = ["public", "internal", "admin"] as const;
export type EndpointInterface = (typeof INTERFACES)[number];

export interface CatalogService {
  id: string;
  type: "database" | "identity" | "compute" | "image" | "volumev3";
  name: string;
  description: string;
  enabled: true;
}

export interface CatalogEndpoint {
  id: string;
  serviceId: string;
  interface: EndpointInterface;
  region: string;
  /** Keystone's URL template: `$(project_id)s` stands for the token's project. */
  url: string;
  enabled: true;
}

/** One catalog entry in a token body, as keystoneauth reads it. */
export interface TokenCatalogEntry {
  id: string;
  type: string;
  name: string;
  endpoints: { id: string; interface: string; region: string; region_id: string; url: string }[];
}

const PROJECT_PLACEHOLDER = "$(project_id)s";
/** Where the API serves the compute face's v2.1 (the API's compute routes mount here). */
export const COMPUTE_PATH = "/compute/v2.1";
/** Where the API serves the image face (unversioned, as Glance's catalog entries are). */
export const IMAGE_PATH = "/image";
/** Where the API serves the volume face's v3 (the catalog adds the project, as Cinder's does). */
export const VOLUME_PATH = "/volume/v3";

export function stableId(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 32);
}

export function catalogServices(): CatalogService[] {
  return [
    {
      id: stableId("service", "database"),
      type: "database",
      name: "trove",
      description: "Coffer database service (Trove v1.0 API)",
      enabled: true,
    },
    {
      id: stableId("service", "identity"),
      type: "identity",
      name: "keystone",
      description: "Coffer identity service (Keystone v3 subset)",
      enabled: true,
    },
    {
      id: stableId("service", "compute"),
      type: "compute",
      name: "nova",
      description: "Coffer compute face (read-only Nova v2.1 subset)",
      enabled: true,
    },
    {
      id: stableId("service", "image"),
      type: "image",
      name: "glance",
      description: "Coffer image face (Glance v2, no images)",
      enabled: true,
    },
    {
      id: stableId("service", "volumev3"),
      type: "volumev3",
      name: "cinderv3",
      description: "Coffer volume face (read-only Cinder v3 subset)",
      enabled: true,
    },
  ];
}

export function catalogEndpoints(options: CatalogOptions): CatalogEndpoint[] {
  const base = options.publicUrl.replace(/\/+$/, "");
  const urls: Record<CatalogService["type"], string> = {
    // The trove CLI refuses any path before /v1.0: the URL must be scheme://host[:port]/v1.0/<project>.
    database: `${base}/v1.0/${PROJECT_PLACEHOLDER}`,
    identity: `${base}/v3`,
    // Without a project id, as Nova's own catalog entries are today (devstack: /compute/v2.1).
    compute: `${base}${COMPUTE_PATH}`,
    image: `${base}${IMAGE_PATH}`,
    volumev3: `${base}${VOLUME_PATH}/${PROJECT_PLACEHOLDER}`,
  };
  return catalogServices().flatMap((service) =>
    INTERFACES.map((iface) => ({
      id: stableId("endpoint", service.type, iface, options.region),
      serviceId: service.id,
      interface: iface,
      region: options.region,
      url: urls[service.type],
      enabled: true as const,
    })),
  );
}

/** The catalog in a project-scoped token: every endpoint, with the project filled in. */
export function tokenCatalog(options: CatalogOptions, projectId: string): TokenCatalogEntry[] {
  const endpoints = catalogEndpoints(options);
  return catalogServices().map((service) => ({
    id: service.id,
    type: service.type,
    name: service.name,
    endpoints: endpoints
      .filter((e) => e.serviceId === service.id)
      .map((e) => ({
        id: e.id,
        interface: e.interface,
        region: e.region,
        region_id: e.region,
        url: e.url.split(PROJECT_PLACEHOLDER).join(projectId),
      })),
  }));
}
