import fc from "fast-check";
import {
  operationsOf,
  requestArb,
  type Caller,
  type CallerKind,
  type FuzzContext,
  type FuzzRequest,
  type OpenApiDoc,
  type Operation,
} from "./requests.js";
import { differences, rowsMentioning, type StoreSnapshots } from "./snapshot.js";

/**
 * The route fuzzer: for every operation of the OpenAPI document and every caller, a fast-check
 * property over generated requests (requests.ts). The properties, checked on each response:
 *  1. never a 5xx;
 *  2. never a framework-default body: every error is a fault in the API's shape (Trove's under
 *     /v1.0 and elsewhere, Keystone's under /v3) whose code is the HTTP status;
 *  3. a 4xx changes nothing in the infrastructure database;
 *  4. nothing of the fixture's project is revealed to another project or to nobody, and nothing of
 *     it changes by their requests, whatever the status;
 *  5. the server keeps serving (checked after each operation × caller).
 * Routes added later are fuzzed without being listed: the document is generated from the routes.
 */

export interface Response {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

export interface FuzzTarget {
  doc: OpenApiDoc;
  ctx: FuzzContext;
  send(req: FuzzRequest): Promise<Response>;
  snapshots: StoreSnapshots;
  /** Ids and names of the fixture project's things, which other callers must never see. */
  secrets: readonly string[];
  /** Puts the fixture back where a recorded task left it (no task manager runs while fuzzing). */
  heal(): Promise<void>;
  /** A problem if the server no longer serves its fixture, else undefined. */
  alive(): Promise<string | undefined>;
}

export interface FuzzOptions {
  seed: number;
  /** About how many requests in all (spread evenly over operations × callers). */
  requests: number;
  /** Stop starting new operations after this long. */
  timeBudgetMs: number;
  /** Longest a single request may take before it counts as the server hanging. */
  requestTimeoutMs?: number;
  log?: (line: string) => void;
  /** Only operations whose "METHOD /path" contains this (for replaying one finding). */
  only?: string;
}

export interface Finding {
  operation: string;
  caller: CallerKind;
  problem: string;
  request?: FuzzRequest;
  seed: number;
  path?: string;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  operations: number;
  callers: number;
  durationMs: number;
  byStatus: Record<string, number>;
  byBody: Record<string, number>;
  serverErrors: number;
  /** 501 notImplemented faults: features named in the request that Coffer does not offer. */
  notImplemented: number;
  stateChangesOn4xx: number;
  findings: Finding[];
  /** Operations × callers not reached within the time budget. */
  skipped: number;
}

const CALLER_ORDER: CallerKind[] = ["anonymous", "other", "reader", "member", "admin"];
const METHOD_ORDER: Record<string, number> = { GET: 0, POST: 1, PUT: 1, PATCH: 1, DELETE: 2 };

/** Reads before writes, deletes last and deepest first, so a delete ends as little as possible. */
export function fuzzOrder(ops: Operation[]): Operation[] {
  return [...ops].sort(
    (a, b) =>
      (METHOD_ORDER[a.method] ?? 1) - (METHOD_ORDER[b.method] ?? 1) ||
      (a.method === "DELETE" ? b.path.split("/").length - a.path.split("/").length : 0) ||
      a.path.localeCompare(b.path),
  );
}

/** A stable seed per operation and caller, so adding a route does not reshuffle the others. */
function seedFor(seed: number, key: string): number {
  let h = seed | 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return h;
}

export async function fuzzRoutes(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const ops = fuzzOrder(operationsOf(target.doc)).filter(
    (o) => options.only === undefined || `${o.method} ${o.path}`.includes(options.only),
  );
  const callers = [...target.ctx.callers].sort(
    (a, b) => CALLER_ORDER.indexOf(a.kind) - CALLER_ORDER.indexOf(b.kind),
  );
  const perPair = Math.max(1, Math.ceil(options.requests / (ops.length * callers.length)));
  const report: FuzzReport = {
    seed: options.seed,
    requests: 0,
    operations: ops.length,
    callers: callers.length,
    durationMs: 0,
    byStatus: {},
    byBody: {},
    serverErrors: 0,
    notImplemented: 0,
    stateChangesOn4xx: 0,
    findings: [],
    skipped: 0,
  };
  for (const operation of ops) {
    const opStarted = Date.now();
    const opRequests = report.requests;
    for (const caller of callers) {
      if (Date.now() - started > options.timeBudgetMs) {
        report.skipped++;
        continue;
      }
      const key = `${operation.method} ${operation.path}`;
      const seed = seedFor(options.seed, `${key} ${caller.kind}`);
      const details = await fc.check(
        fc.asyncProperty(requestArb(operation, caller, target.ctx), async (req) => {
          await checkOne(target, req, report, options);
        }),
        { seed, numRuns: perPair, endOnFailure: false, maxSkipsPerRun: 0 },
      );
      if (details.failed) {
        report.findings.push({
          operation: key,
          caller: caller.kind,
          problem:
            details.errorInstance instanceof Error
              ? details.errorInstance.message
              : String(details.errorInstance),
          request: details.counterexample?.[0],
          seed,
          ...(details.counterexamplePath ? { path: details.counterexamplePath } : {}),
        });
        options.log?.(`FINDING ${key} as ${caller.kind}: ${report.findings.at(-1)!.problem.slice(0, 400)}`);
      }
      const problem = await target.alive();
      if (problem) {
        report.findings.push({
          operation: key,
          caller: caller.kind,
          problem: `server stopped serving: ${problem}`,
          seed,
        });
        report.durationMs = Date.now() - started;
        return report;
      }
    }
    options.log?.(
      `${operation.method} ${operation.path}: ${report.requests - opRequests} requests in ${Date.now() - opStarted} ms (${report.requests} in all)`,
    );
  }
  report.durationMs = Date.now() - started;
  return report;
}

/** One request and every property on its response; throws what broke. */
export async function checkOne(
  target: FuzzTarget,
  req: FuzzRequest,
  report: FuzzReport,
  options: Pick<FuzzOptions, "requestTimeoutMs">,
): Promise<number> {
  const before = target.snapshots.current();
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const res = await Promise.race([
    target.send(req),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  report.requests++;
  report.byStatus[res.status] = (report.byStatus[res.status] ?? 0) + 1;
  report.byBody[req.body] = (report.byBody[req.body] ?? 0) + 1;
  const problems: string[] = [];
  if (res.status === 501 && /^\{"notImplemented":/.test(res.body)) {
    // A Trove feature Coffer does not offer (replicas, modules, …) or one Trove itself answers
    // 501 for (showing a database): a deliberate answer, counted apart, not a server fault.
    report.notImplemented++;
  } else if (res.status >= 500) {
    report.serverErrors++;
    problems.push(`answered ${res.status}`);
  }
  const shape = faultShapeProblem(req, res);
  if (shape) problems.push(shape);
  if (res.status >= 400 && res.status < 500 && target.snapshots.changed()) {
    const diff = differences(before, target.snapshots.current());
    if (diff.length > 0) {
      report.stateChangesOn4xx++;
      problems.push(`a ${res.status} changed the store: ${diff.slice(0, 4).join(" | ").slice(0, 600)}`);
    }
  }
  if (req.caller === "other" || req.caller === "anonymous") {
    const asked = `${req.url} ${req.payload ?? ""} ${JSON.stringify(req.headers)}`;
    const leaked = target.secrets.filter((s) => res.body.includes(s) && !asked.includes(s));
    if (leaked.length > 0) problems.push(`revealed another project's ${leaked.join(", ")}`);
    if (target.snapshots.changed()) {
      const mine = (d: ReturnType<StoreSnapshots["current"]>) => rowsMentioning(d, target.secrets);
      const a = mine(before);
      const b = mine(target.snapshots.current());
      const changed = [...a].filter((r) => !b.has(r)).concat([...b].filter((r) => !a.has(r)));
      if (changed.length > 0) {
        const which = target.secrets.filter((x) => changed[0]!.includes(x));
        problems.push(`changed another project's rows (${which.join(", ")}): ${changed[0]!.slice(0, 300)}`);
      }
    }
  }
  await target.heal();
  if (problems.length > 0) {
    throw new Error(
      `${req.method} ${req.url.slice(0, 200)} as ${req.caller} → ${res.status} ${res.body.slice(0, 300)}: ${problems.join("; ")}`,
    );
  }
  return res.status;
}

/** Property 2: an error is the API's fault, never Fastify's or Node's default body. */
export function faultShapeProblem(req: FuzzRequest, res: Response): string | undefined {
  if (res.status < 400) {
    if (/"statusCode"\s*:/.test(res.body.slice(0, 40))) return "a framework-default body on success";
    return undefined;
  }
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return `an error body that is not JSON: ${JSON.stringify(res.body.slice(0, 80))}`;
  }
  const isV3 = /^\/v3(\/|\?|$)/.test(req.url);
  if (typeof body !== "object" || body === null) return "an error body that is not an object";
  const keys = Object.keys(body);
  if (isV3) {
    const e = (body as { error?: { code?: unknown; message?: unknown; title?: unknown } }).error;
    if (
      keys.length !== 1 ||
      !e ||
      e.code !== res.status ||
      typeof e.message !== "string" ||
      typeof e.title !== "string"
    )
      return "not a Keystone error body";
    return undefined;
  }
  const inner = (body as Record<string, { code?: unknown; message?: unknown }>)[keys[0] ?? ""];
  if (keys.length !== 1 || !inner || inner.code !== res.status || typeof inner.message !== "string")
    return "not a Trove fault body";
  return undefined;
}

export type { Caller, FuzzContext, FuzzRequest, OpenApiDoc };
