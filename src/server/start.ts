import { mkdirSync } from "node:fs";
import type { Config } from "../config/index.js";
import { systemClock } from "../domain/index.js";
import { createLogger, type Logger } from "../lib/index.js";
import { openStore, type Store } from "../store/index.js";
import { createAmqpBus, createInProcessBus, type MessageBus } from "../bus/index.js";
import { buildApp } from "../api/index.js";

export interface RunningServer {
  url: string;
  readyLine: string;
  log: Logger;
  store: Store;
  bus: MessageBus;
  close(): Promise<void>;
}

export async function startServer(config: Config, options: { logger?: Logger } = {}): Promise<RunningServer> {
  const log = options.logger ?? createLogger({ level: config.logLevel });
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const fn of closers.reverse()) await fn();
  };
  try {
    const store = await openStore(config.infraDb, { logger: log });
    closers.push(() => store.close());
    await store.migrate();

    const bus =
      config.bus.kind === "amqp"
        ? await createAmqpBus(config.bus.url, { logger: log })
        : createInProcessBus({ logger: log });
    closers.push(() => bus.close());

    let url = "";
    if (config.roles.includes("api")) {
      const app = await buildApp({
        config,
        logger: log,
        clock: systemClock,
        healthChecks: { store: () => store.ping() },
      });
      closers.push(() => app.close());
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      const port = typeof address === "object" && address ? address.port : config.port;
      url = `http://${config.host}:${port}`;
    }
    const readyLine = `Coffer is ready at ${url || "(no API in this process)"} — roles: ${config.roles.join(", ")}; data dir: ${config.dataDir}`;
    log.info({ url, roles: config.roles }, "ready");
    return { url, readyLine, log, store, bus, close };
  } catch (err) {
    await close();
    throw err;
  }
}
