import type { Logger } from "../lib/index.js";
import { Semaphore } from "./serial.js";

interface Entry {
  timer: NodeJS.Timeout | undefined;
  /** When the next beat is due (epoch ms); beats keep their phase instead of drifting. */
  due: number;
}

/**
 * Runs every guest's heartbeat once per interval. Guests get a random phase inside the interval,
 * so that 200 instances make a steady trickle of beats rather than a burst every 5 s; at most
 * `concurrency` beats run at once on the host; a guest's next beat is timed only after its last
 * one finished, so a slow engine never piles beats up.
 */
export class Heartbeats {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly limit: Semaphore;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    concurrency: number,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.limit = new Semaphore(concurrency);
  }

  add(id: string, beat: () => Promise<void>): void {
    if (this.stopped || this.entries.has(id)) return;
    const entry: Entry = { timer: undefined, due: Date.now() + Math.floor(this.random() * this.intervalMs) };
    this.entries.set(id, entry);
    this.schedule(id, entry, beat);
  }

  remove(id: string): void {
    const entry = this.entries.get(id);
    if (entry?.timer) clearTimeout(entry.timer);
    this.entries.delete(id);
  }

  /** No beat starts after this; waits for the ones running. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const id of [...this.entries.keys()]) this.remove(id);
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(id: string, entry: Entry, beat: () => Promise<void>): void {
    entry.timer = setTimeout(
      () => {
        entry.timer = undefined;
        const run = this.limit
          .run(async () => {
            if (this.entries.get(id) === entry) await beat();
          })
          .catch((err: unknown) => this.logger.warn({ err, instanceId: id }, "heartbeat failed"))
          .finally(() => {
            this.inFlight.delete(run);
            if (this.stopped || this.entries.get(id) !== entry) return;
            const now = Date.now();
            // Skip the beats a slow one overran rather than firing them back to back.
            do entry.due += this.intervalMs;
            while (entry.due <= now);
            this.schedule(id, entry, beat);
          });
        this.inFlight.add(run);
      },
      Math.max(0, entry.due - Date.now()),
    );
    entry.timer.unref();
  }
}
