import { CofferError, ErrorKind, NotFoundError, ValidationError } from "../domain/index.js";
import type { HttpClient } from "./http.js";
import type { InstanceStatus } from "./wait.js";

/**
 * Finding what the user names, as troveclient's find_resource does: GET by id first; on 404 list
 * and match the name. No match is "not found"; several are an error asking for the id.
 */

export type InstanceView = InstanceStatus & Record<string, unknown>;
export type FlavorView = { id: number | null; str_id?: string; name: string } & Record<string, unknown>;

export function isNotFound(err: unknown): boolean {
  return err instanceof CofferError && err.kind === ErrorKind.NotFound;
}

/** Every instance of the project, following the API's pages. */
export async function listInstances(api: HttpClient, limit?: number): Promise<InstanceView[]> {
  const all: InstanceView[] = [];
  let marker: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ include_clustered: "False" });
    if (limit !== undefined) query.set("limit", String(limit - all.length));
    if (marker !== undefined) query.set("marker", marker);
    const page = await api.get<{ instances: InstanceView[]; links?: { rel: string; href: string }[] }>(
      `/instances?${query.toString()}`,
    );
    all.push(...page.instances);
    const next = page.links?.find((l) => l.rel === "next");
    if (!next || page.instances.length === 0 || (limit !== undefined && all.length >= limit)) return all;
    marker = new URL(next.href).searchParams.get("marker") ?? page.instances.at(-1)!.id;
  }
}

/** The instance's detail view, or undefined once it is gone. */
export async function getInstance(api: HttpClient, id: string): Promise<InstanceView | undefined> {
  try {
    return (await api.get<{ instance: InstanceView }>(`/instances/${encodeURIComponent(id)}`)).instance;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function findInstance(api: HttpClient, ref: string): Promise<InstanceView> {
  const byId = await getInstance(api, ref);
  if (byId) return byId;
  const matches = (await listInstances(api)).filter((i) => i.name === ref);
  const only = single(matches, "instance", ref);
  const detail = await getInstance(api, only.id);
  if (!detail) throw notFound("instance", ref);
  return detail;
}

export async function findFlavor(api: HttpClient, ref: string): Promise<FlavorView> {
  try {
    return (await api.get<{ flavor: FlavorView }>(`/flavors/${encodeURIComponent(ref)}`)).flavor;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const { flavors } = await api.get<{ flavors: FlavorView[] }>("/flavors");
  return single(
    flavors.filter((f) => f.name === ref),
    "flavor",
    ref,
  );
}

/** A flavor's id as the API's `flavorRef` takes it: the number, else `str_id`. */
export function flavorId(flavor: FlavorView): string {
  return flavor.id !== null && flavor.id !== undefined ? String(flavor.id) : String(flavor.str_id);
}

function single<T>(matches: T[], what: string, ref: string): T {
  if (matches.length === 0) throw notFound(what, ref);
  if (matches.length > 1) {
    throw new ValidationError(
      "NAME_AMBIGUOUS",
      `Multiple ${what} matches found for '${ref}', use an ID to be more specific.`,
    );
  }
  return matches[0]!;
}

function notFound(what: string, ref: string): NotFoundError {
  return new NotFoundError("NAME_NOT_FOUND", `No ${what} with a name or ID of '${ref}' exists.`);
}
