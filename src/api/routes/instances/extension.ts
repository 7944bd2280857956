import type { FastifyRequest } from "fastify";
import { InternalError, assertAllowed } from "../../../domain/index.js";
import { GuestClient, capabilitiesOf, type EngineCapabilities } from "../../../guestagent/index.js";
import type { PolicyAction } from "../../../identity/index.js";
import type { Instance } from "../../../store/index.js";
import { authorize } from "../../auth.js";
import type { ApiDeps } from "../../deps.js";
import { loadInstance, stateOf } from "./load.js";
import { nextHref, pageLimit } from "./read.js";

/**
 * What every database, user and root route (§2.5–§2.7, Trove's "extensions") starts with: the
 * instance the caller may see (404 otherwise) and the policy check (403), then the engine's
 * capabilities for the request's own checks (400), then `ready()` — the datastore must run (422,
 * Trove's "not ready") — and only then the guest agent, which answers with 404/409 itself.
 */
export interface Extension {
  instance: Instance;
  caps: EngineCapabilities;
  guest: GuestClient;
  /** 422 INSTANCE_NOT_READY unless the engine runs and no build is under way. */
  ready(): Promise<void>;
}

export type ExtensionRequest = FastifyRequest<{ Params: { projectId: string; id: string } }>;

export async function extension(
  request: ExtensionRequest,
  deps: ApiDeps,
  action: PolicyAction,
): Promise<Extension> {
  const { store, bus } = deps;
  const instance = await loadInstance(request, store, request.params.id);
  authorize(request, action, { ownerProjectId: instance.projectId });
  const version = await store.datastoreVersions.get(instance.datastoreVersionId);
  if (!version) {
    throw new InternalError(
      "DATASTORE_VERSION_MISSING",
      `instance ${instance.id} names no known datastore version`,
    );
  }
  return {
    instance,
    caps: capabilitiesOf(version.manager),
    guest: new GuestClient(bus, instance.id),
    ready: async () => assertAllowed("users_databases", instance.id, await stateOf(store, instance)),
  };
}

/** For routes with a body: a stranger's instance is 404 before anything is said about the body. */
export function instanceFirst(deps: ApiDeps) {
  return async (request: ExtensionRequest): Promise<void> => {
    await loadInstance(request, deps.store, request.params.id);
  };
}

export type PageQuery = { limit?: string; marker?: string };

/** `limit` (at most the page size, 20) and `marker` for the guest; the guest pages sorted lists. */
export function pageArgs(query: PageQuery): { limit: number; marker?: string } {
  return { limit: pageLimit(query.limit), ...(query.marker ? { marker: query.marker } : {}) };
}

/** A `links: [{rel: "next"}]` member when another page follows (clients follow it). */
export function nextLinks(request: FastifyRequest, nextMarker: string | undefined): Record<string, unknown> {
  return nextMarker === undefined ? {} : { links: [{ rel: "next", href: nextHref(request, nextMarker) }] };
}

export const named = (names: readonly string[]): { name: string }[] => names.map((name) => ({ name }));
