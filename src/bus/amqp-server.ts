import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import type { Logger } from "../lib/index.js";
import { InFlight, dispatch } from "./dispatch.js";
import type { Handler } from "./port.js";

export interface AmqpServerOptions {
  topic: string;
  queue: string;
  handlers: Record<string, Handler>;
  prefetch: number;
  drainTimeoutMs: number;
  logger: Logger;
  /** Called when the channel dies while the connection lives on; the bus then reconnects. */
  onChannelLost: () => void;
}

/**
 * One `serve()` on RabbitMQ: a channel of its own consuming the topic's queue with manual acks,
 * so that closing it hands unacknowledged messages back to the broker for the other servers.
 * It outlives connections: after a reconnect the bus attaches it to the new one.
 */
export class AmqpServer {
  private channel: Channel | undefined;
  private consumerTag: string | undefined;
  private readonly inflight = new InFlight();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: AmqpServerOptions) {}

  get topic(): string {
    return this.options.topic;
  }

  /** Declares the queue and starts consuming on `connection`. */
  async attach(connection: ChannelModel): Promise<void> {
    if (this.closed) return; // closed while the bus was reconnecting
    const { queue, prefetch } = this.options;
    // When the last server of a topic leaves just as we declare, the auto-deleted queue can vanish
    // between assertQueue and consume (404 NOT_FOUND, which closes the channel). Try again.
    for (let attempt = 1; ; attempt++) {
      const channel = await connection.createChannel();
      channel.on("error", (err: Error) =>
        this.options.logger.debug({ err, queue }, "bus server channel error"),
      );
      try {
        await channel.prefetch(prefetch);
        // Not durable and auto-deleted: a message is a wake-up or a call whose caller is waiting, not
        // a record (the database holds those). A topic nobody serves has no queue, so a call to it
        // comes back unroutable at once instead of waiting for a server that may never come.
        await channel.assertQueue(queue, { durable: false, autoDelete: true });
        const { consumerTag } = await channel.consume(queue, (msg) => this.onMessage(channel, msg), {
          noAck: false,
        });
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

  /** The connection is gone (its channels with it); in-flight handlers finish but cannot ack. */
  detach(): void {
    this.channel = undefined;
    this.consumerTag = undefined;
  }

  close(): Promise<void> {
    return (this.closing ??= this.stop());
  }

  private async stop(): Promise<void> {
    this.closed = true;
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
      // Auto-delete happens just after the last cancel is acknowledged, not before; deleting the queue
      // ourselves (only when no other server uses it) makes "closed, so calls fail fast" certain once
      // close() resolves. When another server still consumes, the broker refuses and closes the channel.
      await channel.deleteQueue(this.options.queue, { ifUnused: true }).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
  }

  private onChannelClosed(channel: Channel): void {
    if (this.channel !== channel || this.closed) return;
    this.detach();
    this.options.onChannelLost();
  }

  private onMessage(channel: Channel, msg: ConsumeMessage | null): void {
    // null: the broker cancelled us (the queue was deleted). Treat it like a lost channel.
    if (msg === null) {
      if (this.channel === channel && !this.closed) {
        this.detach();
        this.options.onChannelLost();
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
