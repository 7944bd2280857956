import Database from "better-sqlite3";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run, sleep } from "../../../src/lib/index.js";
import { END_STEP, type KillPoint } from "../../../src/taskmanager/index.js";
import { adminSession, type CofferServer } from "../coffer-server.js";
import { DRIVERS, type Driver, type InstanceView, type SweepApi, type SweepContext } from "./drivers.js";

/**
 * The kill-point sweep (docs/reliability.md). For each workflow of the registry, one batch: as
 * many instances as the workflow has kill points (before and after each step, and before the
 * end), each armed at one point (`--test-kill-points`, src/taskmanager/kill-points.ts), all
 * started at once. Each task stops at its own point; once all have arrived, Coffer SIGKILLs
 * itself; the sweep restarts it (again, if a slow task arrives later) until every task has
 * ended. Then each instance must be as the workflow leaves it (or failed cleanly: a fault, not
 * busy), every point must have fired, and `coffer-manage audit` must find the host holding exactly
 * what the store says. Running a workflow's points side by side on one server makes a batch cost
 * one or two restarts instead of one per point; the instances do not share anything a step holds.
 */

export interface WorkflowRef {
  kind: string;
  steps: readonly { name: string }[];
}

export interface AuditDrift {
  instanceId: string;
  kind: string;
  parts: string[];
}

export interface WorkflowResult {
  label: string;
  points: number;
  fired: number;
  /** Points whose task ended with the instance as the workflow leaves it, or failed cleanly. */
  recovered: number;
  completed: number;
  failedCleanly: number;
  orphans: number;
  /** Everything the audit found after the batch (orphans and instances missing parts). */
  drift: AuditDrift[];
  restarts: number;
  seconds: number;
  problems: string[];
  /** Why tasks that failed cleanly failed. */
  notes: string[];
}

export interface SweepOptions {
  server: CofferServer;
  workflows: readonly WorkflowRef[];
  /** Where the plan file is (the server was started with `--test-kill-points <planFile>`). */
  planFile: string;
  /** Only these drivers (labels); default all. */
  only?: readonly string[];
  log?: (line: string) => void;
  /** Per batch. Default 6 minutes. */
  timeoutMs?: number;
}

export const summaryLine = (r: WorkflowResult) =>
  `${r.label}: ${r.points} kill points, ${r.recovered} recovered, ${r.orphans} orphans`;

/** The kill points of a workflow: before and after each step, and before its end. */
export function killPointsOf(workflow: WorkflowRef): { step: string; when: "before" | "after" }[] {
  return [
    ...workflow.steps.flatMap((s) => [
      { step: s.name, when: "before" as const },
      { step: s.name, when: "after" as const },
    ]),
    { step: END_STEP, when: "before" as const },
  ];
}

/** Workflows of the registry no driver starts (the sweep cannot cover them until one does). */
export function withoutDriver(workflows: readonly WorkflowRef[]): string[] {
  return workflows.map((w) => w.kind).filter((k) => !DRIVERS.some((d) => d.kind === k));
}

/** One driver's share of a phase: its points, the instances they are armed on, its result. */
interface Batch {
  driver: Driver;
  armed: KillPoint[];
  targets: { id?: string; name: string }[];
  ids: string[];
  result: WorkflowResult;
}

const NEEDS_ORDER: Driver["needs"][] = ["nothing", "active", "stopped"];

export async function runSweep(options: SweepOptions): Promise<WorkflowResult[]> {
  const { server, planFile } = options;
  const log = options.log ?? (() => undefined);
  const api = await sweepApi(server);
  const ctx = await sweepContext(api);
  const instances = new Map<string, { id: string; name: string }>(); // by name, live
  let n = 0;
  const next = () => `sw-${n++}`;
  const chosen = DRIVERS.filter(
    (d) =>
      (!options.only || options.only.includes(d.label)) && options.workflows.some((w) => w.kind === d.kind),
  );
  const results: WorkflowResult[] = [];
  // Workflows whose instances need the same starting state run as one phase: one kill (or two)
  // lands every one of their tasks at its own point.
  for (const needs of NEEDS_ORDER) {
    const drivers = chosen.filter((d) => d.needs === needs);
    if (drivers.length === 0) continue;
    const started = Date.now();
    let restarts = 0;
    const bump = () => restarts++;
    const batches: Batch[] = [];
    const reserved = new Set<string>();
    for (const driver of drivers) {
      const points = killPointsOf(options.workflows.find((w) => w.kind === driver.kind)!);
      if (driver.label.includes("pooled")) await waitForPool(server, points.length, log);
      const targets: { id?: string; name: string }[] =
        needs === "nothing"
          ? points.map(() => ({ name: next() }))
          : await instancesIn(needs, points.length, { api, server, ctx, instances, reserved, log, next });
      for (const t of targets) if (t.id) reserved.add(t.id);
      const armed = points.map((p, i) => ({
        kind: driver.kind,
        ...p,
        instance: targets[i]!.id ?? targets[i]!.name,
      }));
      batches.push({ driver, armed, targets, ids: [], result: emptyResult(driver.label, points.length) });
    }
    const armed = batches.flatMap((b) => b.armed);
    await appendPlan(planFile, armed);
    log(
      `${batches.map((b) => `${b.driver.label} (${b.armed.length})`).join(", ")}: ${armed.length} kill points armed`,
    );
    // Start them all; a start cut off by a kill that came meanwhile is looked up after the restart.
    await Promise.all(
      batches.map(async (b) => {
        b.ids = await Promise.all(
          b.targets.map((t) =>
            b.driver.start(api, t, ctx).catch((err: unknown) => (log(`start: ${String(err)}`), t.id ?? "")),
          ),
        );
      }),
    );
    const stuck = await untilEnded(server, armed, {
      api,
      bump,
      log,
      timeoutMs: options.timeoutMs ?? 600_000,
    }).then(
      () => undefined,
      (err: unknown) => String(err),
    );
    const fired = await firedPoints(planFile);
    for (const b of batches) {
      if (stuck) b.result.problems.push(stuck);
      await judge(b, { api, server, ctx, fired, instances });
    }
    const audit = await auditOf(server);
    const seconds = Math.round((Date.now() - started) / 1000);
    for (const b of batches) {
      // Drift is the batch's when it is about one of its instances; drift about no instance of
      // this phase counts against every workflow of the phase.
      const mine = new Set([...b.ids, ...b.targets.map((t) => t.id)].filter(Boolean));
      const ours = new Set(batches.flatMap((x) => [...x.ids, ...x.targets.map((t) => t.id)]).filter(Boolean));
      b.result.drift = audit.filter((d) => mine.has(d.instanceId) || !ours.has(d.instanceId));
      b.result.orphans = b.result.drift.filter((d) => d.kind === "orphan").length;
      b.result.restarts = restarts;
      b.result.seconds = seconds;
      results.push(b.result);
      const r = b.result;
      log(
        `${summaryLine(r)} (${r.completed} completed, ${r.failedCleanly} failed cleanly; phase: ${restarts} restarts, ${seconds} s)`,
      );
      for (const p of r.problems) log(`  problem: ${p}`);
      for (const p of r.notes) log(`  note: ${p}`);
      for (const d of r.drift) log(`  drift: ${d.kind} ${d.instanceId} ${d.parts.join("; ")}`);
    }
  }
  return results;
}

function emptyResult(label: string, points: number): WorkflowResult {
  return {
    label,
    points,
    fired: 0,
    recovered: 0,
    completed: 0,
    failedCleanly: 0,
    orphans: 0,
    drift: [],
    restarts: 0,
    seconds: 0,
    problems: [],
    notes: [],
  };
}

/** Each point of a batch: fired, and its task ended with the instance as it should be (or failed cleanly). */
async function judge(
  b: Batch,
  o: {
    api: SweepApi;
    server: CofferServer;
    ctx: SweepContext;
    fired: Set<string>;
    instances: Map<string, { id: string; name: string }>;
  },
): Promise<void> {
  const { result, driver } = b;
  for (const [i, point] of b.armed.entries()) {
    const name = b.targets[i]!.name;
    const id = b.ids[i] || b.targets[i]!.id || (await idByName(o.api, name));
    b.ids[i] = id ?? "";
    if (id) o.instances.set(name, { id, name });
    const where = `${point.when}:${point.step} (${name})`;
    if (!o.fired.has(key(point))) {
      result.problems.push(`${where}: the point was never reached`);
      continue;
    }
    result.fired++;
    const task = id ? lastTask(o.server, id, driver.kind) : undefined;
    const view = id ? await show(o.api, id) : undefined;
    const wrong = driver.done(view, o.ctx);
    if (task && task.state === "succeeded" && wrong === undefined) {
      result.completed++;
      result.recovered++;
    } else if (task?.state === "failed" && view?.fault && !BUSY.has(view.status)) {
      result.failedCleanly++;
      result.recovered++;
      result.notes.push(`${where}: failed cleanly: ${task.error ?? view.fault.message}`);
    } else {
      result.problems.push(
        `${where}: task ${task?.state ?? "missing"}${task?.error ? ` (${task.error})` : ""}; ${wrong ?? "as expected"}`,
      );
    }
    if (view === undefined) o.instances.delete(name);
  }
}

const BUSY = new Set([
  "BUILD",
  "REBOOT",
  "RESIZE",
  "BACKUP",
  "PROMOTE",
  "EJECT",
  "DETACH",
  "UPDATING",
  "DELETING",
]);
const key = (p: KillPoint) => `${p.kind} ${p.when}:${p.step} ${p.instance}`;

async function appendPlan(planFile: string, points: KillPoint[]): Promise<void> {
  const current = await readFile(planFile, "utf8")
    .then((t) => JSON.parse(t) as { points: KillPoint[]; quietMs?: number })
    .catch(() => ({ points: [] as KillPoint[] }));
  await writeFile(planFile, JSON.stringify({ ...current, points: [...current.points, ...points] }));
}

async function firedPoints(planFile: string): Promise<Set<string>> {
  const text = await readFile(`${planFile}.fired`, "utf8").catch(() => "");
  return new Set(
    text
      .split("\n")
      .filter(Boolean)
      .map((l) => key(JSON.parse(l) as KillPoint)),
  );
}

/** Restarts Coffer whenever it killed itself, until every armed task has ended. */
async function untilEnded(
  server: CofferServer,
  armed: KillPoint[],
  o: { api: SweepApi; bump: () => void; log: (l: string) => void; timeoutMs: number },
): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  await sleep(1000);
  for (;;) {
    if (!server.running()) {
      o.log("Coffer killed itself at its kill points; starting it again");
      o.bump();
      await server.start();
    }
    const open = activeTasksFor(server, armed);
    if (open === 0 && server.running()) return;
    if (Date.now() > deadline) throw new Error(`${open} tasks still running after ${o.timeoutMs / 1000} s`);
    await sleep(500);
  }
}

/** Tasks of the armed kind still pending or running for the armed instances (by id or name). */
function activeTasksFor(server: CofferServer, armed: KillPoint[]): number {
  const db = new Database(join(server.dataDir, "coffer.sqlite"), { readonly: true });
  try {
    let open = 0;
    for (const p of armed) {
      const row = db
        .prepare(
          `SELECT count(*) AS n FROM tasks t JOIN instances i ON i.id = t.instance_id
           WHERE t.kind = ? AND t.state IN ('pending', 'running') AND (i.id = ? OR i.name = ?)`,
        )
        .get(p.kind, p.instance, p.instance) as { n: number };
      open += row.n;
    }
    return open;
  } finally {
    db.close();
  }
}

function lastTask(server: CofferServer, instanceId: string, kind: string) {
  const db = new Database(join(server.dataDir, "coffer.sqlite"), { readonly: true });
  try {
    return db
      .prepare(
        `SELECT state, error FROM tasks WHERE instance_id = ? AND kind = ? ORDER BY created_at DESC LIMIT 1`,
      )
      .get(instanceId, kind) as { state: string; error: string | null } | undefined;
  } finally {
    db.close();
  }
}

async function sweepApi(server: CofferServer): Promise<SweepApi> {
  let session = await adminSession(server);
  return {
    async call(method, path, body) {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await fetch(`${session.base}${path}`, {
            method,
            headers: {
              "x-auth-token": session.token,
              ...(body !== undefined ? { "content-type": "application/json" } : {}),
            },
            ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          });
          const text = await res.text();
          return { status: res.status, body: text ? JSON.parse(text) : undefined };
        } catch (err) {
          // Coffer is between a kill and its restart: wait for it (reads only; starts are not retried).
          if (method !== "GET" || attempt > 240) throw err;
          await sleep(500);
          if (attempt % 20 === 19) session = await adminSession(server).catch(() => session);
        }
      }
    },
  };
}

async function sweepContext(api: SweepApi): Promise<SweepContext> {
  const group = await api.call("POST", "/configurations", {
    configuration: {
      name: "sweep",
      values: { work_mem: "8MB" },
      datastore: { type: "postgresql", version: "15" },
    },
  });
  if (group.status !== 200)
    throw new Error(`configuration group: ${group.status} ${JSON.stringify(group.body)}`);
  return {
    groupId: String(group.body.configuration.id),
    coldFlavor: "6",
    pooledFlavor: "7",
    resizeFlavor: "1",
  };
}

async function show(api: SweepApi, id: string): Promise<InstanceView | undefined> {
  const res = await api.call("GET", `/instances/${id}`);
  return res.status === 404 ? undefined : (res.body as { instance: InstanceView }).instance;
}

async function idByName(api: SweepApi, name: string): Promise<string | undefined> {
  const res = await api.call("GET", "/instances");
  return (res.body as { instances: InstanceView[] }).instances.find((i) => i.name === name)?.id;
}

/** What a view says the instance is: ACTIVE with its engine up, or stopped (ACTIVE, engine SHUTDOWN). */
function stateOf(v: InstanceView | undefined): "active" | "stopped" | "other" {
  if (v?.status !== "ACTIVE") return "other";
  if (v.operating_status === "SHUTDOWN") return "stopped";
  return v.operating_status === "HEALTHY" || v.operating_status === "ACTIVE" ? "active" : "other";
}

/** `count` instances in the state a batch needs (none `reserved`), made (unarmed) from the ones at hand or new. */
async function instancesIn(
  needs: "active" | "stopped",
  count: number,
  o: {
    api: SweepApi;
    server: CofferServer;
    ctx: SweepContext;
    instances: Map<string, { id: string; name: string }>;
    reserved: Set<string>;
    log: (l: string) => void;
    next: () => string;
  },
): Promise<{ id: string; name: string }[]> {
  const states = new Map<string, ReturnType<typeof stateOf>>();
  const free = [...o.instances.values()].filter((i) => !o.reserved.has(i.id));
  for (const i of free) states.set(i.id, stateOf(await show(o.api, i.id)));
  const chosen = free.filter((i) => states.get(i.id) === needs).slice(0, count);
  const spare = free.filter((i) => !chosen.includes(i) && states.get(i.id) === "active");
  const stopping: string[] = [];
  while (chosen.length < count) {
    let made = needs === "stopped" ? spare.shift() : undefined;
    if (!made) {
      const name = o.next();
      const res = await o.api.call("POST", "/instances", {
        instance: {
          name,
          flavorRef: o.ctx.coldFlavor,
          volume: { size: 1 },
          datastore: { type: "postgresql", version: "15" },
        },
      });
      if (res.status !== 200) throw new Error(`create ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      made = { id: String(res.body.instance.id), name };
      o.instances.set(name, made);
    }
    if (needs === "stopped") stopping.push(made.id);
    chosen.push(made);
  }
  for (const id of stopping) {
    await untilState(o.api, id, "active");
    await o.api.call("POST", `/mgmt/instances/${id}/action`, { stop: {} });
  }
  for (const i of chosen) await untilState(o.api, i.id, needs);
  o.log(`${chosen.length} instances ${needs} for the next batch`);
  return chosen;
}

async function untilState(api: SweepApi, id: string, state: "active" | "stopped"): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const v = await show(api, id);
    if (stateOf(v) === state) return;
    if (Date.now() > deadline) throw new Error(`${id} is ${v?.status}/${v?.operating_status}, not ${state}`);
    await sleep(300);
  }
}

/** Waits until the warm pool has `count` members ready (a pooled create must find one). */
async function waitForPool(server: CofferServer, count: number, log: (l: string) => void): Promise<void> {
  const dir = join(server.dir, "compute", "agent", "pool");
  const deadline = Date.now() + 300_000;
  for (;;) {
    let ready = 0;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const member = JSON.parse(await readFile(join(dir, name), "utf8").catch(() => "{}")) as {
        state?: string;
      };
      if (member.state === "ready") ready++;
    }
    if (ready >= count) return log(`warm pool: ${ready} members ready`);
    if (Date.now() > deadline) throw new Error(`the warm pool has ${ready} members ready, not ${count}`);
    await sleep(500);
  }
}

/** `coffer-manage audit --json` with the server's options: the drift it reports. */
export async function auditOf(server: CofferServer): Promise<AuditDrift[]> {
  const manage = join(new URL("../../../..", import.meta.url).pathname, "dist/src/bin/coffer-manage.js");
  const args = [
    "audit",
    "--json",
    "--data-dir",
    server.dataDir,
    "--compute-dir",
    join(server.dir, "compute"),
  ];
  args.push("--cgroup-parent", server.cgroupParent);
  if (server.addressPool !== null) args.push("--address-pool", server.addressPool);
  const res = await run(process.execPath, [manage, ...args], { env: server.env, timeoutMs: 120_000 });
  if (!res.stdout.trim().startsWith("{")) throw new Error(`audit failed: ${res.code} ${res.stderr}`);
  return (JSON.parse(res.stdout) as { drift: AuditDrift[] }).drift;
}
