import { AsyncLocalStorage } from "node:async_hooks";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { TaskOrigin } from "../taskmanager/index.js";

/**
 * Who asked for what a request records: the request being served is kept in async-local storage
 * (as @fastify/request-context does), so that a task recorded anywhere down the call chain says
 * which request and user it came from, and the event its workflow records can name them.
 */
const current = new AsyncLocalStorage<FastifyRequest>();

export function trackRequests(app: FastifyInstance): void {
  app.addHook("onRequest", (request, _reply, done) => current.run(request, done));
}

/** The request being served and its caller (once authenticated), if any. */
export function requestOrigin(): TaskOrigin | undefined {
  const request = current.getStore();
  if (!request) return undefined;
  const user = request.token?.user;
  return { requestId: request.id, ...(user ? { userId: user.id, userName: user.name } : {}) };
}

/** A task's data with the origin of the request that records it. */
export function withOrigin<D extends Record<string, unknown>>(data: D): D & { origin?: TaskOrigin } {
  const origin = requestOrigin();
  return origin ? { ...data, origin } : data;
}
