import { createHash } from "node:crypto";

/**
 * The service catalog. Coffer serves two services on one listener: `database` (Trove v1.0,
 * per-project URL) and `identity` (Keystone v3). They are fixed by configuration, not stored:
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
  type: "database" | "identity";
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
  ];
}

export function catalogEndpoints(options: CatalogOptions): CatalogEndpoint[] {
  const base = options.publicUrl.replace(/\/+$/, "");
  const urls: Record<CatalogService["type"], string> = {
    // The trove CLI refuses any path before /v1.0: the URL must be scheme://host[:port]/v1.0/<project>.
    database: `${base}/v1.0/${PROJECT_PLACEHOLDER}`,
    identity: `${base}/v3`,
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
