import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freePort, waitFor } from "../../src/lib/index.js";
import {
  startTempPostgres,
  startTempRabbitMQ,
  type TempPostgres,
  type TempRabbitMQ,
} from "../../src/lib/testing.js";
import { startCoffer, type CofferServer } from "./coffer-server.js";

/**
 * The scaled-out shape as docs/scale-out.md lays it out, on one machine: a private PostgreSQL and
 * RabbitMQ, two APIs behind HAProxy (the shipped deploy/haproxy/coffer.cfg), two task managers, a
 * conductor and a compute host, each its own `coffer server` process sharing nothing but the
 * database and the broker. The processes are started first and the database and the broker last,
 * each only once every process has said it waits for it.
 */
export interface ScaledShape {
  pg: TempPostgres;
  rabbit: TempRabbitMQ;
  /** HAProxy's address, given to every process as --public-url. */
  publicUrl: string;
  /** The compute host's --host-name (task managers place instances there). */
  host: string;
  compute: CofferServer;
  tm1: CofferServer;
  tm2: CofferServer;
  conductor: CofferServer;
  api1: CofferServer;
  api2: CofferServer;
  /** The six processes' output up to ready. */
  startOutputs: string;
  /** OS_* of the admin-openrc.sh the API that bootstrapped the database wrote. */
  adminEnv: NodeJS.ProcessEnv;
  /** performance.now() when the database and then the broker took connections, and when all six were ready. */
  startedAt: { database: number; broker: number; ready: number };
}

export interface ShapeHandle {
  /** Resolves once all six serve behind HAProxy. */
  ready: Promise<ScaledShape>;
  /** Stops everything started so far, even if start-up failed half-way. */
  close(): Promise<void>;
}

export function startScaledShape(options: { host?: string; extraArgs?: string[] } = {}): ShapeHandle {
  const host = options.host ?? "host-a";
  const spawned: CofferServer[] = [];
  let pg: TempPostgres | undefined;
  let rabbit: TempRabbitMQ | undefined;
  let haproxy: ChildProcess | undefined;
  let shape: Omit<ScaledShape, "adminEnv" | "startedAt"> | undefined;

  const ready = (async (): Promise<ScaledShape> => {
    [pg, rabbit] = await Promise.all([
      startTempPostgres({ deferStart: true }),
      startTempRabbitMQ({ deferStart: true }),
    ]);
    const publicUrl = `http://127.0.0.1:${await freePort()}`;
    const shared = ["--infra-db", pg.url, "--bus", rabbit.url, "--host-name", host];
    shared.push("--public-url", publicUrl, "--startup-wait", "240", ...(options.extraArgs ?? []));
    const start = (roles: string) =>
      startCoffer({ roles, extraArgs: shared, readyTimeoutMs: 300_000, onSpawned: (p) => spawned.push(p) });
    // No admin password is given: the API that bootstraps the database generates one, and only
    // its admin-openrc.sh has it.
    const processes = Promise.all(
      ["compute", "taskmanager", "taskmanager", "conductor", "api", "api"].map(start),
    );
    processes.catch(() => undefined);
    const allSay = (what: RegExp) =>
      waitFor(
        async () => (spawned.length === 6 && spawned.every((p) => what.test(p.output())) ? true : undefined),
        { timeoutMs: 120_000, intervalMs: 100, what: `every process to say ${what}` },
      );
    await allSay(/waiting for the infrastructure database/);
    await pg.start();
    const database = performance.now();
    await allSay(/waiting for the message bus/);
    await rabbit.start();
    const broker = performance.now();
    const [compute, tm1, tm2, conductor, api1, api2] = (await processes) as [
      CofferServer,
      CofferServer,
      CofferServer,
      CofferServer,
      CofferServer,
      CofferServer,
    ];
    const allReady = performance.now();
    const startOutputs = [compute, tm1, tm2, conductor, api1, api2].map((p) => p.output()).join("\n");
    haproxy = await startHaproxy(Number(new URL(publicUrl).port), [api1.url, api2.url], compute.dir);
    const writer = [api1, api2].find((a) => existsSync(join(a.dataDir, "admin-openrc.sh")));
    assert.ok(writer, "no API wrote admin-openrc.sh");
    shape = { pg, rabbit, publicUrl, host, compute, tm1, tm2, conductor, api1, api2, startOutputs };
    return { ...shape, adminEnv: writer.env, startedAt: { database, broker, ready: allReady } };
  })();
  ready.catch(() => undefined);

  return {
    ready,
    async close() {
      for (const p of spawned) resume(p);
      haproxy?.kill("SIGTERM");
      // APIs first (the one with the admin's credentials deletes what a failed case left, while
      // the task managers and the host still run), the compute host last.
      const ordered = shape
        ? [shape.api1, shape.api2, shape.tm1, shape.tm2, shape.conductor, shape.compute]
        : [];
      for (const p of [...ordered, ...spawned.filter((s) => !ordered.includes(s))]) await p.close();
      await Promise.allSettled([pg?.stop(), rabbit?.stop()]);
    },
  };
}

/**
 * The six processes of the shape that are not running (crashed, or killed and not started again),
 * each with the end of its output: a fault must not take down a process it did not aim at.
 */
export function notRunning(shape: ScaledShape): string[] {
  const { compute, tm1, tm2, conductor, api1, api2 } = shape;
  const all = { compute, tm1, tm2, conductor, api1, api2 };
  return Object.entries(all)
    .filter(([, p]) => !running(p))
    .map(([name, p]) => `${name}:\n${p.output().split("\n").slice(-30).join("\n")}`);
}

function running(p: CofferServer): boolean {
  try {
    return p.pid() > 0 && process.kill(p.pid(), 0);
  } catch {
    return false;
  }
}

/** SIGSTOP: the process holds still (a slow host, a hung task manager) until `resume`. */
export function pause(p: CofferServer): void {
  if (p.pid() > 0) process.kill(p.pid(), "SIGSTOP");
}

export function resume(p: CofferServer): void {
  try {
    if (p.pid() > 0) process.kill(p.pid(), "SIGCONT");
  } catch {
    // already gone
  }
}

/**
 * HAProxy with the shipped configuration: its defaults, frontend and backend as they are, only the
 * listening address and the API servers replaced by this test's, after a minimal global section.
 */
async function startHaproxy(port: number, apis: string[], dir: string): Promise<ChildProcess> {
  const shipped = await readFile(new URL("../../../deploy/haproxy/coffer.cfg", import.meta.url), "utf8");
  const servers = apis.map((u, i) => `    server api-${i + 1} ${new URL(u).host} check`).join("\n");
  let replacedBind = false;
  let replacedServers = false;
  const config = shipped
    .split("\n")
    .flatMap((line) => {
      if (/^\s+bind\s/.test(line)) {
        replacedBind = true;
        return [`    bind 127.0.0.1:${port}`];
      }
      if (/^\s+server\s/.test(line)) {
        if (replacedServers) return [];
        replacedServers = true;
        return [servers];
      }
      return [line];
    })
    .join("\n");
  assert.ok(replacedBind && replacedServers, "the shipped configuration has a bind line and server lines");
  await writeFile(join(dir, "haproxy-global.cfg"), "global\n    maxconn 256\n");
  await writeFile(join(dir, "haproxy-coffer.cfg"), config);
  const args = ["-db", "-f", join(dir, "haproxy-global.cfg"), "-f", join(dir, "haproxy-coffer.cfg")];
  const child = spawn("haproxy", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
      const res = await fetch(`http://127.0.0.1:${port}/healthcheck`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    { timeoutMs: 30_000, what: `haproxy to serve: ${stderr}` },
  );
  return child;
}
