import { createServer, type Server } from "node:net";
import { UpstreamError } from "../../domain/index.js";

/**
 * Host-wide claims on instance addresses. Leases live in each compute directory, so two Coffers on
 * one host (each with its own) cannot see each other's; what they share is the kernel. A claim is
 * a listening unix socket in the abstract namespace (`@coffer-address-127.100.0.7`): binding it is
 * atomic across processes, only one process holds a name, and the kernel lets go of it when that
 * process ends, however it ends — so a crash leaves no stale claim. Abstract names belong to a
 * network namespace, as the addresses themselves do.
 *
 * A Coffer holds the claim of every address its compute directory leases for as long as it runs
 * (re-taken at start). While it is stopped, its running engines still hold their ports, which the
 * lease checks also look at (listeners.ts).
 */
export class AddressGuards {
  private readonly held = new Map<string, { owner: string; server: Server }>();

  /**
   * Claims `address` for `owner` (an instance id). True when it is this owner's now (or was); false
   * when another owner in this process or another process holds it.
   */
  async hold(address: string, owner: string): Promise<boolean> {
    const current = this.held.get(address);
    if (current) return current.owner === owner;
    // Whoever connects (nobody should) is hung up on; the claim is the bound name itself.
    const server = createServer((socket) => socket.destroy());
    const bound = await new Promise<boolean>((resolve, reject) => {
      server.once("error", (err: NodeJS.ErrnoException) => {
        if (err.code === "EADDRINUSE") resolve(false);
        else
          reject(
            new UpstreamError("ADDRESS_CLAIM_FAILED", `could not claim address ${address}: ${err.message}`, {
              cause: err,
            }),
          );
      });
      server.listen(claimName(address), () => resolve(true));
    });
    // Refused: another process holds it, or a claim made meanwhile in this one (then it may be ours).
    if (!bound) return this.held.get(address)?.owner === owner;
    server.unref(); // a claim never keeps Coffer from exiting
    this.held.set(address, { owner, server });
    return true;
  }

  /** Lets go of `address` if `owner` holds it. */
  release(address: string, owner: string): void {
    const current = this.held.get(address);
    if (current?.owner !== owner) return;
    this.held.delete(address);
    current.server.close();
  }

  /** Lets go of every claim (a clean stop; an exit does the same). */
  releaseAll(): void {
    for (const { server } of this.held.values()) server.close();
    this.held.clear();
  }

  /** Addresses held, with their owners. */
  owners(): Map<string, string> {
    return new Map([...this.held].map(([address, { owner }]) => [address, owner]));
  }
}

/**
 * This process's claims, shared by its providers. The kernel lets one socket bind a name, so a
 * process holds each claim once, whichever provider asked: a provider made again over the same
 * directory (an adoption test, say) shares them with the first. Creating it opens nothing.
 */
export const processGuards = new AddressGuards();

/** The abstract socket name of an address's claim (a leading NUL: no file, gone with its process). */
export function claimName(address: string): string {
  return `\0coffer-address-${address}`;
}
