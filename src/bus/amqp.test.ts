import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect as tcpConnect, type Socket } from "node:net";
import { connect } from "amqplib";
import { CofferError } from "../domain/index.js";
import { freePort, silentLogger, sleep, waitFor } from "../lib/index.js";
import { startTempRabbitMQ, type TempRabbitMQ } from "../lib/testing.js";
import { createAmqpBus } from "./amqp.js";
import { busConformance } from "./bus.conformance.js";
import type { MessageBus } from "./port.js";

// One throwaway RabbitMQ node for the whole file (it takes several seconds to boot); every bus
// below is its own connection to it, as separate processes would be.
let rabbit: TempRabbitMQ | undefined;
before(async () => {
  rabbit = await startTempRabbitMQ();
});
after(async () => {
  await rabbit?.stop();
});
const url = (): string => {
  assert.ok(rabbit, "RabbitMQ did not start");
  return rabbit.url;
};
const brokerPort = (): number => Number(new URL(url()).port);

busConformance("RabbitMQ", ({ logger }) => createAmqpBus(url(), { logger }));

describe("RabbitMQ bus", () => {
  test("a lost connection fails pending calls with BUS_CONNECTION_LOST; the bus reconnects and serves again", async () => {
    // The client reaches the broker through a TCP proxy we can cut, like a network failure.
    const proxy = await startProxy(brokerPort());
    const logger = silentLogger();
    const buses: MessageBus[] = [];
    const release = deferred();
    try {
      const server = await createAmqpBus(url(), { logger });
      buses.push(server);
      const client = await createAmqpBus(`amqp://guest:guest@127.0.0.1:${proxy.port}`, {
        logger,
        reconnectDelayMs: { min: 50, max: 200 },
      });
      buses.push(client);
      const started = deferred();
      await server.serve("lost.work", {
        hang: async () => {
          started.resolve();
          await release.promise;
        },
        ping: async () => "pong",
      });
      await client.serve("lost.back", { ping: async () => "client pong" });

      const pending = client.call("lost.work", "hang", {}, { timeoutMs: 30_000 });
      await started.promise;
      const t0 = Date.now();
      proxy.cut();
      await assert.rejects(pending, (err) => {
        assert.ok(err instanceof CofferError);
        assert.equal(err.code, "BUS_CONNECTION_LOST");
        assert.equal(err.kind, "unavailable");
        assert.equal(err.retryable, true);
        return true;
      });
      assert.ok(Date.now() - t0 < 5000, "the pending call did not fail promptly");

      // Back again: the client calls, and its own server was re-attached to the new connection.
      const ping = () => client.call("lost.work", "ping").catch(retryable);
      assert.equal(await waitFor(ping, { timeoutMs: 10_000, what: "the client to reconnect" }), "pong");
      const back = () => server.call("lost.back", "ping").catch(retryable);
      assert.equal(
        await waitFor(back, { timeoutMs: 10_000, what: "the client to serve again" }),
        "client pong",
      );
    } finally {
      release.resolve();
      await Promise.all(buses.map((b) => b.close()));
      await proxy.close();
    }
  });

  test("a request whose caller gave up is dropped by the broker, not run late", async () => {
    const logger = silentLogger();
    const server = await createAmqpBus(url(), { logger, prefetch: 1 });
    const client = await createAmqpBus(url(), { logger });
    try {
      let quickRuns = 0;
      await server.serve("expiry", {
        slow: async () => void (await sleep(400)),
        quick: async () => void quickRuns++,
      });
      const slow = client.call("expiry", "slow");
      await sleep(50); // slow is being handled; with prefetch 1, quick waits in the queue
      await assert.rejects(client.call("expiry", "quick", {}, { timeoutMs: 100 }), { code: "BUS_TIMEOUT" });
      await slow;
      await sleep(200);
      assert.equal(quickRuns, 0);
    } finally {
      await Promise.all([server.close(), client.close()]);
    }
  });

  test("given several brokers, the bus connects to one that answers and moves to the next when it loses it", async () => {
    // Two ways to the same node stand in for two nodes of a cluster; a dead port for a third.
    const [a, b] = await Promise.all([startProxy(brokerPort()), startProxy(brokerPort())]);
    const dead = await freePort();
    const logger = silentLogger();
    const server = await createAmqpBus(url(), { logger });
    const client = await createAmqpBus(
      [dead, a.port, b.port].map((p) => `amqp://guest:guest@127.0.0.1:${p}`),
      { logger, reconnectDelayMs: { min: 50, max: 200 } },
    );
    try {
      await server.serve("several.work", { ping: async () => "pong" });
      assert.equal(await client.call("several.work", "ping"), "pong");
      assert.equal(a.connections(), 1, "the first broker that answers is used");
      // The node goes away for good: the bus moves on to the next one.
      await a.close();
      const ping = () => client.call("several.work", "ping").catch(retryable);
      assert.equal(
        await waitFor(ping, { timeoutMs: 10_000, what: "the bus to move to the next broker" }),
        "pong",
      );
      assert.equal(b.connections(), 1);
    } finally {
      await Promise.all([server.close(), client.close()]);
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("serve() during an outage is kept and served once the bus is back", async () => {
    const proxy = await startProxy(brokerPort());
    const logger = silentLogger();
    const caller = await createAmqpBus(url(), { logger });
    const bus = await createAmqpBus(`amqp://guest:guest@127.0.0.1:${proxy.port}`, {
      logger,
      reconnectDelayMs: { min: 100, max: 200 },
    });
    try {
      proxy.cut();
      proxy.refuse(true);
      await sleep(100);
      // Serving does not fail because the broker is away for a moment.
      await bus.serve("outage.later", { ping: async () => "served after the outage" });
      await assert.rejects(caller.call("outage.later", "ping"), { code: "BUS_NO_SERVER" });
      proxy.refuse(false);
      const ping = () => caller.call("outage.later", "ping").catch(retryable);
      assert.equal(
        await waitFor(ping, { timeoutMs: 10_000, what: "the topic to be served" }),
        "served after the outage",
      );
    } finally {
      await Promise.all([caller.close(), bus.close()]);
      await proxy.close();
    }
  });

  test("a server whose queue is deleted under it (its broker node lost) serves the topic again", async () => {
    const logger = silentLogger();
    const server = await createAmqpBus(url(), { logger, reconnectDelayMs: { min: 50, max: 200 } });
    const client = await createAmqpBus(url(), { logger });
    const admin = await connect(url());
    try {
      await server.serve("lost.queue", { ping: async () => "pong" });
      await server.serve("lost.service", { ping: async () => "service pong" }, { service: true });
      const channel = await admin.createChannel();
      await channel.deleteQueue("coffer.lost.queue");
      await channel.deleteQueue("coffer.lost.service");
      for (const topic of ["lost.queue", "lost.service"]) {
        const ping = () => client.call<string>(topic, "ping").catch(retryable);
        assert.match(await waitFor(ping, { timeoutMs: 10_000, what: `${topic} to be served again` }), /pong/);
      }
      // The service topic came back as what it was: a quorum queue (declaring it so again is
      // accepted as equivalent; a classic queue of that name would be a 406 here).
      const queue = await channel.assertQueue("coffer.lost.service", {
        durable: true,
        arguments: { "x-queue-type": "quorum", "x-expires": 600_000 },
      });
      assert.equal(queue.consumerCount, 1);
    } finally {
      await admin.close();
      await Promise.all([server.close(), client.close()]);
    }
  });

  test("a broker that takes the connection but never answers is given up after connectTimeoutMs", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const started = Date.now();
    try {
      await assert.rejects(
        createAmqpBus(`amqp://guest:guest@127.0.0.1:${port}`, {
          logger: silentLogger(),
          connectTimeoutMs: 300,
        }),
        { code: "BUS_DISCONNECTED", retryable: true },
      );
      assert.ok(Date.now() - started < 5000, "the connection attempt was not bounded");
    } finally {
      silent.close();
    }
  });

  test("an unreachable broker is UnavailableError BUS_DISCONNECTED", async () => {
    const port = await freePort();
    await assert.rejects(createAmqpBus(`amqp://guest:guest@127.0.0.1:${port}`, { logger: silentLogger() }), {
      code: "BUS_DISCONNECTED",
      retryable: true,
    });
  });
});

/** undefined (try again) for the errors a reconnecting bus gives, anything else is thrown. */
function retryable(err: unknown): undefined {
  if (err instanceof CofferError && err.retryable) return undefined;
  throw err;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A TCP proxy to the broker whose connections can be cut at will, and which can refuse new ones. */
async function startProxy(targetPort: number): Promise<{
  port: number;
  cut: () => void;
  refuse: (on: boolean) => void;
  connections: () => number;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let refusing = false;
  let accepted = 0;
  const server = createServer((inbound) => {
    if (refusing) return void inbound.destroy();
    accepted++;
    const outbound = tcpConnect(targetPort, "127.0.0.1");
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        sockets.delete(s);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const cut = (): void => {
    for (const s of sockets) s.destroy();
  };
  let closed: Promise<void> | undefined;
  return {
    port,
    cut,
    refuse: (on) => void (refusing = on),
    connections: () => accepted,
    close: () =>
      (closed ??= new Promise((resolve) => {
        cut();
        server.close(() => resolve());
      })),
  };
}
