import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/index.js";
import { systemClock, uuidGenerator } from "../domain/index.js";
import { createIdentity, OPENRC_FILE } from "../identity/index.js";
import { createLogger, type Logger } from "../lib/index.js";
import { openStore, type Store } from "../store/index.js";
import { createAmqpBus, createInProcessBus, type MessageBus } from "../bus/index.js";
import { buildApp, buildMetricsApp } from "../api/index.js";
import { createMetrics, instrumentBus } from "../metrics/index.js";
import { createEventRecorder } from "../events/index.js";
import { registerCatalog } from "../catalog/index.js";
import { startComputeHost, startConductor, startTaskManager } from "./roles.js";
import { waitForDependency } from "./wait.js";
import { warnOfOwnAddress, warnOfOwnHostName } from "./warnings.js";

export interface RunningServer {
  url: string;
  readyLine: string;
  log: Logger;
  store: Store;
  bus: MessageBus;
  /** The HTTP app when this process has the api role (tests use `app.inject()` on it). */
  app: FastifyInstance | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** The first admin's password (first start only); else COFFER_ADMIN_PASSWORD, else generated. */
  adminPassword?: string;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const metrics = createMetrics({ process: true });
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const fn of closers.reverse()) await fn();
  };
  // Start in any order: the database and the broker may come up after us (docs/scale-out.md).
  const waiting = { deadline: Date.now() + config.startupWaitMs, log };
  try {
    const store = await openStore(config.infraDb, { logger: log });
    closers.push(() => store.close());
    await waitForDependency(
      `the infrastructure database (${describeDb(config)})`,
      async () => {
        await store.ping();
        await store.migrate();
      },
      waiting,
    );

    // Identity lives with the API: the first API process on an empty database creates the admin
    // and writes admin-openrc.sh; the others wait for it to finish, then change nothing. A
    // compute host needs none of it.
    const identity = createIdentity({ store, clock: systemClock, ids: uuidGenerator, config });
    if (config.roles.includes("api")) {
      warnOfOwnAddress(config, log);
      const adminPassword = options.adminPassword ?? process.env.COFFER_ADMIN_PASSWORD;
      const boot = await store.exclusive("bootstrap:identity", () =>
        identity.bootstrap(adminPassword ? { adminPassword } : {}),
      );
      if (boot.changed.length > 0) {
        log.info({ created: boot.changed, openrc: boot.openrcPath }, "identity bootstrapped");
      }
    }
    const openrc = join(config.dataDir, OPENRC_FILE);

    const busConfig = config.bus;
    const rawBus =
      busConfig.kind === "amqp"
        ? await waitForDependency(
            `the message bus (${busConfig.urls.map(describeUrl).join(", ")})`,
            () => createAmqpBus(busConfig.urls, { logger: log }),
            waiting,
          )
        : createInProcessBus({ logger: log });
    closers.push(() => rawBus.close());
    const bus = instrumentBus(rawBus, metrics);

    const events = createEventRecorder({ store, logger: log, clock: systemClock, metrics });
    const roleDeps = { config, store, bus, clock: systemClock, logger: log, metrics, events };
    // A compute host registers the engines installed on it and the default flavors (only what is
    // missing; one process at a time, so that hosts starting together do not trip over each other).
    if (config.roles.includes("compute"))
      await store.exclusive("bootstrap:catalog", () => registerCatalog(store, log));
    if (config.roles.includes("conductor")) closers.push(await startConductor(roleDeps));
    if (config.roles.includes("compute")) closers.push(await startComputeHost(roleDeps));
    if (config.roles.includes("taskmanager")) {
      warnOfOwnHostName(config, log);
      closers.push(await startTaskManager(roleDeps));
    }

    let url = "";
    let app: FastifyInstance | undefined;
    if (config.roles.includes("api")) {
      app = await buildApp({
        config,
        logger: log,
        clock: systemClock,
        identity,
        store,
        bus,
        healthChecks: { store: () => store.ping() },
        metrics,
      });
      const listening = app;
      closers.push(() => listening.close());
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      const port = typeof address === "object" && address ? address.port : config.port;
      url = `http://${config.host}:${port}`;
    } else if (config.metricsPort !== undefined) {
      // No API here: this process's own metrics on a port of their own.
      const app = await buildMetricsApp({
        config,
        logger: log,
        clock: systemClock,
        identity,
        store,
        metrics,
      });
      closers.push(() => app.close());
      await app.listen({ host: config.host, port: config.metricsPort });
    }
    const credentials = existsSync(openrc) ? `; admin credentials: ${openrc}` : "";
    const readyLine = `Coffer is ready at ${url || "(no API in this process)"} — roles: ${config.roles.join(", ")}; data dir: ${config.dataDir}${credentials}`;
    log.info({ url, roles: config.roles }, "ready");
    return { url, readyLine, log, store, bus, app, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The database's address for messages: never its credentials. */
function describeDb(config: Config): string {
  return config.infraDb.kind === "sqlite" ? config.infraDb.path : describeUrl(config.infraDb.url);
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}
