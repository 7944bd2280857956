/**
 * api: the HTTP face of Coffer (Trove v1.0 and Keystone v3 on one listener). `buildApp` returns a
 * Fastify app that does not listen; every route module is registered in routes/index.ts, and
 * faults.ts is the only place where errors become HTTP statuses and Trove fault bodies.
 */
export { buildApp, buildMetricsApp, type MetricsAppDeps } from "./app.js";
export type { ApiDeps } from "./deps.js";
export { toFault, faultBody, statusOf } from "./faults.js";
