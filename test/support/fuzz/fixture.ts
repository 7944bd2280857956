import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { resolveConfig } from "../../../src/config/index.js";
import { systemClock } from "../../../src/domain/index.js";
import { createLogger, waitFor } from "../../../src/lib/index.js";
import { startServer, type RunningServer } from "../../../src/server/index.js";
import { createTaskManager, WORKFLOWS } from "../../../src/taskmanager/index.js";
import { cleanupLocalRoot } from "../../../src/compute/testing.js";
import type { Caller, FuzzContext, FuzzRequest, OpenApiDoc } from "./requests.js";
import { StoreSnapshots } from "./snapshot.js";
import type { FuzzTarget, Response } from "./fuzz.js";

/**
 * The fuzzer's server: the real Coffer in this process (api, conductor, compute: the routes talk
 * to a real guest agent and a real PostgreSQL engine), over SQLite in a temp dir, reached with
 * `app.inject()`. Project A holds the things others must not see or change: one real instance
 * (with a database and a user in its engine), a configuration group. Project B has a member;
 * A has a member and a reader; the admin is the bootstrap admin. No task manager runs while
 * fuzzing (one runs only to build the instance), so a valid restart, resize or delete is recorded,
 * not executed, and `heal()` puts the instance back — the fuzz stays cheap and the fixture stays.
 */

export interface FuzzFixture {
  target: FuzzTarget;
  server: RunningServer;
  /** The fixture instance in project A. */
  instanceId: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

const PASSWORD = "Fuzz-passw0rd-1";

export async function openFuzzFixture(): Promise<FuzzFixture> {
  const dir = await mkdtemp(join(tmpdir(), "coffer-fuzz-"));
  await chmod(dir, 0o711);
  const cgroupParent = `coffer-fuzz-${Math.random().toString(36).slice(2, 8)}`;
  const config = resolveConfig({
    env: {},
    flags: {
      dataDir: join(dir, "data"),
      port: "0",
      roles: "api,conductor,compute",
      addressPool: `127.${20 + Math.floor(Math.random() * 200)}.0.0/16`,
      cgroupParent,
      computeDir: join(dir, "compute"),
      // Nothing writes to the store behind the fuzzer's back: no beats while it runs.
      heartbeatInterval: "3600",
      heartbeatExpiry: "7200",
      spareVolumes: "",
      logLevel: "silent",
    },
  });
  const server = await startServer(config, {
    adminPassword: PASSWORD,
    logger: createLogger({ level: "silent" }),
  });
  const cleanup = async () => {
    await server.close().catch(() => undefined);
    await cleanupLocalRoot(join(config.computeDir, "host"), cgroupParent);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const app = server.app!;
    const api = async (method: string, url: string, token: string | undefined, body?: unknown) => {
      const res = await app.inject({
        method: method as "GET",
        url,
        headers: { ...(token ? { "x-auth-token": token } : {}), "content-type": "application/json" },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture set-up reads known shapes
      return { body: res.body ? (JSON.parse(res.body) as Record<string, any>) : {}, headers: res.headers };
    };
    const login = async (name: string, project: string) => {
      const res = await api("POST", "/v3/auth/tokens", undefined, {
        auth: {
          identity: {
            methods: ["password"],
            password: { user: { name, domain: { id: "default" }, password: PASSWORD } },
          },
          scope: { project: { name: project, domain: { id: "default" } } },
        },
      });
      return {
        token: String(res.headers["x-subject-token"]),
        projectId: String(res.body.token.project.id),
        userId: String(res.body.token.user.id),
      };
    };
    const admin = await login("admin", "admin");
    const roleId = async (name: string) =>
      String((await api("GET", `/v3/roles?name=${name}`, admin.token)).body.roles[0].id);
    const project = async (name: string) =>
      String(
        (await api("POST", "/v3/projects", admin.token, { project: { name, domain_id: "default" } })).body
          .project.id,
      );
    const user = async (name: string, projectId: string, role: string) => {
      const id = String(
        (
          await api("POST", "/v3/users", admin.token, {
            user: { name, password: PASSWORD, domain_id: "default" },
          })
        ).body.user.id,
      );
      await api("PUT", `/v3/projects/${projectId}/users/${id}/roles/${await roleId(role)}`, admin.token);
      return id;
    };
    const projectA = await project("fuzz-a");
    const projectB = await project("fuzz-b");
    await user("fuzz-member-a", projectA, "member");
    await user("fuzz-reader-a", projectA, "reader");
    await user("fuzz-member-b", projectB, "member");
    const memberA = await login("fuzz-member-a", "fuzz-a");
    const readerA = await login("fuzz-reader-a", "fuzz-a");
    const memberB = await login("fuzz-member-b", "fuzz-b");
    // Spares: what writes by A's own callers and the admin may change or delete.
    const spareProject = await project("fuzz-spare");
    const spareUser = await user("fuzz-spare-user", spareProject, "member");
    const spareRole = String(
      (await api("POST", "/v3/roles", admin.token, { role: { name: "fuzz-spare-role" } })).body.role.id,
    );

    const spareTokens = [
      (await login("fuzz-spare-user", "fuzz-spare")).token,
      (await login("fuzz-spare-user", "fuzz-spare")).token,
    ];
    const base = `/v1.0/${projectA}`;
    const group = (name: string) =>
      api("POST", `${base}/configurations`, memberA.token, {
        configuration: {
          name,
          values: { work_mem: "8MB" },
          datastore: { type: "postgresql", version: "15" },
        },
      });
    const configId = String((await group("fuzz-a-group")).body.configuration.id);
    const spareConfigId = String((await group("fuzz-spare-group")).body.configuration.id);
    const flavors = (await api("GET", `${base}/flavors`, memberA.token)).body.flavors as {
      id: string;
      name: string;
    }[];
    const versions = (await api("GET", `${base}/datastores/postgresql/versions`, memberA.token)).body
      .versions as {
      id: string;
      name: string;
    }[];
    const created = await api("POST", `${base}/instances`, memberA.token, {
      instance: {
        name: "fuzz-a-instance",
        flavorRef: flavors[0]!.id,
        volume: { size: 1 },
        datastore: { type: "postgresql", version: "15" },
        databases: [{ name: "fuzzdb" }],
        users: [{ name: "fuzzuser", password: PASSWORD, databases: [{ name: "fuzzdb" }] }],
      },
    });
    const instanceId = String(created.body.instance.id);
    await buildWithTaskManager(server, config.hostName, async () => {
      const shown = await api("GET", `${base}/instances/${instanceId}`, memberA.token);
      return shown.body.instance.status === "ACTIVE" ? true : undefined;
    });
    const services = (await api("GET", "/v3/services", admin.token)).body.services as { id: string }[];
    const endpoints = (await api("GET", "/v3/endpoints", admin.token)).body.endpoints as { id: string }[];

    const callers: Caller[] = [
      { kind: "anonymous" },
      { kind: "other", ...memberB },
      { kind: "reader", ...readerA },
      { kind: "member", ...memberA },
      { kind: "admin", ...admin },
    ];
    const memberRole = await roleId("member");
    const ctx: FuzzContext = {
      callers,
      ids: {
        projects: [projectA, projectB, admin.projectId],
        quotas: [projectA, projectB],
        users: [memberA.userId, readerA.userId, memberB.userId, admin.userId, "fuzzuser"],
        roles: [memberRole, await roleId("reader"), await roleId("admin")],
        domains: ["default"],
        services: services.map((s) => s.id),
        endpoints: endpoints.map((e) => e.id),
        flavors: flavors.flatMap((f) => [f.id, f.name]),
        datastores: ["postgresql", "mariadb", "mysql"],
        versions: ["15", ...versions.map((v) => v.id)],
        "datastore-versions": versions.map((v) => v.id),
        instances: [instanceId],
        databases: ["fuzzdb"],
        configurations: [configId],
        parameters: ["work_mem", "max_connections", "shared_buffers"],
      },
      spareTokens,
      spares: {
        projects: [spareProject],
        users: [spareUser, "spareuser"],
        roles: [spareRole],
        configurations: [spareConfigId],
        quotas: [spareProject],
      },
      hints: {
        name: ["fuzzdb", "fuzzuser", "spareuser"],
        flavorRef: flavors.flatMap((f) => [f.id, f.name]),
        type: ["postgresql"],
        version: ["15"],
        configuration: [configId],
        password: [PASSWORD],
        host: ["%", "127.0.0.1"],
        domain_id: ["default"],
        default_project_id: [projectB],
        id: [instanceId, configId, projectA],
        __keys: ["work_mem", "max_connections", "shared_buffers", "log_min_duration_statement"],
        restart: [],
        resize: [],
        reset_status: [],
        root: [],
      },
    };
    const doc = JSON.parse((await app.inject({ method: "GET", url: "/openapi.json" })).body) as OpenApiDoc;
    const snapshots = new StoreSnapshots(config.infraDb.kind === "sqlite" ? config.infraDb.path : "");
    const send = async (req: FuzzRequest): Promise<Response> => {
      const res = await app.inject({
        method: req.method as "GET",
        url: req.url,
        headers: req.headers,
        ...(req.payload !== undefined ? { payload: req.payload } : {}),
      });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    };
    const heal = async () => {
      const instance = await server.store.instances.get(instanceId);
      const service = await server.store.serviceStatuses.get(instanceId);
      if (
        instance?.taskStatus === "NONE" &&
        instance.serverStatus === "ACTIVE" &&
        service?.status === "healthy"
      )
        return;
      const now = systemClock.now();
      await server.store.tasks.cancelActive(instanceId, "fuzz: put back", now);
      await server.store.instances.update(instanceId, {
        taskStatus: "NONE",
        serverStatus: "ACTIVE",
        fault: null,
        updatedAt: now,
      });
      await server.store.serviceStatuses.set(instanceId, "healthy", now);
    };
    const alive = async () => {
      const root = await app.inject({ method: "GET", url: "/" });
      if (root.statusCode !== 200) return `GET / → ${root.statusCode}`;
      const dbs = await app.inject({
        method: "GET",
        url: `${base}/instances/${instanceId}/databases`,
        headers: { "x-auth-token": memberA.token },
      });
      if (dbs.statusCode !== 200) return `the fixture instance's databases → ${dbs.statusCode} ${dbs.body}`;
      return undefined;
    };
    // Ids, and names nobody else is handed (shared hint names like "fuzzdb" may be anyone's).
    const secrets = [
      projectA,
      instanceId,
      "fuzz-a-instance",
      configId,
      "fuzz-a-group",
      memberA.userId,
      readerA.userId,
    ];
    return {
      target: { doc, ctx, send, snapshots, secrets, heal, alive },
      server,
      instanceId,
      app,
      close: async () => {
        snapshots.close();
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Runs a task manager on the server's store and bus until `done`, then stops it. */
async function buildWithTaskManager(
  server: RunningServer,
  hostName: string,
  done: () => Promise<true | undefined>,
) {
  const tm = createTaskManager(
    {
      store: server.store,
      bus: server.bus,
      clock: systemClock,
      logger: server.log,
      pickHost: async () => hostName,
      healthyTimeoutMs: 120_000,
      pollMs: 25,
    },
    WORKFLOWS,
    { leaseMs: 10_000, pollMs: 200, concurrency: 4 },
  );
  await tm.start();
  try {
    await waitFor(done, {
      timeoutMs: 120_000,
      intervalMs: 200,
      what: "the fuzz fixture's instance to be ACTIVE",
    });
  } finally {
    await tm.stop();
  }
}
