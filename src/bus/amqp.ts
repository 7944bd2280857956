import { connect, type ChannelModel, type ConfirmChannel, type Message } from "amqplib";
import { CofferError, UnavailableError } from "../domain/index.js";
import type { Logger } from "../lib/index.js";
import { AmqpServer } from "./amqp-server.js";
import { within } from "./deadline.js";
import { PendingCalls } from "./pending.js";
import type { CallOptions, JsonValue, MessageBus, ServeOptions, Subscription } from "./port.js";
import { BusCode, busClosed, callTimeout, checkTopic, encode, noServer } from "./wire.js";

export interface AmqpBusDeps {
  logger: Logger;
  /** Default call timeout (30 s). */
  defaultTimeoutMs?: number;
  /** How long `close()` waits for in-flight handlers (10 s). */
  drainTimeoutMs?: number;
  /** Messages a server handles at once (10). */
  prefetch?: number;
  /** Queue name = prefix + topic ("coffer."), so that a broker can be shared. */
  queuePrefix?: string;
  /** Reconnect backoff after a lost connection: from min, doubling, up to max (250 ms → 5 s). */
  reconnectDelayMs?: { min: number; max: number };
  /** How long a queue outlives its last server when that server went without closing (10 min). */
  queueExpiryMs?: number;
  /** How long a cast waits in a queue for a server before the broker drops it (60 s). */
  castTtlMs?: number;
  /** How long to wait for a broker to answer a connection attempt (10 s). */
  connectTimeoutMs?: number;
}

/** What lives and dies with one AMQP connection. */
interface Link {
  connection: ChannelModel;
  /** Publishes requests and casts (with confirms) and consumes this bus's replies. */
  channel: ConfirmChannel;
  replyQueue: string;
  /** Which broker (for logs, without credentials). */
  broker: string;
}

const JSON_TYPE = "application/json";

/**
 * The message bus over RabbitMQ. `urls` are the nodes of one RabbitMQ cluster (or one broker): the
 * bus connects to the first that answers and, after losing it, to the next. Resolves once
 * connected; rejects with UnavailableError `BUS_DISCONNECTED` when no broker can be reached. See
 * docs/bus.md for the layout.
 */
export async function createAmqpBus(
  urls: string | readonly string[],
  deps: AmqpBusDeps,
): Promise<MessageBus> {
  const brokers = typeof urls === "string" ? [urls] : [...urls];
  if (brokers.length === 0) throw new UnavailableError(BusCode.Disconnected, "no RabbitMQ URL was given");
  const logger = deps.logger.child({ component: "bus", bus: "amqp" });
  const defaultTimeoutMs = deps.defaultTimeoutMs ?? 30_000;
  const drainTimeoutMs = deps.drainTimeoutMs ?? 10_000;
  const prefetch = deps.prefetch ?? 10;
  const prefix = deps.queuePrefix ?? "coffer.";
  const backoff = deps.reconnectDelayMs ?? { min: 250, max: 5_000 };
  const queueExpiryMs = deps.queueExpiryMs ?? 600_000;
  const castTtlMs = deps.castTtlMs ?? 60_000;
  const connectTimeoutMs = deps.connectTimeoutMs ?? 10_000;
  /** The broker to try first next time: after a loss, the one after the lost one. */
  let nextBroker = 0;
  const pending = new PendingCalls();
  const servers = new Set<AmqpServer>();
  let link: Link | undefined;
  let nextId = 0;
  let closing: Promise<void> | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let reconnecting: Promise<void> | undefined;

  const disconnected = (): UnavailableError =>
    new UnavailableError(BusCode.Disconnected, "the message bus is not connected to RabbitMQ (reconnecting)");

  /** Connects to the first broker that answers, starting with `nextBroker`. */
  async function connectAny(): Promise<{ connection: ChannelModel; broker: string }> {
    const failures: string[] = [];
    let refused = 0;
    for (let i = 0; i < brokers.length; i++) {
      const index = (nextBroker + i) % brokers.length;
      const url = brokers[index]!;
      try {
        const connection = await connect(withHeartbeat(url), {
          clientProperties: { connection_name: "coffer" },
          timeout: connectTimeoutMs,
        });
        nextBroker = index;
        return { connection, broker: describe(url) };
      } catch (err) {
        const why = (err as Error).message;
        failures.push(`${describe(url)}: ${why}`);
        // The broker answered and said no (credentials, virtual host): waiting will not change it.
        if (/ACCESS[-_]REFUSED|NOT[-_]ALLOWED/.test(why)) refused++;
      }
    }
    throw new UnavailableError(BusCode.Disconnected, `cannot connect to RabbitMQ (${failures.join("; ")})`, {
      retryable: refused < brokers.length,
    });
  }

  /** A connection with its publishing channel and reply queue; servers attach once it is the link. */
  async function open(): Promise<Link> {
    const { connection, broker } = await connectAny();
    return within(connectTimeoutMs, "setting up the bus", setUp(connection, broker), () =>
      closeQuietly(connection),
    );
  }

  async function setUp(connection: ChannelModel, broker: string): Promise<Link> {
    try {
      connection.on("error", (err: Error) => logger.warn({ err: err.message }, "bus connection error"));
      connection.on("close", () => lost(connection));
      const channel = await connection.createConfirmChannel();
      channel.on("error", (err: Error) => logger.warn({ err: err.message }, "bus channel error"));
      // Our own channel closing while the connection lives is unexpected: start afresh.
      channel.on("close", () => closeQuietly(connection));
      channel.on("return", (msg: Message) => {
        // `mandatory` and unroutable: no queue, so nobody serves the topic.
        pending.fail(
          String(msg.properties.correlationId),
          noServer(msg.fields.routingKey.slice(prefix.length)),
        );
      });
      const { queue: replyQueue } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
      await channel.consume(
        replyQueue,
        (msg) => {
          if (msg) pending.settle(String(msg.properties.correlationId), msg.content.toString("utf8"));
          else closeQuietly(connection); // the broker cancelled our reply consumer: start afresh
        },
        { noAck: true },
      );
      return { connection, channel, replyQueue, broker };
    } catch (err) {
      closeQuietly(connection);
      throw err;
    }
  }

  function lost(connection: ChannelModel): void {
    if (link?.connection !== connection) return;
    const broker = link.broker;
    link = undefined;
    nextBroker = (nextBroker + 1) % brokers.length;
    for (const server of servers) server.detach();
    if (closing) return;
    logger.warn({ broker, pending: pending.size }, "bus lost its RabbitMQ connection; reconnecting");
    pending.failAll(
      () => new UnavailableError(BusCode.ConnectionLost, "the message bus lost its RabbitMQ connection"),
    );
    scheduleReconnect(backoff.min);
  }

  function scheduleReconnect(delayMs: number): void {
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      reconnecting = open().then(
        (fresh) => {
          reconnecting = undefined;
          if (closing) return closeQuietly(fresh.connection);
          link = fresh;
          logger.info({ broker: fresh.broker }, "bus reconnected to RabbitMQ");
          // Each server attaches on its own (and tries again by itself): calls need not wait for
          // them, and one that cannot attach yet must not keep the others waiting.
          for (const server of servers) void server.attach(fresh.connection);
        },
        (err: unknown) => {
          reconnecting = undefined;
          if (closing) return;
          logger.warn({ err: (err as Error).message }, "bus reconnect failed");
          scheduleReconnect(Math.min(delayMs * 2, backoff.max));
        },
      );
    }, delayMs);
  }

  /** Publishes and resolves when the broker has taken the message. */
  function publish(
    current: Link,
    topic: string,
    body: string,
    props: Record<string, unknown>,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const failed = (): void =>
        reject(new UnavailableError(BusCode.PublishFailed, "RabbitMQ did not take the message"));
      try {
        current.channel.publish(
          "",
          prefix + topic,
          Buffer.from(body),
          { contentType: JSON_TYPE, ...props },
          (err) => (err ? failed() : resolve()),
        );
      } catch {
        failed(); // the channel closed under us
      }
    });
  }

  try {
    link = await open();
  } catch (err) {
    // Connected, then lost it while setting up (a broker still booting, say): worth another try.
    if (err instanceof CofferError) throw err;
    throw new UnavailableError(
      BusCode.Disconnected,
      `cannot set up the bus on RabbitMQ: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  logger.info({ broker: link.broker }, "bus connected to RabbitMQ");

  return {
    async call<T>(topic: string, method: string, args: JsonValue = {}, options: CallOptions = {}) {
      if (closing) throw busClosed();
      checkTopic(topic);
      const body = encode({ method, args });
      const current = link;
      if (!current) throw disconnected();
      const id = String(++nextId);
      const timeoutMs = callTimeout(options.timeoutMs, defaultTimeoutMs);
      const result = pending.add(id, topic, method, timeoutMs);
      logger.debug({ topic, method, id }, "bus call");
      const props = {
        correlationId: id,
        replyTo: current.replyQueue,
        mandatory: true,
        // A request its caller gave up on is dropped by the broker rather than run late.
        expiration: String(timeoutMs),
      };
      publish(current, topic, body, props).catch((err: UnavailableError) => pending.fail(id, err));
      return (await result) as T;
    },

    async cast(topic, method, args = {}) {
      if (closing) throw busClosed();
      checkTopic(topic);
      const body = encode({ method, args });
      const current = link;
      if (!current) throw disconnected();
      logger.debug({ topic, method }, "bus cast");
      // A wake-up or a heartbeat is stale after a while: the broker drops it rather than keep it.
      await publish(current, topic, body, { expiration: String(castTtlMs) });
    },

    async serve(topic, handlers, options: ServeOptions = {}) {
      if (closing) throw busClosed();
      checkTopic(topic);
      const service = options.service === true;
      const server = new AmqpServer({
        topic,
        queue: prefix + topic,
        handlers: { ...handlers },
        prefetch,
        drainTimeoutMs,
        logger,
        // A service topic's queue is a quorum queue: it survives the loss of a broker node and the
        // restart of its servers, with its requests. An instance's is a classic queue (thousands of
        // them are cheap); it lingers after a server that went without closing, for its successor.
        declare: service
          ? { durable: true, arguments: { "x-queue-type": "quorum", "x-expires": queueExpiryMs } }
          : { durable: false, autoDelete: false, arguments: { "x-expires": queueExpiryMs } },
        keepOnClose: service,
        connection: () => link?.connection,
        retryDelayMs: { min: backoff.min, max: Math.max(backoff.max, 30_000) },
        attachTimeoutMs: Math.max(connectTimeoutMs, 30_000),
      });
      servers.add(server);
      // Not connected now: the server attaches when the bus is connected again.
      const current = link;
      if (current) await server.attach(current.connection);
      let closed: Promise<void> | undefined;
      const subscription: Subscription = {
        close: () => (closed ??= server.close().then(() => void servers.delete(server))),
      };
      return subscription;
    },

    close() {
      return (closing ??= (async () => {
        clearTimeout(reconnectTimer);
        await reconnecting; // it sees `closing` and closes what it opened
        await Promise.all([...servers].map((s) => s.close()));
        pending.failAll(busClosed);
        const current = link;
        link = undefined;
        if (current) await current.connection.close().catch(() => undefined);
        logger.info("bus closed");
      })());
    },
  };
}

/** Closes a connection that may already be closing or closed, without caring how that ends. */
function closeQuietly(connection: ChannelModel): void {
  try {
    connection.close().catch(() => undefined);
  } catch {
    // already closed
  }
}

/** The broker's address for logs: never the credentials. */
function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(unparsable url)";
  }
}

/** Heartbeats detect a dead peer that TCP alone would notice only much later; amqplib's default is none. */
function withHeartbeat(url: string): string {
  try {
    const u = new URL(url);
    if (!u.searchParams.has("heartbeat")) u.searchParams.set("heartbeat", "10");
    return u.toString();
  } catch {
    return url;
  }
}
