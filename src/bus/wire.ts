import {
  CofferError,
  InternalError,
  NotImplementedError,
  TimeoutError,
  UnavailableError,
  UpstreamError,
  ValidationError,
  type SerializedError,
} from "../domain/index.js";
import type { JsonValue } from "./port.js";

/**
 * What travels on the bus, for both implementations: UTF-8 JSON text. The in-process bus sends the
 * same text, so a Date arrives as a string and a class instance as a plain object everywhere.
 */
export interface Request {
  method: string;
  args: JsonValue;
}

export type Reply =
  | { ok: true; result?: JsonValue }
  | { ok: false; coffer: true; error: SerializedError }
  | { ok: false; coffer: false; error: { message: string } };

export const BusCode = {
  BadPayload: "BUS_BAD_PAYLOAD",
  BadMessage: "BUS_BAD_MESSAGE",
  BadTopic: "BUS_BAD_TOPIC",
  BadTimeout: "BUS_BAD_TIMEOUT",
  UnknownMethod: "BUS_UNKNOWN_METHOD",
  RemoteError: "BUS_REMOTE_ERROR",
  NoServer: "BUS_NO_SERVER",
  Timeout: "BUS_TIMEOUT",
  Closed: "BUS_CLOSED",
  Disconnected: "BUS_DISCONNECTED",
  ConnectionLost: "BUS_CONNECTION_LOST",
  PublishFailed: "BUS_PUBLISH_FAILED",
} as const;

/** JSON text of `value`; a value JSON cannot carry (a BigInt, a cycle) is a programming error. */
export function encode(value: Request | Reply): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    throw new InternalError(BusCode.BadPayload, `bus payload is not JSON: ${(err as Error).message}`);
  }
}

export function decodeRequest(text: string): Request {
  const value = parse(text) as Partial<Request> | null;
  if (typeof value !== "object" || value === null || typeof value.method !== "string") {
    throw new InternalError(BusCode.BadMessage, "bus request has no method");
  }
  return { method: value.method, args: value.args ?? null };
}

export function decodeReply(text: string): Reply {
  const value = parse(text) as Reply | null;
  if (typeof value !== "object" || value === null || typeof value.ok !== "boolean") {
    throw new InternalError(BusCode.BadMessage, "bus reply is malformed");
  }
  return value;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InternalError(BusCode.BadMessage, "bus message is not JSON");
  }
}

/** The reply a handler's outcome becomes. Never throws: an unencodable result becomes an error reply. */
export function replyFor(outcome: { result: JsonValue | void } | { error: unknown }): string {
  if ("result" in outcome) {
    try {
      return encode(outcome.result === undefined ? { ok: true } : { ok: true, result: outcome.result });
    } catch (err) {
      return replyFor({ error: err });
    }
  }
  const err = outcome.error;
  if (err instanceof CofferError) {
    try {
      return encode({ ok: false, coffer: true, error: err.toJSON() });
    } catch {
      // details that JSON cannot carry: send the error without them
      const { details: _details, ...rest } = err.toJSON();
      return encode({ ok: false, coffer: true, error: rest });
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return encode({ ok: false, coffer: false, error: { message } });
}

/** The caller's side of a reply: the result, or the remote error rebuilt. */
export function outcomeOf(reply: Reply, topic: string, method: string): JsonValue | undefined {
  if (reply.ok) return reply.result;
  if (reply.coffer) return throwing(CofferError.fromJSON(reply.error));
  return throwing(
    new UpstreamError(BusCode.RemoteError, `${topic}.${method} failed: ${reply.error.message}`),
  );
}

function throwing(err: Error): never {
  throw err;
}

export function checkTopic(topic: string): void {
  // RabbitMQ queue names are at most 255 bytes; leave room for a prefix.
  if (typeof topic !== "string" || topic.length === 0 || Buffer.byteLength(topic) > 200) {
    throw new ValidationError(BusCode.BadTopic, `bad bus topic: ${JSON.stringify(topic)}`);
  }
}

/** Largest delay Node's timers honour (longer ones fire at once). */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** A call's timeout as whole milliseconds (RabbitMQ's expiration must be an integer string). */
export function callTimeout(requested: number | undefined, fallback: number): number {
  const ms = requested ?? fallback;
  if (typeof ms !== "number" || Number.isNaN(ms) || ms <= 0) {
    throw new ValidationError(BusCode.BadTimeout, `bad bus call timeout: ${String(ms)}`);
  }
  return Math.min(Math.ceil(ms), MAX_TIMEOUT_MS);
}

export const unknownMethod = (topic: string, method: string): CofferError =>
  new NotImplementedError(BusCode.UnknownMethod, `topic ${topic} has no method ${method}`);
export const noServer = (topic: string): CofferError =>
  new UnavailableError(BusCode.NoServer, `no server is listening on bus topic ${topic}`);
export const timedOut = (topic: string, method: string, ms: number): CofferError =>
  new TimeoutError(BusCode.Timeout, `no reply from ${topic}.${method} within ${ms} ms`);
export const busClosed = (): CofferError => new UnavailableError(BusCode.Closed, "the message bus is closed");
