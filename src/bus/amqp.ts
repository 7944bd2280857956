import { connect, type ChannelModel, type ConfirmChannel, type Message } from "amqplib";
import { UnavailableError } from "../domain/index.js";
import type { Logger } from "../lib/index.js";
import { AmqpServer } from "./amqp-server.js";
import { PendingCalls } from "./pending.js";
import type { CallOptions, JsonValue, MessageBus, Subscription } from "./port.js";
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
}

/** What lives and dies with one AMQP connection. */
interface Link {
  connection: ChannelModel;
  /** Publishes requests and casts (with confirms) and consumes this bus's replies. */
  channel: ConfirmChannel;
  replyQueue: string;
}

const JSON_TYPE = "application/json";

/**
 * The message bus over RabbitMQ. Resolves once connected; rejects with UnavailableError
 * `BUS_DISCONNECTED` when the broker cannot be reached. See docs/bus.md for the layout.
 */
export async function createAmqpBus(url: string, deps: AmqpBusDeps): Promise<MessageBus> {
  const logger = deps.logger.child({ component: "bus", bus: "amqp", broker: describe(url) });
  const defaultTimeoutMs = deps.defaultTimeoutMs ?? 30_000;
  const drainTimeoutMs = deps.drainTimeoutMs ?? 10_000;
  const prefetch = deps.prefetch ?? 10;
  const prefix = deps.queuePrefix ?? "coffer.";
  const backoff = deps.reconnectDelayMs ?? { min: 250, max: 5_000 };
  const pending = new PendingCalls();
  const servers = new Set<AmqpServer>();
  let link: Link | undefined;
  let nextId = 0;
  let closing: Promise<void> | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let reconnecting: Promise<void> | undefined;

  const disconnected = (): UnavailableError =>
    new UnavailableError(BusCode.Disconnected, "the message bus is not connected to RabbitMQ (reconnecting)");

  async function open(): Promise<Link> {
    const connection = await connect(withHeartbeat(url), { clientProperties: { connection_name: "coffer" } });
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
      for (const server of servers) await server.attach(connection);
      return { connection, channel, replyQueue };
    } catch (err) {
      closeQuietly(connection);
      throw err;
    }
  }

  function lost(connection: ChannelModel): void {
    if (link?.connection !== connection) return;
    link = undefined;
    for (const server of servers) server.detach();
    if (closing) return;
    logger.warn({ pending: pending.size }, "bus lost its RabbitMQ connection; reconnecting");
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
          logger.info("bus reconnected to RabbitMQ");
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
    throw new UnavailableError(BusCode.Disconnected, `cannot connect to RabbitMQ at ${describe(url)}`, {
      cause: err,
    });
  }
  logger.info("bus connected to RabbitMQ");

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
      await publish(current, topic, body, {});
    },

    async serve(topic, handlers) {
      if (closing) throw busClosed();
      checkTopic(topic);
      const current = link;
      if (!current) throw disconnected();
      const server = new AmqpServer({
        topic,
        queue: prefix + topic,
        handlers: { ...handlers },
        prefetch,
        drainTimeoutMs,
        logger,
        onChannelLost: () => link && closeQuietly(link.connection),
      });
      try {
        await server.attach(current.connection);
      } catch (err) {
        throw new UnavailableError(BusCode.Disconnected, `cannot serve bus topic ${topic}`, { cause: err });
      }
      servers.add(server);
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
