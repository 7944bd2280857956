/**
 * One operation at a time, in arrival order (a per-instance mutex). `tryRun` is for work that
 * may be skipped when something else holds the instance: a heartbeat must not report "crashed"
 * while a restart has the engine stopped, and the running operation reports for itself anyway.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  private held = 0;

  get busy(): boolean {
    return this.held > 0;
  }

  run<T>(operation: () => Promise<T>): Promise<T> {
    this.held++;
    const current = this.tail.then(operation, operation).finally(() => this.held--);
    this.tail = current.catch(() => undefined);
    return current;
  }

  /** Runs now if nothing holds or waits for the instance; otherwise returns undefined at once. */
  async tryRun<T>(operation: () => Promise<T>): Promise<T | undefined> {
    if (this.held > 0) return undefined;
    return this.run(operation);
  }
}

/** At most `limit` operations at once across many keys (heartbeats of a whole host). */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await operation();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** A `Serial` per key, dropped when idle (provision and destroy of one instance never interleave). */
export class KeyedSerial {
  private readonly serials = new Map<string, Serial>();

  async run<T>(key: string, operation: () => Promise<T>): Promise<T> {
    let serial = this.serials.get(key);
    if (!serial) {
      serial = new Serial();
      this.serials.set(key, serial);
    }
    try {
      return await serial.run(operation);
    } finally {
      if (!serial.busy && this.serials.get(key) === serial) this.serials.delete(key);
    }
  }
}
