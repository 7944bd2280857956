import type { FastifyRequest } from "fastify";
import { ValidationError } from "../../../domain/index.js";

export type PageQuery = { limit?: string; marker?: string };

/** Nova's `osapi_max_limit` (Cinder's is the same). */
const MAX_LIMIT = 1000;

/**
 * OpenStack's pagination over an ordered list: `limit` (at most 1000) and `marker` (the id of the
 * last item seen; an unknown marker is a 400), with a `next` link to `collectionUrl` when more
 * items follow.
 */
export function page<T>(
  request: FastifyRequest<{ Querystring: PageQuery }>,
  ordered: readonly T[],
  idOf: (item: T) => string,
  collectionUrl: string,
): { items: T[]; next?: { rel: string; href: string }[] } {
  const { limit: rawLimit, marker } = request.query;
  if (rawLimit !== undefined && !/^\d+$/.test(rawLimit)) {
    throw new ValidationError("REQUEST_INVALID", "limit param must be an integer");
  }
  const limit = Math.min(rawLimit === undefined ? MAX_LIMIT : Number(rawLimit), MAX_LIMIT);
  let start = 0;
  if (marker !== undefined) {
    const at = ordered.findIndex((item) => idOf(item) === marker);
    if (at < 0) throw new ValidationError("MARKER_NOT_FOUND", `marker [${marker}] not found`);
    start = at + 1;
  }
  const items = ordered.slice(start, start + limit);
  if (items.length === 0 || start + limit >= ordered.length) return { items };
  const query = new URLSearchParams(request.query as Record<string, string>);
  query.set("limit", String(limit));
  query.set("marker", idOf(items.at(-1)!));
  return { items, next: [{ rel: "next", href: `${collectionUrl}?${query.toString()}` }] };
}
