/** Plain JSON: what crosses the bus. Object members may be `undefined` (they are dropped on the wire). */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue | undefined };

export interface HandlerContext {
  topic: string;
  method: string;
}

/** Serves one method of a topic. What it returns (or throws) goes back to the caller of `call`. */
export type Handler = (args: JsonValue, ctx: HandlerContext) => Promise<JsonValue | void>;

export interface CallOptions {
  /** How long to wait for the reply; the bus's default (30 s unless configured) when absent. */
  timeoutMs?: number;
}

export interface ServeOptions {
  /**
   * A service topic: long-lived, well known, and expected back when its servers go (`taskmanager`,
   * `conductor`, `compute.<host>`). Once served, its queue outlives its servers: requests sent while
   * no server runs wait for the next one (until they expire with their call's timeout) instead of
   * failing with BUS_NO_SERVER, and on RabbitMQ it survives the loss of a broker node (a quorum
   * queue). Default false: the topic of one instance's guest agent, whose queue goes with its
   * last server.
   */
  service?: boolean;
}

export interface Subscription {
  /** Stops taking messages for this server, then waits (bounded) for its in-flight handlers. */
  close(): Promise<void>;
}

/**
 * Talks between Coffer's parts on named topics (`taskmanager`, `conductor`, `guestagent.<id>`).
 * See docs/bus.md for the semantics both implementations share.
 */
export interface MessageBus {
  /**
   * Request/response. Resolves with the remote result (`undefined` when the handler returned
   * nothing). Rejects with the remote CofferError (same kind, code, message, retryable), a
   * non-Coffer remote error as UpstreamError `BUS_REMOTE_ERROR`, NotImplementedError
   * `BUS_UNKNOWN_METHOD`, UnavailableError `BUS_NO_SERVER` at once when no one serves the topic,
   * TimeoutError `BUS_TIMEOUT` after `timeoutMs`, UnavailableError `BUS_CLOSED` /
   * `BUS_CONNECTION_LOST` when this bus closes or loses its broker while waiting.
   */
  call<T = unknown>(topic: string, method: string, args?: JsonValue, options?: CallOptions): Promise<T>;
  /** Fire and forget, at most once. Never throws because nobody listens; a handler's error is only logged. */
  cast(topic: string, method: string, args?: JsonValue): Promise<void>;
  /**
   * Starts serving a topic. Several servers on one topic share the work: each message goes to one.
   * A bus that is reconnecting to its broker still takes the server and attaches it once connected.
   */
  serve(topic: string, handlers: Record<string, Handler>, options?: ServeOptions): Promise<Subscription>;
  /** Stops serving, lets in-flight handlers finish (bounded), fails pending calls with UnavailableError. */
  close(): Promise<void>;
}
