import type { Channel, ChannelModel, ConsumeMessage, Options } from "amqplib";
import type { Logger } from "../lib/index.js";
import { within } from "./deadline.js";
import { InFlight, dispatch } from "./dispatch.js";
import type { Handler } from "./port.js";

export interface AmqpServerOptions {
  topic: string;
  queue: string;
  handlers: Record<string, Handler>;
  prefetch: number;
  drainTimeoutMs: number;
  logger: Logger;
  /** How the queue is declared (a service topic's quorum queue, or an instance's classic one). */
  declare: Options.AssertQueue;
  /** Leave the queue when this server closes (a service topic's requests wait for the next server). */
  keepOnClose: boolean;
  /** The bus's current connection, if it has one (the server re-attaches to it after a lost channel). */
  connection: () => ChannelModel | undefined;
  /** Backoff for re-attaching after a failure: from min, doubling, up to max. */
  retryDelayMs: { min: number; max: number };
  /** How long one attempt to declare and consume may take before it is given up and retried. */
  attachTimeoutMs: number;
}

/**
 * One `serve()` on RabbitMQ: a channel of its own consuming the topic's queue with manual acks,
 * so that closing it hands unacknowledged messages back to the broker for the other servers.
 * It outlives channels and connections: when its channel or queue goes (a broker node lost, the
 * queue deleted, a declaration refused) it attaches again on its own, with backoff; when the
 * whole connection goes, the bus attaches it to the new one.
 */
export class AmqpServer {
  private channel: Channel | undefined;
  private consumerTag: string | undefined;
  private readonly inflight = new InFlight();
  private closed = false;
  private closing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay: number;
  private attaching: { generation: number; done: Promise<void> } | undefined;
  /** Bumped when the connection goes: what an attach to the old one brings back is thrown away. */
  private generation = 0;

  constructor(private readonly options: AmqpServerOptions) {
    this.retryDelay = options.retryDelayMs.min;
  }

  get topic(): string {
    return this.options.topic;
  }

  get attached(): boolean {
    return this.channel !== undefined;
  }

  /**
   * Declares the queue and starts consuming on `connection`; on failure tries again later by
   * itself (and says so). Resolves either way: a server is never lost for a broker's refusal.
   */
  async attach(connection: ChannelModel): Promise<void> {
    if (this.closed || this.channel) return;
    const generation = this.generation;
    if (this.attaching?.generation === generation) return this.attaching.done;
    const done: Promise<void> = this.attachOnce(connection, generation)
      .then(
        () => {
          this.retryDelay = this.options.retryDelayMs.min;
        },
        (err: unknown) => {
          if (generation !== this.generation) return; // that connection is gone anyway
          this.options.logger.warn(
            { topic: this.topic, err: (err as Error).message, retryInMs: this.retryDelay },
            "bus could not serve a topic; trying again",
          );
          this.retryLater();
        },
      )
      .finally(() => {
        if (this.attaching?.done === done) this.attaching = undefined;
      });
    this.attaching = { generation, done };
    return done;
  }

  private async attachOnce(connection: ChannelModel, generation: number): Promise<void> {
    const { queue, prefetch, declare } = this.options;
    const deadline = Date.now() + this.options.attachTimeoutMs;
    // When the last server of a topic leaves just as we declare, a queue it deletes can vanish
    // between assertQueue and consume (404 NOT_FOUND, which closes the channel). Try again.
    for (let attempt = 1; ; attempt++) {
      let late = false;
      const opening = connection.createChannel();
      opening.then(
        (c) => (late ? void c.close().catch(() => undefined) : undefined),
        () => undefined,
      );
      const channel = await within(remaining(deadline), "opening a channel", opening, () => (late = true));
      channel.on("error", (err: Error) =>
        this.options.logger.debug({ err: err.message, queue }, "bus server channel error"),
      );
      try {
        // A broker still recovering its queues may take its time (a quorum queue without a
        // leader yet): up to the deadline, then the channel is closed and the attach tried again.
        const consuming = (async () => {
          await channel.prefetch(prefetch);
          await channel.assertQueue(queue, declare);
          return channel.consume(queue, (msg) => this.onMessage(channel, msg), { noAck: false });
        })();
        const { consumerTag } = await within(
          remaining(deadline),
          `serving ${queue}`,
          consuming,
          () => void channel.close().catch(() => undefined),
        );
        if (this.closed || generation !== this.generation) {
          await channel.close().catch(() => undefined);
          return;
        }
        this.channel = channel;
        this.consumerTag = consumerTag;
        channel.on("close", () => this.onChannelClosed(channel));
        return;
      } catch (err) {
        await channel.close().catch(() => undefined);
        if (attempt >= 3) throw err;
      }
    }
  }

  private retryLater(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(delay * 2, this.options.retryDelayMs.max);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const connection = this.options.connection();
      // No connection: the bus attaches every server when it has one again.
      if (connection) void this.attach(connection);
    }, delay);
    this.retryTimer.unref();
  }

  /** The connection is gone (its channels with it); in-flight handlers finish but cannot ack. */
  detach(): void {
    this.generation++;
    this.channel = undefined;
    this.consumerTag = undefined;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  close(): Promise<void> {
    return (this.closing ??= this.stop());
  }

  private async stop(): Promise<void> {
    this.closed = true;
    await this.attaching?.done;
    const { channel, consumerTag } = this;
    this.detach();
    if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => undefined);
    if (!(await this.inflight.drain(this.options.drainTimeoutMs))) {
      this.options.logger.warn(
        { topic: this.topic, running: this.inflight.size },
        "bus server closed with handlers still running; their messages go back to the queue",
      );
    }
    if (channel) {
      // An instance's queue goes with its last server: deleting it ourselves (only when no other
      // server uses it) makes "closed, so calls fail fast" certain once close() resolves. When
      // another server still consumes, the broker refuses and closes the channel.
      if (!this.options.keepOnClose) {
        await channel.deleteQueue(this.options.queue, { ifUnused: true }).catch(() => undefined);
      }
      await channel.close().catch(() => undefined);
    }
  }

  /** Our channel closed while the connection may live on (a refused operation, a queue lost): again. */
  private onChannelClosed(channel: Channel): void {
    if (this.channel !== channel || this.closed) return;
    this.detach();
    this.retryLater();
  }

  private onMessage(channel: Channel, msg: ConsumeMessage | null): void {
    // null: the broker cancelled us (the queue was deleted, or its node was lost). Serve again.
    if (msg === null) {
      if (this.channel === channel && !this.closed) {
        this.options.logger.warn({ topic: this.topic }, "bus topic's queue went away; serving it again");
        this.detach();
        channel.close().catch(() => undefined);
        this.retryLater();
      }
      return;
    }
    const { topic, handlers, logger } = this.options;
    const replyTo = msg.properties.replyTo as string | undefined;
    const correlationId = msg.properties.correlationId as string | undefined;
    const expectsReply = replyTo !== undefined && correlationId !== undefined;
    const work = dispatch(topic, handlers, msg.content.toString("utf8"), logger, expectsReply).then(
      (reply) => {
        try {
          // Reply first, then ack: a crash in between runs the call twice rather than never answering it.
          if (expectsReply) {
            channel.sendToQueue(replyTo, Buffer.from(reply), {
              correlationId,
              contentType: "application/json",
            });
          }
          channel.ack(msg);
        } catch (err) {
          // The channel closed under us; the broker redelivers the message to another server.
          logger.debug({ err, topic }, "bus server could not reply/ack: channel closed");
        }
      },
    );
    this.inflight.track(work);
  }
}

function remaining(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}
