import { CofferError } from "../domain/index.js";
import type { Logger } from "../lib/index.js";
import type { Handler, JsonValue } from "./port.js";
import { decodeRequest, replyFor, unknownMethod } from "./wire.js";

/**
 * The serving side, shared by both buses: decodes a request, runs its handler and returns the
 * reply's JSON text. Never throws. Payloads are never logged, only topic, method and error.
 */
export async function dispatch(
  topic: string,
  handlers: Record<string, Handler>,
  body: string,
  logger: Logger,
  expectsReply: boolean,
): Promise<string> {
  let method = "?";
  try {
    const request = decodeRequest(body);
    method = request.method;
    // Own properties only: "constructor" or "toString" are not methods of a topic.
    const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
    if (!handler) throw unknownMethod(topic, method);
    const result: JsonValue | void = await handler(request.args, { topic, method });
    return replyFor({ result });
  } catch (err) {
    // The caller of a `call` gets the error and decides; a cast's error would otherwise be lost.
    // Errors that are not CofferErrors are bugs or surprises: always worth a warning.
    const level = expectsReply && err instanceof CofferError ? "debug" : "warn";
    logger[level]({ topic, method, err }, "bus handler failed");
    return replyFor({ error: err });
  }
}

/** Promises still running, so that closing can wait for them (up to a bound). */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  get size(): number {
    return this.running.size;
  }

  track(work: Promise<unknown>): void {
    const done: Promise<void> = work.then(
      () => void this.running.delete(done),
      () => void this.running.delete(done),
    );
    this.running.add(done);
  }

  /** Resolves true when all finished, false when `timeoutMs` passed first. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.running.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const all = (async () => {
      while (this.running.size > 0) await Promise.all([...this.running]);
      return true as const;
    })();
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
