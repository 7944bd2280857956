import type { FastifyInstance, FastifyRequest } from "fastify";
import { NotFoundError, ValidationError, type Flavor } from "../../../../domain/index.js";
import type { ApiDeps } from "../../../deps.js";
import { page, type PageQuery } from "../paging.js";
import { collectionUrl, computeLinks } from "./links.js";

/**
 * Nova's flavors (v2.1) from Coffer's flavors: list, detail, show, and extra specs (always none).
 * Every Coffer flavor is public and enabled; swap is not a thing here ("" as Nova says "none").
 */
export function novaFlavorView(request: FastifyRequest, f: Flavor, detail: boolean): Record<string, unknown> {
  const brief = { id: f.id, name: f.name, links: computeLinks(request, "flavors", f.id) };
  if (!detail) return brief;
  return {
    ...brief,
    ram: f.ramMb,
    disk: f.diskGb,
    vcpus: f.vcpus,
    swap: "",
    rxtx_factor: 1.0,
    "OS-FLV-EXT-DATA:ephemeral": f.ephemeralGb,
    "OS-FLV-DISABLED:disabled": false,
    "os-flavor-access:is_public": true,
  };
}

type FlavorQuery = PageQuery & {
  minRam?: string;
  minDisk?: string;
  is_public?: string;
  sort_key?: string;
  sort_dir?: string;
};

const SORT_KEYS: Record<string, (f: Flavor) => string | number> = {
  flavorid: (f) => f.id,
  id: (f) => f.id,
  name: (f) => f.name,
  memory_mb: (f) => f.ramMb,
  vcpus: (f) => f.vcpus,
  root_gb: (f) => f.diskGb,
  ephemeral_gb: (f) => f.ephemeralGb,
};

export function computeFlavorRoutes(app: FastifyInstance, { store }: ApiDeps): void {
  const list = (detail: boolean) => async (request: FastifyRequest<{ Querystring: FlavorQuery }>) => {
    const q = request.query;
    const minRam = minimum(q.minRam, "minRam");
    const minDisk = minimum(q.minDisk, "minDisk");
    // is_public=false asks for private flavors only: Coffer has none.
    const privateOnly = q.is_public !== undefined && /^(false|f|no|n|0|off)$/i.test(q.is_public);
    const flavors = privateOnly
      ? []
      : (await store.flavors.list()).filter((f) => f.ramMb >= minRam && f.diskGb >= minDisk);
    const sorted = sortFlavors(flavors, q.sort_key ?? "flavorid", q.sort_dir ?? "asc");
    const { items, next } = page(request, sorted, (f) => f.id, collectionUrl(request));
    return {
      flavors: items.map((f) => novaFlavorView(request, f, detail)),
      ...(next ? { flavors_links: next } : {}),
    };
  };
  app.get("/flavors", { config: { policy: "compute:flavors" } }, list(false));
  app.get("/flavors/detail", { config: { policy: "compute:flavors" } }, list(true));

  const load = async (id: string) => {
    const flavor = await store.flavors.get(id);
    if (!flavor) throw new NotFoundError("FLAVOR_NOT_FOUND", `Flavor ${id} could not be found.`);
    return flavor;
  };
  app.get<{ Params: { id: string } }>(
    "/flavors/:id",
    { config: { policy: "compute:flavors" } },
    async (request) => ({ flavor: novaFlavorView(request, await load(request.params.id), true) }),
  );
  app.get<{ Params: { id: string } }>(
    "/flavors/:id/os-extra_specs",
    { config: { policy: "compute:flavors" } },
    async (request) => {
      await load(request.params.id);
      return { extra_specs: {} };
    },
  );
  app.get<{ Params: { id: string; key: string } }>(
    "/flavors/:id/os-extra_specs/:key",
    { config: { policy: "compute:flavors" } },
    async (request) => {
      await load(request.params.id);
      throw new NotFoundError(
        "FLAVOR_EXTRA_SPEC_NOT_FOUND",
        `Flavor ${request.params.id} has no extra specs with key ${request.params.key}.`,
      );
    },
  );
}

function minimum(value: string | undefined, name: string): number {
  if (value === undefined) return 0;
  if (!/^\d+$/.test(value)) throw new ValidationError("REQUEST_INVALID", `Invalid ${name} filter [${value}]`);
  return Number(value);
}

function sortFlavors(flavors: Flavor[], key: string, dir: string): Flavor[] {
  const by = SORT_KEYS[key];
  if (!by) throw new ValidationError("REQUEST_INVALID", `Invalid sort_key provided: ${key}`);
  if (dir !== "asc" && dir !== "desc") {
    throw new ValidationError("REQUEST_INVALID", `Invalid sort_dir provided: ${dir}`);
  }
  const sign = dir === "asc" ? 1 : -1;
  return [...flavors].sort((a, b) => {
    const x = by(a);
    const y = by(b);
    return sign * (x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  });
}
