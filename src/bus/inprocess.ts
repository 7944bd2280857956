import type { Logger } from "../lib/index.js";
import { InFlight, dispatch } from "./dispatch.js";
import { PendingCalls } from "./pending.js";
import type { CallOptions, Handler, JsonValue, MessageBus, Subscription } from "./port.js";
import { busClosed, callTimeout, checkTopic, encode, noServer, replyFor } from "./wire.js";

/** One served topic of one bus, as the broker sees it. */
interface Server {
  readonly topic: string;
  /** Runs the request (JSON text); `reply` gets the reply's JSON text, if the sender wants one. */
  deliver(body: string, reply?: (text: string) => void): void;
}

/** A request waiting in a service topic's queue for a server. */
interface Waiting {
  body: string;
  reply: ((text: string) => void) | undefined;
  expiresAt: number;
}

/**
 * The in-memory stand-in for RabbitMQ's queues: topic → servers, taken in turn. Two buses over one
 * broker behave like two processes on one RabbitMQ (the embedded shape needs just one). A service
 * topic keeps its queue when its last server leaves: what is sent meanwhile waits for the next.
 */
export class InProcessBroker {
  /** Per topic: its servers, whose turn it is, and (service topics) what waits for a server. */
  private readonly topics = new Map<
    string,
    { servers: Server[]; turn: number; service: boolean; waiting: Waiting[] }
  >();

  attach(server: Server, service = false): void {
    const entry = this.topics.get(server.topic);
    if (!entry) {
      this.topics.set(server.topic, { servers: [server], turn: 0, service, waiting: [] });
      return;
    }
    entry.servers.push(server);
    entry.service ||= service;
    const now = Date.now();
    for (const w of entry.waiting.splice(0)) if (w.expiresAt > now) server.deliver(w.body, w.reply);
  }

  detach(server: Server): void {
    const entry = this.topics.get(server.topic);
    if (!entry) return;
    entry.servers = entry.servers.filter((s) => s !== server);
    if (entry.servers.length === 0 && !entry.service) this.topics.delete(server.topic);
  }

  has(topic: string): boolean {
    return this.topics.has(topic);
  }

  /** Competing consumers: each message goes to one server, in turn. */
  pick(topic: string): Server | undefined {
    const entry = this.topics.get(topic);
    return entry && entry.servers.length > 0 ? entry.servers[entry.turn++ % entry.servers.length] : undefined;
  }

  /** Keeps a request for a service topic's next server; false when the topic has no queue. */
  hold(topic: string, waiting: Waiting): boolean {
    const entry = this.topics.get(topic);
    if (!entry?.service) return false;
    const now = Date.now();
    entry.waiting = entry.waiting.filter((w) => w.expiresAt > now);
    entry.waiting.push(waiting);
    return true;
  }
}

export interface InProcessBusDeps {
  logger: Logger;
  /** Share one broker between buses to model several processes; a bus makes its own otherwise. */
  broker?: InProcessBroker;
  /** Default call timeout (30 s). */
  defaultTimeoutMs?: number;
  /** How long `close()` waits for in-flight handlers (10 s). */
  drainTimeoutMs?: number;
  /** How long a cast waits in a service topic's queue for a server (60 s). */
  castTtlMs?: number;
}

export function createInProcessBroker(): InProcessBroker {
  return new InProcessBroker();
}

export function createInProcessBus(deps: InProcessBusDeps): MessageBus {
  const logger = deps.logger.child({ component: "bus", bus: "inprocess" });
  const broker = deps.broker ?? new InProcessBroker();
  const defaultTimeoutMs = deps.defaultTimeoutMs ?? 30_000;
  const drainTimeoutMs = deps.drainTimeoutMs ?? 10_000;
  const castTtlMs = deps.castTtlMs ?? 60_000;
  const pending = new PendingCalls();
  const subscriptions = new Set<Subscription>();
  let nextId = 0;
  let closing: Promise<void> | undefined;

  /** Hands the message over on a later turn of the event loop, as a network would. */
  function send(topic: string, body: string, ttlMs: number, reply?: (text: string) => void): boolean {
    if (!broker.has(topic)) return false;
    setImmediate(() => {
      // The server may have left meanwhile; like a queue, give the message to another one.
      const target = broker.pick(topic);
      if (target) target.deliver(body, reply);
      else if (!broker.hold(topic, { body, reply, expiresAt: Date.now() + ttlMs }))
        reply?.(replyFor({ error: noServer(topic) }));
    });
    return true;
  }

  function serveOne(topic: string, handlers: Record<string, Handler>, service: boolean): Subscription {
    const inflight = new InFlight();
    const server: Server = {
      topic,
      deliver(body, reply) {
        inflight.track(
          dispatch(topic, handlers, body, logger, reply !== undefined).then((text) => reply?.(text)),
        );
      },
    };
    broker.attach(server, service);
    let closed: Promise<void> | undefined;
    const subscription: Subscription = {
      close: () =>
        (closed ??= (async () => {
          broker.detach(server);
          if (!(await inflight.drain(drainTimeoutMs))) {
            logger.warn({ topic, running: inflight.size }, "bus server closed with handlers still running");
          }
          subscriptions.delete(subscription);
        })()),
    };
    subscriptions.add(subscription);
    return subscription;
  }

  return {
    async call<T>(topic: string, method: string, args: JsonValue = {}, options: CallOptions = {}) {
      if (closing) throw busClosed();
      checkTopic(topic);
      const body = encode({ method, args });
      const id = String(++nextId);
      const timeoutMs = callTimeout(options.timeoutMs, defaultTimeoutMs);
      const result = pending.add(id, topic, method, timeoutMs);
      logger.debug({ topic, method, id }, "bus call");
      if (!send(topic, body, timeoutMs, (text) => pending.settle(id, text)))
        pending.fail(id, noServer(topic));
      return (await result) as T;
    },

    async cast(topic, method, args = {}) {
      if (closing) throw busClosed();
      checkTopic(topic);
      const body = encode({ method, args });
      logger.debug({ topic, method }, "bus cast");
      if (!send(topic, body, castTtlMs)) logger.debug({ topic, method }, "bus cast dropped: no server");
    },

    async serve(topic, handlers, options = {}) {
      if (closing) throw busClosed();
      checkTopic(topic);
      return serveOne(topic, { ...handlers }, options.service === true);
    },

    close() {
      return (closing ??= (async () => {
        await Promise.all([...subscriptions].map((s) => s.close()));
        pending.failAll(busClosed);
      })());
    },
  };
}
