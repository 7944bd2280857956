/**
 * The scaled-out shape's figures (docs/scale-out.md): `npm run bench:scale-out [-- options]`. The
 * shape test/scaled-out.test.ts runs — a private PostgreSQL and RabbitMQ, two APIs behind the
 * shipped HAProxy configuration, two task managers, a conductor, a compute host — timed instead of
 * only checked, with outages as long as an operator's (a RabbitMQ restart of 20 s). Prints one JSON
 * document on stdout (`--out FILE` also writes it) and a short summary on stderr.
 *
 *   --runs N        creates per case (default 3)
 *   --outage S      seconds RabbitMQ and PostgreSQL stay down mid-create (default 20)
 *   --api-seconds S seconds of requests through HAProxy after an API is killed (default 10)
 *   --out FILE      also write the JSON there
 */
import { writeFile } from "node:fs/promises";
import { readFile } from "node:fs/promises";
import { cpus, loadavg, release, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { sleep, waitFor } from "../src/lib/index.js";
import type { CofferServer } from "../test/support/coffer-server.js";
import {
  notRunning,
  pause,
  resume,
  startScaledShape,
  type ScaledShape,
} from "../test/support/scaled-shape.js";
import { ShapeClient } from "../test/support/shape-client.js";
import { elapsed, round, summarize, type Summary } from "./lib/stats.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    outage: { type: "string", default: "20" },
    "api-seconds": { type: "string", default: "10" },
    out: { type: "string" },
  },
});
const runs = Number(values.runs);
const outageMs = Number(values.outage) * 1000;
const apiWindowMs = Number(values["api-seconds"]) * 1000;
const log = (line: string) => process.stderr.write(line + "\n");

export interface ScaleOutReport {
  bench: "coffer-scale-out";
  startedAt: string;
  machine: Record<string, unknown>;
  /** Six processes started first; the database, then the broker, last. */
  startup: { brokerUpToAllReadyMs: number; databaseUpToAllReadyMs: number };
  /** The first create after start, not counted below (the host's first placement warms up). */
  firstCreateMs: number;
  /** POST /instances to ACTIVE through HAProxy, nothing failing (PostgreSQL 15, 1 GB). */
  create: Summary;
  /** The task manager running a create SIGKILLed at its place step; the other resumes it after the lease (10 s). */
  taskManagerKilled: { killToActiveMs: Summary };
  /** RabbitMQ stopped mid-create for `outageMs`, then started. */
  rabbitmqOutage: {
    outageMs: number;
    brokerUpToActiveMs: Summary;
    /** Status of a create asked while the broker was down (200: accepted), and whether it went ACTIVE. */
    createDuringOutage: { status: number; active: boolean }[];
  };
  /** PostgreSQL stopped mid-create for `outageMs`, then started. */
  postgresOutage: { outageMs: number; databaseUpToActiveMs: Summary };
  /** Sequential GETs through HAProxy for `windowMs` after one of the two APIs is SIGKILLed. */
  apiKilled: {
    windowMs: number;
    requests: number;
    failed: number;
    latencyMs: Summary;
  };
  /** Resident memory of each process, idle with no instance. */
  rssMb: Record<string, number>;
}

const handle = startScaledShape();

/** A fault must not take down a process it did not aim at: stop the run if one did. */
function stillRunning(): void {
  const down = notRunning(shape);
  if (down.length > 0) throw new Error(`processes not running:\n${down.join("\n")}`);
}
let shape: ScaledShape;
let c: ShapeClient;

/** performance.now() when `id` showed ACTIVE (polled every 100 ms); throws on ERROR. */
async function activeAt(id: string): Promise<number> {
  return waitFor(
    async () => {
      const res = await c.http("GET", `/instances/${id}`);
      const status = (res.json as { instance: { status: string } }).instance.status;
      if (status === "ERROR") throw new Error(`instance ${id} went to ERROR: ${JSON.stringify(res.json)}`);
      return status === "ACTIVE" ? performance.now() : undefined;
    },
    { timeoutMs: outageMs + 300_000, intervalMs: 100, what: `instance ${id} to be ACTIVE` },
  );
}

async function remove(id: string): Promise<void> {
  await c.http("DELETE", `/instances/${id}`);
  await c.gone(id);
}

async function rssMb(p: CofferServer): Promise<number> {
  const status = await readFile(`/proc/${p.pid()}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return round(kb / 1024);
}

async function timedCreate(name: string): Promise<number> {
  const t0 = performance.now();
  const id = await c.create(name);
  const ms = (await activeAt(id)) - t0;
  await remove(id);
  return ms;
}

async function benchCreate(): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timedCreate(`plain-${i}`));
  return summarize(samples);
}

async function benchTaskManagerKilled(): Promise<ScaleOutReport["taskManagerKilled"]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    // As in the test: tm2 held still so that tm1 claims, the host held so the create waits at place.
    pause(shape.tm2);
    pause(shape.compute);
    let id = "";
    let killed = 0;
    try {
      id = await c.create(`tm-kill-${i}`);
      await c.claimed(id);
      await shape.tm1.kill("SIGKILL");
      killed = performance.now();
    } finally {
      resume(shape.tm2);
      resume(shape.compute);
    }
    samples.push((await activeAt(id)) - killed);
    await shape.tm1.start();
    await remove(id);
  }
  return { killToActiveMs: summarize(samples) };
}

async function benchRabbitOutage(): Promise<ScaleOutReport["rabbitmqOutage"]> {
  const samples: number[] = [];
  const during: { status: number; active: boolean }[] = [];
  for (let i = 0; i < runs; i++) {
    pause(shape.compute);
    let id = "";
    let asked: { status: number; json: unknown } | undefined;
    let up = 0;
    try {
      id = await c.create(`rabbit-${i}`);
      await c.claimed(id);
      await sleep(500); // the provision request is on its way to the held host
      await shape.rabbit.halt();
      resume(shape.compute);
      asked = await c.once("POST", "/instances", {
        instance: {
          name: `asked-${i}`,
          flavorRef: "6",
          volume: { size: 1 },
          datastore: { type: "postgresql" },
        },
      });
      await sleep(outageMs);
      await shape.rabbit.start();
      up = performance.now();
    } finally {
      resume(shape.compute);
    }
    samples.push((await activeAt(id)) - up);
    await remove(id);
    const askedId = (asked?.json as { instance?: { id: string } } | null)?.instance?.id;
    const active = askedId ? await activeAt(askedId).then(() => true) : false;
    during.push({ status: asked?.status ?? 0, active });
    if (askedId) await remove(askedId);
  }
  return { outageMs, brokerUpToActiveMs: summarize(samples), createDuringOutage: during };
}

async function benchPostgresOutage(): Promise<ScaleOutReport["postgresOutage"]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    pause(shape.compute);
    let id = "";
    let up = 0;
    try {
      id = await c.create(`pg-${i}`);
      await c.claimed(id);
      await shape.pg.halt();
      resume(shape.compute);
      await sleep(outageMs);
    } finally {
      resume(shape.compute);
      await shape.pg.start();
      up = performance.now();
    }
    samples.push((await activeAt(id)) - up);
    await remove(id);
  }
  return { outageMs, databaseUpToActiveMs: summarize(samples) };
}

async function benchApiKilled(): Promise<ScaleOutReport["apiKilled"]> {
  await c.once("GET", "/instances"); // logged in before the clock starts
  const latencies: number[] = [];
  let failed = 0;
  await shape.api1.kill("SIGKILL");
  const t0 = performance.now();
  while (elapsed(t0) < apiWindowMs) {
    const t = performance.now();
    const res = await c.once("GET", "/instances").catch(() => ({ status: 0 }));
    latencies.push(elapsed(t));
    if (res.status !== 200) failed++;
  }
  await shape.api1.start();
  return { windowMs: apiWindowMs, requests: latencies.length, failed, latencyMs: summarize(latencies) };
}

const report: Partial<ScaleOutReport> = {
  bench: "coffer-scale-out",
  startedAt: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryMb: Math.round(totalmem() / 2 ** 20),
    kernel: release(),
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  },
};
try {
  log("starting the shape: six processes, then PostgreSQL, then RabbitMQ");
  shape = await handle.ready;
  c = new ShapeClient(shape);
  report.startup = {
    databaseUpToAllReadyMs: round(shape.startedAt.ready - shape.startedAt.database),
    brokerUpToAllReadyMs: round(shape.startedAt.ready - shape.startedAt.broker),
  };
  log("creates");
  report.firstCreateMs = round(await timedCreate("first"));
  report.create = await benchCreate();
  stillRunning();
  log("a task manager killed mid-create");
  report.taskManagerKilled = await benchTaskManagerKilled();
  stillRunning();
  log(`RabbitMQ down ${outageMs / 1000} s mid-create`);
  report.rabbitmqOutage = await benchRabbitOutage();
  stillRunning();
  log(`PostgreSQL down ${outageMs / 1000} s mid-create`);
  report.postgresOutage = await benchPostgresOutage();
  stillRunning();
  log("an API killed under requests");
  report.apiKilled = await benchApiKilled();
  stillRunning();
  const { compute, tm1, tm2, conductor, api1, api2 } = shape;
  const processes = { compute, tm1, tm2, conductor, api1, api2 };
  report.rssMb = Object.fromEntries(
    await Promise.all(Object.entries(processes).map(async ([name, p]) => [name, await rssMb(p)] as const)),
  );
  await c.assertHostMatchesStore(); // every run's instances are gone from the host too
} finally {
  await handle.close();
}
report.machine!.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
const json = JSON.stringify(report, null, 2);
console.log(json);
if (values.out) await writeFile(values.out, json + "\n");
const r = report as ScaleOutReport;
log("");
log(`all six ready ${r.startup.brokerUpToAllReadyMs} ms after the broker came up (started before it)`);
log(`create → ACTIVE: first ${r.firstCreateMs} ms, then p50 ${r.create.p50} ms (n ${r.create.n})`);
log(`task manager killed → ACTIVE: p50 ${r.taskManagerKilled.killToActiveMs.p50} ms`);
log(
  `RabbitMQ down ${outageMs / 1000} s: broker up → ACTIVE p50 ${r.rabbitmqOutage.brokerUpToActiveMs.p50} ms; ` +
    `creates asked meanwhile: ${r.rabbitmqOutage.createDuringOutage.map((d) => `${d.status}${d.active ? " → ACTIVE" : ""}`).join(", ")}`,
);
log(
  `PostgreSQL down ${outageMs / 1000} s: database up → ACTIVE p50 ${r.postgresOutage.databaseUpToActiveMs.p50} ms`,
);
log(
  `API killed: ${r.apiKilled.failed} of ${r.apiKilled.requests} requests failed in ${apiWindowMs / 1000} s; ` +
    `latency p50 ${r.apiKilled.latencyMs.p50}, max ${r.apiKilled.latencyMs.max} ms`,
);
log(
  `RSS (MB): ${Object.entries(r.rssMb)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}`,
);
