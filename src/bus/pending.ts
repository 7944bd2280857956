import type { CofferError } from "../domain/index.js";
import { decodeReply, outcomeOf, timedOut } from "./wire.js";

interface Entry {
  topic: string;
  method: string;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout;
}

/** The calls a bus waits replies for, by correlation id. Each settles exactly once. */
export class PendingCalls {
  private readonly entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  /** Registers a call; it rejects with TimeoutError `BUS_TIMEOUT` unless settled within `timeoutMs`. */
  add(id: string, topic: string, method: string, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(id, timedOut(topic, method, timeoutMs)), timeoutMs);
      this.entries.set(id, { topic, method, resolve, reject, timer });
    });
  }

  /** Settles a call with the reply's JSON text. False when no call waits (late or duplicate reply). */
  settle(id: string, replyText: string): boolean {
    const entry = this.take(id);
    if (!entry) return false;
    try {
      entry.resolve(outcomeOf(decodeReply(replyText), entry.topic, entry.method));
    } catch (err) {
      entry.reject(err);
    }
    return true;
  }

  fail(id: string, err: CofferError): void {
    this.take(id)?.reject(err);
  }

  failAll(err: () => CofferError): void {
    for (const id of [...this.entries.keys()]) this.fail(id, err());
  }

  private take(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    clearTimeout(entry.timer);
    return entry;
  }
}
