/**
 * API throughput with autocannon: `GET /instances` (100 instances in the project), `GET
 * /instances/{id}` and `GET /flavors`, one reused token, at concurrency 1 and 16. The floor is a
 * bare Fastify process sending the same response bytes (no token check, database or rendering).
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import autocannon from "autocannon";
import type { BenchServer } from "./lib/server.js";
import { createOnce } from "./provisioning.js";
import { ratio } from "./lib/stats.js";

export interface Throughput {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export interface ApiResult {
  instancesInProject: number;
  seconds: number;
  routes: {
    route: string;
    concurrency: number;
    coffer: Throughput;
    floor: Throughput;
    /** Coffer's requests/s ÷ the floor's. */
    ratio: number;
  }[];
}

async function load(url: string, connections: number, seconds: number, token?: string): Promise<Throughput> {
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: token ? { "x-auth-token": token, accept: "application/json" } : {},
  });
  return {
    requestsPerSecond: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

/** Creates instances until the project holds `count`, `parallel` at a time. */
export async function fillProject(
  bench: BenchServer,
  manager: string,
  count: number,
  parallel: number,
  log: (l: string) => void,
): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      ids.push((await createOnce(bench.api, manager, "6", 1)).id);
      if (ids.length % 20 === 0) log(`  ${ids.length}/${count} instances up`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return ids;
}

export async function benchApi(
  bench: BenchServer,
  o: { seconds: number; manager?: string; instances?: number; log: (l: string) => void },
): Promise<ApiResult> {
  const count = o.instances ?? 100;
  const ids = await fillProject(bench, o.manager ?? "postgresql", count, 4, o.log);
  const { api } = bench;
  const routes = [
    `/v1.0/${api.projectId}/instances`,
    `/v1.0/${api.projectId}/instances/${ids[0]}`,
    `/v1.0/${api.projectId}/flavors`,
  ];
  // The floor serves the very bytes Coffer answered with.
  const bodies: Record<string, string> = {};
  for (const route of routes) {
    const res = await fetch(`${api.base}${route}`, { headers: { "x-auth-token": api.token } });
    bodies[route] = await res.text();
  }
  const bodiesFile = join(bench.server.dir, "floor-bodies.json");
  await writeFile(bodiesFile, JSON.stringify(bodies));
  const floorProc = spawn(
    process.execPath,
    [new URL("./lib/static-server.js", import.meta.url).pathname, bodiesFile],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  try {
    const floorPort = await new Promise<number>((resolve, reject) => {
      floorProc.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
      floorProc.once("exit", () => reject(new Error("the floor server exited")));
    });
    const result: ApiResult = { instancesInProject: count, seconds: o.seconds, routes: [] };
    for (const route of routes) {
      for (const concurrency of [1, 16]) {
        const floor = await load(`http://127.0.0.1:${floorPort}${route}`, concurrency, o.seconds);
        const coffer = await load(`${api.base}${route}`, concurrency, o.seconds, api.token);
        const name = route.replace(api.projectId, "{project}").replace(ids[0]!, "{id}");
        o.log(
          `  GET ${name} c=${concurrency}: ${coffer.requestsPerSecond} req/s (floor ${floor.requestsPerSecond}), p50 ${coffer.p50Ms} ms, p99 ${coffer.p99Ms} ms`,
        );
        result.routes.push({
          route: `GET ${name}`,
          concurrency,
          coffer,
          floor,
          ratio: ratio(coffer.requestsPerSecond, floor.requestsPerSecond),
        });
      }
    }
    return result;
  } finally {
    floorProc.kill("SIGTERM");
  }
}
