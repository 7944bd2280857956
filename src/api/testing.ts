/**
 * api/testing: for route tests (never production code). `openTestApp` builds the real app over a
 * real identity and SQLite store in a temp dir (see identity/testing.ts), ready for `app.inject()`,
 * with the bootstrap admin's token at hand and `fx.addUser` for members and readers.
 */
import type { FastifyInstance } from "fastify";
import { openIdentityFixture, type IdentityFixture } from "../identity/testing.js";
import { silentLogger } from "../lib/index.js";
import { createInProcessBus, type MessageBus } from "../bus/index.js";
import { buildApp } from "./app.js";

export interface Route {
  method: string;
  /** Fastify's form, e.g. `/v1.0/:projectId/instances/:id`. */
  path: string;
}

/**
 * Every (method, path) the app serves, from Fastify's printed route tree, so that checks walking
 * the routes cover routes added later without being told. HEAD is GET's twin and is left out.
 */
export function routeTable(app: FastifyInstance): Route[] {
  const out: Route[] = [];
  for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
    const stack: string[] = [];
    for (const line of app.printRoutes({ commonPrefix: false, method: method as "GET" }).split("\n")) {
      const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([^)]*)\))?$/.exec(line);
      if (!m) continue;
      const depth = m[1]!.length / 4;
      const path = (depth > 0 ? stack[depth - 1]! : "") + m[2]!;
      stack[depth] = path;
      stack.length = depth + 1;
      if (m[3]?.split(", ").includes(method)) out.push({ method, path });
    }
  }
  return out;
}

export interface TestApp {
  app: FastifyInstance;
  fx: IdentityFixture;
  close(): Promise<void>;
}

export async function openTestApp(
  options: Parameters<typeof openIdentityFixture>[0] & { bus?: MessageBus } = {},
): Promise<TestApp> {
  const { bus, ...fixture } = options;
  const fx = await openIdentityFixture(fixture);
  try {
    const app = await buildApp({
      config: fx.config,
      logger: silentLogger(),
      clock: fx.clock,
      identity: fx.identity,
      store: fx.store,
      bus: bus ?? createInProcessBus({ logger: silentLogger() }),
      healthChecks: { store: () => fx.store.ping() },
    });
    return {
      app,
      fx,
      close: async () => {
        await app.close();
        await fx.close();
      },
    };
  } catch (err) {
    await fx.close();
    throw err;
  }
}
