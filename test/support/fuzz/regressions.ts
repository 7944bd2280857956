import { checkOne, type FuzzReport, type FuzzTarget } from "./fuzz.js";
import type { CallerKind, FuzzRequest } from "./requests.js";

/**
 * What the fuzzer found, kept: each request that once broke a property, replayed before every run
 * (CI and bench) with the same checks. `{A}`, `{B}`, `{P}`, `{instance}`, `{config}` stand for the
 * fixture's project A and B, the caller's own project, the instance and the configuration group.
 */

interface Regression {
  /** What was wrong, and what fixed it. */
  finding: string;
  caller: CallerKind;
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string;
  /** The status it must get now. */
  status: number;
}

export const REGRESSIONS: readonly Regression[] = [
  {
    finding:
      "a malformed percent-escape in a path got Fastify's own body ({statusCode, error, code: FST_ERR_BAD_URL}); frameworkErrors now answers a Trove fault",
    caller: "member",
    method: "GET",
    url: "/v1.0/{A}/instances/%zz/root",
    status: 400,
  },
  {
    finding: "the same under /v3 must be a Keystone error",
    caller: "member",
    method: "GET",
    url: "/v3/users/%zz/projects",
    status: 400,
  },
  {
    finding: "an invalid UTF-8 escape (a lone surrogate's bytes) likewise",
    caller: "admin",
    method: "GET",
    url: "/v3/projects/%ED%A0%BD",
    status: 400,
  },
  {
    finding:
      "a path parameter over 100 characters got Fastify's 414 body (FST_ERR_MAX_PARAM_LENGTH); ids up to 1024 characters now reach the route (404)",
    caller: "member",
    method: "GET",
    url: `/v1.0/{A}/instances/${"x".repeat(300)}`,
    status: 404,
  },
  {
    finding: "…and longer ones get a fault with 414, without the URL quoted back",
    caller: "reader",
    method: "GET",
    url: `/v3/projects/${"a".repeat(2000)}`,
    status: 414,
  },
  {
    finding:
      "a repeated query parameter reached the store as an array (500); repeated parameters now read as their last value, as in webob",
    caller: "member",
    method: "GET",
    url: "/v1.0/{A}/configurations?marker=1&marker=x",
    status: 200,
  },
  {
    finding: "…on every route that reads the query, e.g. instances",
    caller: "admin",
    method: "GET",
    url: "/v1.0/{P}/instances?limit=1&limit=2&marker=a&marker=b",
    status: 200,
  },
];

export async function replayRegressions(target: FuzzTarget): Promise<{ replayed: number; failed: string[] }> {
  const callers = new Map(target.ctx.callers.map((c) => [c.kind, c]));
  const a = callers.get("member")!;
  const b = callers.get("other")!;
  const fill = (s: string, own: string) =>
    s
      .replaceAll("{P}", own)
      .replaceAll("{A}", a.projectId!)
      .replaceAll("{B}", b.projectId!)
      .replaceAll("{instance}", target.ctx.ids.instances![0]!)
      .replaceAll("{config}", target.ctx.ids.configurations![0]!);
  const report: FuzzReport = {
    seed: 0,
    requests: 0,
    operations: 0,
    callers: 0,
    durationMs: 0,
    byStatus: {},
    byBody: {},
    serverErrors: 0,
    notImplemented: 0,
    stateChangesOn4xx: 0,
    findings: [],
    skipped: 0,
  };
  const failed: string[] = [];
  for (const r of REGRESSIONS) {
    const token = callers.get(r.caller)?.token;
    const req: FuzzRequest = {
      method: r.method,
      url: fill(r.url, callers.get(r.caller)?.projectId ?? "none"),
      headers: {
        ...(token ? { "x-auth-token": token } : {}),
        "content-type": "application/json",
        ...r.headers,
      },
      ...(r.payload !== undefined
        ? { payload: fill(r.payload, callers.get(r.caller)?.projectId ?? "none") }
        : {}),
      caller: r.caller,
      body: "invalid",
    };
    try {
      const status = await checkOne(target, req, report, {});
      if (status !== r.status) throw new Error(`answered ${status}, not ${r.status}`);
    } catch (err) {
      failed.push(`${r.finding}: ${(err as Error).message}`);
    }
  }
  return { replayed: REGRESSIONS.length, failed };
}
