import { UnavailableError } from "../domain/index.js";
import { BusCode } from "./wire.js";

/**
 * `work`, or UnavailableError BUS_DISCONNECTED after `ms` (and `onTimeout`, which should close what
 * `work` waits on). A broker that accepts a connection but does not answer on it (still booting,
 * overloaded, a half-open socket) must not hold a reconnect or a serve() forever.
 */
export async function within<T>(
  ms: number,
  what: string,
  work: Promise<T>,
  onTimeout: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new UnavailableError(BusCode.Disconnected, `RabbitMQ did not answer within ${ms} ms (${what})`));
    }, ms);
  });
  work.catch(() => undefined); // settled after the deadline: nobody waits for it any more
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
