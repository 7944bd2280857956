import assert from "node:assert/strict";
import { join } from "node:path";
import pg from "pg";
import { hostHoldings } from "../../src/compute/testing.js";
import { run, waitFor, type RunResult } from "../../src/lib/index.js";
import { trove, type CofferServer } from "./coffer-server.js";
import type { ScaledShape } from "./scaled-shape.js";

export type Catalog = { endpoints: { url: string }[] }[];
export type InstanceView = { status: string; ip?: string | string[]; fault?: unknown };

/**
 * What the scaled-out test does to and asks of the shape: the database API through the front door
 * (HAProxy), the real clients with the admin's credentials, the infrastructure database read
 * directly, and the compute host held against it.
 */
export class ShapeClient {
  private session: { token: string; projectId: string } | undefined;

  constructor(readonly shape: ScaledShape) {}

  /** The front door as a CofferServer, for the `trove` helper. */
  trove(args: string[]): Promise<RunResult> {
    const door: CofferServer = { ...this.shape.api2, url: this.shape.publicUrl, env: this.shape.adminEnv };
    return trove(door, args);
  }

  async openstack(args: string[]): Promise<unknown> {
    const result = await run("openstack", args, { env: this.shape.adminEnv, timeoutMs: 120_000 });
    assert.equal(result.code, 0, `openstack ${args.join(" ")}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  }

  /** A project-scoped admin token from `base` (the front door, or one API directly). */
  async login(base: string): Promise<{ token: string; projectId: string; catalog: Catalog }> {
    const res = await fetch(`${base}/v3/auth/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ["password"],
            password: {
              user: { name: "admin", domain: { id: "default" }, password: this.shape.adminEnv.OS_PASSWORD },
            },
          },
          scope: { project: { name: "admin", domain: { id: "default" } } },
        },
      }),
    });
    const token = res.headers.get("x-subject-token");
    if (!token) throw new Error(`login at ${base} failed: ${res.status}`);
    const body = (await res.json()) as { token: { project: { id: string }; catalog: Catalog } };
    return { token, projectId: body.token.project.id, catalog: body.token.catalog };
  }

  /** One database API call through the front door, no retry. */
  async once(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    this.session ??= await this.login(this.shape.publicUrl);
    const res = await fetch(`${this.shape.publicUrl}/v1.0/${this.session.projectId}${path}`, {
      method,
      headers: { "x-auth-token": this.session.token, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
  }

  /** A call through the front door, tried again while it has no API to offer (502, 503). */
  http(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    return waitFor(
      async () => {
        const res = await this.once(method, path, body);
        if (res.status === 503 || res.status === 502) throw new Error(`front door: ${JSON.stringify(res)}`);
        return res;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `${method} ${path}` },
    );
  }

  /** A small PostgreSQL instance; `once`: a single try, whatever the answer. */
  async create(name: string, options: { once?: boolean; configuration?: string } = {}): Promise<string> {
    const instance = { name, flavorRef: "6", volume: { size: 1 }, datastore: { type: "postgresql" } };
    const body = {
      instance: { ...instance, ...(options.configuration ? { configuration: options.configuration } : {}) },
    };
    const res = options.once
      ? await this.once("POST", "/instances", body)
      : await this.http("POST", "/instances", body);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return (res.json as { instance: { id: string } }).instance.id;
  }

  /** Waits until the instance is out of BUILD (ACTIVE or ERROR) and no task of it runs. */
  async settled(id: string): Promise<InstanceView> {
    return this.explained(
      waitFor(
        async () => {
          const res = await this.http("GET", `/instances/${id}`);
          const view = (res.json as { instance: InstanceView }).instance;
          if (view.status !== "ACTIVE" && view.status !== "ERROR") return undefined;
          const task = await this.taskOf(id);
          return task && (task.state === "pending" || task.state === "running") ? undefined : view;
        },
        { timeoutMs: 240_000, intervalMs: 500, what: `instance ${id} to settle` },
      ),
      id,
    );
  }

  /** A failure of `work` with what the task managers and the compute host said, to see why. */
  private async explained<T>(work: Promise<T>, id: string): Promise<T> {
    try {
      return await work;
    } catch (err) {
      const task = await this.sql("select * from tasks where instance_id = $1", [id]).catch(() => []);
      const tail = (p: CofferServer) => p.output().split("\n").slice(-40).join("\n");
      const { tm1, tm2, compute } = this.shape;
      const logs = [tm1, tm2, compute].map((p, i) => `--- ${["tm1", "tm2", "compute"][i]}:\n${tail(p)}`);
      throw new Error(`${(err as Error).message}\ntask: ${JSON.stringify(task)}\n${logs.join("\n")}`, {
        cause: err,
      });
    }
  }

  async gone(id: string): Promise<void> {
    await waitFor(
      async () => ((await this.http("GET", `/instances/${id}`)).status === 404 ? true : undefined),
      {
        timeoutMs: 120_000,
        intervalMs: 500,
        what: `instance ${id} to be deleted`,
      },
    );
  }

  /** Waits until the instance's latest task is claimed by a task manager. */
  async claimed(id: string): Promise<void> {
    await waitFor(async () => ((await this.taskOf(id))?.state === "running" ? true : undefined), {
      timeoutMs: 30_000,
      what: "the create to be claimed",
    });
  }

  /** Tasks not finished or failed yet (pending or running). */
  async openTasks(): Promise<number> {
    const open = await this.sql<{ n: string }>(
      "select count(*) as n from tasks where state in ('pending', 'running')",
    );
    return Number(open[0]?.n);
  }

  /** Each case ends alike: every task done, the host as the store says; then delete leaves nothing. */
  async finishCase(id: string): Promise<void> {
    assert.equal(await this.openTasks(), 0, "every task finished or failed");
    await this.assertHostMatchesStore();
    assert.equal((await this.http("DELETE", `/instances/${id}`)).status, 202);
    await this.gone(id);
    await waitFor(async () => ((await this.taskOf(id))?.state === "succeeded" ? true : undefined), {
      timeoutMs: 30_000,
      what: "the delete task to end",
    });
    await this.assertHostMatchesStore();
  }

  async taskOf(id: string): Promise<{ state: string; attempts: number } | undefined> {
    const rows = await this.sql<{ state: string; attempts: number }>(
      "select state, attempts from tasks where instance_id = $1 order by created_at desc limit 1",
      [id],
    );
    return rows[0];
  }

  /**
   * The instances the store places on the host, against everything the host holds: each has its
   * placement, address, volume and cgroup, and nothing else has any; an engine runs for each
   * ACTIVE one (a failed one may have none) and for no instance the store does not place there.
   */
  async assertHostMatchesStore(): Promise<void> {
    const rows = await this.sql<{ id: string; server_status: string | null }>(
      "select id, server_status from instances where deleted_at is null and host = $1 order by id",
      [this.shape.host],
    );
    const expected = rows.map((r) => r.id).sort();
    const active = rows.filter((r) => r.server_status === "ACTIVE").map((r) => r.id);
    const { compute } = this.shape;
    const held = await hostHoldings(join(compute.dir, "compute", "host"), compute.cgroupParent);
    const kinds: (keyof typeof held)[] = ["instances", "addresses"];
    // Loop volumes (mounted) as root, plain directories otherwise; cgroups where the host has them.
    if (process.getuid?.() === 0) kinds.push("mounts", "loopDevices");
    if (held.cgroupsEnforced) kinds.push("cgroups");
    for (const kind of kinds) {
      assert.deepEqual(held[kind], expected, `the host's ${kind} are not what the store says`);
    }
    for (const id of active) assert.ok(held.engines.includes(id), `no engine runs for ACTIVE instance ${id}`);
    for (const id of held.engines)
      assert.ok(expected.includes(id), `an engine runs for ${id}, unknown to the store`);
  }

  /** A query on the infrastructure database (a new connection each time: it may have restarted). */
  sql<T>(text: string, values: unknown[] = []): Promise<T[]> {
    return waitFor(
      async () => {
        const client = new pg.Client({ connectionString: this.shape.pg.url });
        await client.connect();
        try {
          return (await client.query(text, values)).rows as T[];
        } finally {
          await client.end();
        }
      },
      { timeoutMs: 30_000, intervalMs: 200, what: "the infrastructure database" },
    );
  }

  /** What the task managers log from now on (a function to call later). */
  taskManagerLogs(): () => string {
    const marks = [this.shape.tm1, this.shape.tm2].map((p) => [p, p.output().length] as const);
    return () => marks.map(([p, at]) => p.output().slice(at)).join("\n");
  }
}
