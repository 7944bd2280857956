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
  /** Starts serving a topic. Several servers on one topic share the work: each message goes to one. */
  serve(topic: string, handlers: Record<string, Handler>): Promise<Subscription>;
  /** Stops serving, lets in-flight handlers finish (bounded), fails pending calls with UnavailableError. */
  close(): Promise<void>;
}
