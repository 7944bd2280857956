import { mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { UnavailableError, ValidationError } from "../../domain/index.js";
import { AddressGuards } from "./address-guard.js";
import { canBind, readListeners } from "./listeners.js";
import { isMissing } from "./proc.js";

const LOOPBACK = { network: ipToInt("127.0.0.0"), prefix: 8 };
const RESERVED = new Set([ipToInt("127.0.0.1")]);

export function ipToInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return NaN;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export interface AddressRange {
  first: number;
  last: number;
}

/**
 * The usable addresses of a pool like "127.100.0.0/16": inside 127.0.0.0/8 (which answers on
 * loopback without any set-up), without the network and broadcast addresses.
 */
export function parsePool(cidr: string): AddressRange {
  const { network, range } = parseCidr(cidr, 8, 30);
  if ((network & 0xff000000) >>> 0 !== LOOPBACK.network) {
    throw new ValidationError("INVALID_ADDRESS_POOL", `address pool "${cidr}" is not inside 127.0.0.0/8`);
  }
  return range;
}

/**
 * A public pool like "203.0.113.16/28": addresses the operator routes to this host (or free ones
 * of its own network). Never loopback, "this network", multicast or reserved space; a /31 or /32
 * has no network and broadcast address to leave out.
 */
export function parsePublicPool(cidr: string): AddressRange {
  const { network, range } = parseCidr(cidr, 16, 32);
  const top = network >>> 24;
  if (top === 0 || top === 127 || top >= 224) {
    throw new ValidationError(
      "INVALID_ADDRESS_POOL",
      `public address pool "${cidr}" is not routable (loopback, 0/8, multicast or reserved)`,
    );
  }
  return range;
}

function parseCidr(cidr: string, minPrefix: number, maxPrefix: number) {
  const [ip, bits, ...rest] = cidr.split("/");
  const prefix = Number(bits);
  const base = ipToInt(ip ?? "");
  if (
    rest.length > 0 ||
    Number.isNaN(base) ||
    !Number.isInteger(prefix) ||
    prefix < minPrefix ||
    prefix > maxPrefix
  ) {
    throw new ValidationError(
      "INVALID_ADDRESS_POOL",
      `address pool "${cidr}" is not an IPv4 CIDR from /${minPrefix} to /${maxPrefix}`,
    );
  }
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const network = (base & mask) >>> 0;
  const broadcast = (network | (~mask >>> 0)) >>> 0;
  const range =
    prefix >= 31 ? { first: network, last: broadcast } : { first: network + 1, last: broadcast - 1 };
  return { network, range };
}

export interface AddressPoolOptions {
  /** The host-wide claims this process holds (address-guard.ts); share one per compute dir. Default: its own. */
  guards?: AddressGuards;
  /**
   * Skip addresses where one of the engine's ports cannot be bound (another program listens
   * there). Default true; off for public pools, whose addresses are on no interface until leased.
   */
  checkPorts?: boolean;
}

/**
 * Hands out one address per instance. A lease is a file named after the address whose content is
 * the instance id, created with O_EXCL: two provisions (in this process or another) never get the
 * same address, and leases survive restarts. Other compute directories on the host (another
 * Coffer's) and other programs are seen through the kernel: an address is leased only when this
 * process can claim it host-wide (AddressGuards) and each of the engine's ports can be bound there.
 * (A program listening there on some other port does not stop the engine. Reading the host's
 * listening sockets, /proc/net/tcp, costs 20–50 ms on a busy host: too much for every create.)
 */
export class AddressPool {
  private readonly range: AddressRange;
  private readonly guards: AddressGuards;
  private readonly checkPorts: boolean;

  /** `pool`: a loopback CIDR, or a range already checked (parsePublicPool). */
  constructor(
    private readonly dir: string,
    pool: string | AddressRange,
    options: AddressPoolOptions = {},
  ) {
    this.range = typeof pool === "string" ? parsePool(pool) : pool;
    this.guards = options.guards ?? new AddressGuards();
    this.checkPorts = options.checkPorts ?? true;
  }

  /**
   * The address leased to `instanceId`, leasing the lowest free one if it has none. `ports`: the
   * TCP ports its engine will listen on there.
   */
  async lease(instanceId: string, ports: readonly number[] = []): Promise<string> {
    const leases = await this.leases();
    const held = [...leases].find(([, owner]) => owner === instanceId);
    if (held) {
      // Already this instance's (a repeated provision): its claim, if it can still be had.
      await this.guards.hold(held[0], instanceId);
      return held[0];
    }
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    const skipped = { claimed: 0, inUse: 0 };
    for (let n = this.range.first; n <= this.range.last; n++) {
      const address = intToIp(n);
      if (RESERVED.has(n) || leases.has(address)) continue;
      if (!(await this.guards.hold(address, instanceId))) {
        skipped.claimed++; // another Coffer on this host leased it
        continue;
      }
      const taken = this.checkPorts ? await firstTaken(address, ports) : undefined;
      if (taken !== undefined) {
        this.guards.release(address, instanceId);
        await refuseIfTakenEverywhere(address, taken);
        skipped.inUse++;
        continue;
      }
      try {
        const file = await open(join(this.dir, address), "wx", 0o644);
        await file.writeFile(instanceId);
        await file.close();
        return address;
      } catch (err) {
        this.guards.release(address, instanceId);
        if ((err as NodeJS.ErrnoException).code === "EEXIST") continue; // taken meanwhile
        throw err;
      }
    }
    const others =
      skipped.claimed + skipped.inUse > 0
        ? ` (${skipped.claimed} held by other Coffers on this host, ${skipped.inUse} in use by other programs)`
        : "";
    throw new UnavailableError(
      "COMPUTE_ADDRESS_POOL_EXHAUSTED",
      `no free address left in the address pool${others}`,
      { retryable: false, details: skipped },
    );
  }

  /**
   * Claims, host-wide, every address this directory leases (at start: the claims ended with the
   * last process). Returns the leases another process holds the claim of (leased meanwhile by
   * another Coffer, while this one was stopped).
   */
  async claimAll(): Promise<{ address: string; instanceId: string }[]> {
    const lost: { address: string; instanceId: string }[] = [];
    for (const [address, instanceId] of await this.leases()) {
      if (instanceId && !(await this.guards.hold(address, instanceId))) lost.push({ address, instanceId });
    }
    return lost;
  }

  /** Lets go of the host-wide claims of this directory's leases (a clean stop); the leases stay. */
  async releaseClaims(): Promise<void> {
    for (const [address, instanceId] of await this.leases()) this.guards.release(address, instanceId);
  }

  /** Frees the addresses leased to `instanceId` (only those: a reused address belongs to someone else). */
  async release(instanceId: string): Promise<void> {
    for (const [address, owner] of await this.leases()) {
      if (owner !== instanceId) continue;
      await unlink(join(this.dir, address)).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
      this.guards.release(address, instanceId);
    }
  }

  /** address → instance id. A lease whose file is still empty (being written) reads as "". */
  async leases(): Promise<Map<string, string>> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isMissing(err)) return new Map();
      throw err;
    }
    const out = new Map<string, string>();
    for (const name of names) {
      if (Number.isNaN(ipToInt(name))) continue;
      try {
        out.set(name, (await readFile(join(this.dir, name), "utf8")).trim());
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    return out;
  }
}

/** The first of `ports` that cannot be bound on `address`. */
async function firstTaken(address: string, ports: readonly number[]): Promise<number | undefined> {
  for (const port of ports) if (!(await canBind(address, port))) return port;
  return undefined;
}

/**
 * A port that cannot be bound on an address nothing listens on is held on every address (a
 * program listening on 0.0.0.0 or ::): no address of the pool would do, so say so at once rather
 * than try them all. (Only on this rare path are the host's listeners read.)
 */
async function refuseIfTakenEverywhere(address: string, port: number): Promise<void> {
  const listeners = await readListeners();
  if (listeners.some((l) => l.address === address)) return; // taken here only (just now)
  const wildcard = listeners.find((l) => l.port === port && (l.address === "0.0.0.0" || l.address === "::"));
  if (!wildcard) return;
  throw new UnavailableError(
    "COMPUTE_PORT_IN_USE",
    `port ${port} is in use on every address of this host (another program listens on ${wildcard.address === "::" ? "[::]" : "0.0.0.0"}:${port}), so no instance address can have it`,
    { retryable: false, details: { port } },
  );
}
