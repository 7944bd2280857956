import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import mysql from "mysql2/promise";
import pg from "pg";
import { run, waitFor } from "../src/lib/index.js";
import { adminSession, cofferBin, startCoffer, trove, type CofferServer } from "./support/coffer-server.js";
import { startPrometheus, type PrometheusServer, type Sample } from "./support/prometheus.js";

/*
 * The observability issue's "done when", end to end: a real Coffer with three instances on both
 * engines, scraped by Debian's Prometheus with the example configuration from docs/prometheus;
 * PromQL returns request rates and each instance's connections and volume use, and a load run
 * moves the figures. Every panel of the example dashboard is queried. Events: each create is
 * one, naming who asked, and an engine killed behind Coffer's back is engine.crashed then
 * engine.relaunched, as `coffer event-list` shows.
 */

const TOKEN = "scrape-credential-for-the-e2e-test";
let server: CofferServer;
let projectId: string;
let prom: PrometheusServer;
const ids: Record<string, string> = {};
const ips: Record<string, string> = {};

interface View {
  id: string;
  status: string;
  operating_status: string;
  ip?: string | string[];
}

async function trov(args: string[]): Promise<string> {
  const r = await trove(server, args);
  assert.equal(r.code, 0, `trove ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function coffer(...args: string[]): Promise<string> {
  const r = await run(process.execPath, [cofferBin, ...args], { env: server.env, timeoutMs: 60_000 });
  assert.equal(r.code, 0, `coffer ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  server = await startCoffer({ extraArgs: ["--metrics-token", TOKEN] });
  const instances: [string, string][] = [
    ["pg1", "postgresql"],
    ["pg2", "postgresql"],
    ["my1", "mysql"],
  ];
  for (const [name, datastore] of instances) {
    await trov([
      "create",
      name,
      "2",
      "--size",
      "1",
      "--datastore",
      datastore,
      "--databases",
      "app",
      "--users",
      "app:app-pw",
    ]);
  }
  for (const [name] of instances) {
    const view = await waitFor(
      async () => {
        const v = JSON.parse(await trov(["--json", "show", name])) as View;
        if (v.status === "ERROR") throw new Error(`${name} went to ERROR`);
        return v.status === "ACTIVE" && v.operating_status === "HEALTHY" ? v : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `${name} to be healthy` },
    );
    ids[name] = view.id;
    ips[name] = Array.isArray(view.ip) ? view.ip[0]! : view.ip!;
  }
  projectId = (await adminSession(server)).base.split("/").at(-1)!;
  prom = await startPrometheus(new URL(server.url).host, TOKEN);
});

after(async () => {
  await prom?.close();
  await server?.close();
});

/** Waits until the query returns what `ok` accepts; returns those samples. */
function until(promql: string, ok: (samples: Sample[]) => boolean, what: string): Promise<Sample[]> {
  let last: Sample[] = [];
  return waitFor(
    async () => {
      last = await prom.query(promql);
      return ok(last) ? last : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: `${what} (${promql} → ${JSON.stringify(last)})` },
  );
}

const one = (id: string) => `instance_id="${id}"`;

test("Prometheus scrapes Coffer with the example configuration; PromQL returns request rates", async () => {
  await until('up{job="coffer"}', (s) => s[0]?.value === 1, "the target to be up");
  const rates = await until(
    'sum by (route) (rate(coffer_http_request_duration_seconds_count{job="coffer"}[30s]))',
    (s) => s.some((x) => x.value > 0),
    "request rates",
  );
  assert.ok(
    rates.some((s) => s.metric.route === "/v1.0/:projectId/instances/:id"),
    JSON.stringify(rates),
  );
  await until(
    'sum(coffer_task_duration_seconds_count{workflow="create_instance",result="succeeded"})',
    (s) => s[0]?.value === 3,
    "three creates",
  );
});

test("each instance's connections and volume use; a load run moves the figures", async () => {
  for (const name of ["pg1", "pg2", "my1"]) {
    const id = ids[name]!;
    await until(`coffer_instance_connections{${one(id)}}`, (s) => s.length === 1, `${name}'s connections`);
    const used = await until(
      `coffer_instance_volume_used_bytes{${one(id)}}`,
      (s) => (s[0]?.value ?? -1) > 0,
      `${name}'s volume use`,
    );
    assert.equal(used[0]!.metric.project_id, projectId);
    const [size] = await prom.query(`coffer_instance_volume_size_bytes{${one(id)}}`);
    assert.equal(size?.value, 2 ** 30);
    assert.ok(used[0]!.value < size.value);
    await until(`coffer_instance_up{${one(id)}}`, (s) => s[0]?.value === 1, `${name} up`);
  }

  const [pgBefore] = await prom.query(`coffer_instance_transactions_total{${one(ids.pg1!)}}`);
  const [myBefore] = await prom.query(`coffer_instance_queries_total{${one(ids.my1!)}}`);
  const pgSessions = await Promise.all(
    [1, 2, 3].map(async () => {
      const c = new pg.Client({
        host: ips.pg1,
        port: 5432,
        user: "app",
        password: "app-pw",
        database: "app",
      });
      await c.connect();
      return c;
    }),
  );
  const mySessions = await Promise.all(
    [1, 2, 3].map(() =>
      mysql.createConnection({ host: ips.my1, port: 3306, user: "app", password: "app-pw", database: "app" }),
    ),
  );
  try {
    await pgSessions[0]!.query("CREATE TABLE work (x int)");
    await mySessions[0]!.query("CREATE TABLE work (x int)");
    for (let i = 0; i < 300; i++) {
      await pgSessions[i % 3]!.query("INSERT INTO work VALUES ($1)", [i]);
      await mySessions[i % 3]!.query("INSERT INTO work VALUES (?)", [i]);
    }
    await until(
      `coffer_instance_connections{${one(ids.pg1!)}}`,
      (s) => (s[0]?.value ?? -1) >= 3,
      "pg1's three sessions",
    );
    await until(
      `coffer_instance_connections{${one(ids.my1!)}}`,
      (s) => (s[0]?.value ?? -1) >= 3,
      "my1's three sessions",
    );
    await until(
      `coffer_instance_queries_total{${one(ids.my1!)}}`,
      (s) => (s[0]?.value ?? -1) >= myBefore!.value + 300,
      "my1's queries",
    );
    await until(
      `rate(coffer_instance_queries_total{${one(ids.my1!)}}[1m])`,
      (s) => (s[0]?.value ?? -1) > 0,
      "my1's queries per second",
    );
  } finally {
    await Promise.all(pgSessions.map((c) => c.end()));
    await Promise.all(mySessions.map((c) => c.end()));
  }
  // PostgreSQL's backends flush their statistics at the latest when they exit.
  await until(
    `coffer_instance_transactions_total{${one(ids.pg1!)}}`,
    (s) => (s[0]?.value ?? -1) >= pgBefore!.value + 300,
    "pg1's transactions",
  );
  await until(
    `rate(coffer_instance_transactions_total{${one(ids.pg1!)}}[1m])`,
    (s) => (s[0]?.value ?? -1) > 0,
    "pg1's transactions per second",
  );
});

test("every panel of the example dashboard is valid PromQL and the instance panels show each instance", async () => {
  const dashboard = JSON.parse(
    await readFile(new URL("../../docs/grafana/coffer-dashboard.json", import.meta.url), "utf8"),
  ) as { panels: { title: string; type: string; targets?: { expr: string }[] }[] };
  const perInstance = [
    "Engine up",
    "Connections",
    "Transactions per second",
    "Volume used",
    "Seconds since the last heartbeat",
  ];
  for (const panel of dashboard.panels.filter((p) => p.type !== "row")) {
    for (const target of panel.targets ?? []) {
      const expr = target.expr
        .replaceAll("$__rate_interval", "30s")
        .replaceAll("$job", "coffer")
        .replaceAll("$project", ".*")
        .replaceAll("$instance", ".*");
      const samples = await prom.query(expr);
      if (perInstance.includes(panel.title)) {
        const names = samples.map((s) => s.metric.name).sort();
        assert.deepEqual(names, ["my1", "pg1", "pg2"], `${panel.title}: ${expr}`);
      }
    }
  }
  // The example alert rules load and evaluate without error.
  const rules = await waitFor(
    async () => {
      const data = await prom.get<{ groups: { rules: { name: string; health: string }[] }[] }>(
        "/api/v1/rules",
      );
      const all = data.groups.flatMap((g) => g.rules);
      return all.length > 0 && all.every((r) => r.health === "ok") ? all : undefined;
    },
    { timeoutMs: 30_000, what: "the example rules to be evaluated" },
  );
  assert.deepEqual(
    rules.map((r) => r.name),
    ["CofferInstanceDown", "CofferVolumeNearlyFull", "CofferTasksFailing", "CofferApiErrors"],
  );
});

test("events: each create names who asked; an engine killed behind Coffer's back is crashed, then relaunched", async () => {
  const created = JSON.parse(await coffer("event-list", "pg1", "--kind", "instance.created", "--json")) as {
    kind: string;
    cause: string;
    instance_id: string;
  }[];
  assert.equal(created.length, 1);
  assert.equal(created[0]!.instance_id, ids.pg1);
  assert.match(created[0]!.cause, /^requested by admin \(req-[0-9a-f-]+\)$/);

  const engine = (
    await run("pgrep", ["-o", "-f", `${server.dir}/compute/host/instances/${ids.my1}`])
  ).stdout.trim();
  assert.ok(engine, "my1's engine process");
  process.kill(Number(engine), "SIGKILL");
  const kinds = await waitFor(
    async () => {
      const list = JSON.parse(await coffer("event-list", "my1", "--json")) as { kind: string }[];
      const k = list.map((e) => e.kind);
      return k.includes("engine.relaunched") ? k : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: "my1's engine to be relaunched" },
  );
  assert.deepEqual(kinds.slice(0, 2), ["engine.relaunched", "engine.crashed"]);
  const table = await coffer("event-list", "my1");
  assert.match(table, /engine\.crashed .*\| warning \|/);
  assert.match(table, /instance\.created .*\| info +\|.*requested by admin/);
  await until(`coffer_events_total{kind="engine.crashed"}`, (s) => s[0]?.value === 1, "the event counted");

  const figures = JSON.parse(await coffer("metrics-show", "pg2", "--json")) as {
    up: boolean;
    figures: { connections: number };
  };
  assert.equal(figures.up, true);
  assert.equal(typeof figures.figures.connections, "number");
});
