import type { FastifyRequest } from "fastify";
import { COMPUTE_PATH } from "../../../../identity/index.js";
import { baseUrl } from "../../versions.js";

/** The compute face's versioned base URL as this request reached it. */
export function computeBase(request: FastifyRequest): string {
  return `${baseUrl(request)}${COMPUTE_PATH}`;
}

/** Nova's `self` (versioned) and `bookmark` (unversioned) links. */
export function computeLinks(request: FastifyRequest, collection: string, id: string) {
  const unversioned = COMPUTE_PATH.slice(0, COMPUTE_PATH.lastIndexOf("/"));
  return [
    { rel: "self", href: `${computeBase(request)}/${collection}/${id}` },
    { rel: "bookmark", href: `${baseUrl(request)}${unversioned}/${collection}/${id}` },
  ];
}

/** Where a list's next page is: the same path (`servers` or `servers/detail`). */
export function collectionUrl(request: FastifyRequest): string {
  return `${baseUrl(request)}${request.url.split("?")[0]}`;
}
