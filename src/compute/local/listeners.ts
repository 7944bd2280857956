import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { endianness } from "node:os";

/**
 * What listens on this host (its network namespace), for the address pool: an address on which
 * any program listens, or on which an engine's port cannot be bound, is not leased.
 */

export interface Listener {
  /** IPv4 dotted quad; "0.0.0.0" for every IPv4 address, "::" for every address of both kinds. */
  address: string;
  port: number;
}

const LISTEN = "0A"; // TCP_LISTEN in /proc/net/tcp's "st" column

/** The TCP sockets in LISTEN state, IPv4 and IPv4-mapped IPv6 ones, from /proc/net/tcp{,6}. */
export async function readListeners(procNet = "/proc/net"): Promise<Listener[]> {
  const out: Listener[] = [];
  for (const [file, parse] of [
    ["tcp", parseV4],
    ["tcp6", parseV6],
  ] as const) {
    const text = await readFile(`${procNet}/${file}`, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== LISTEN || !local) continue;
      const [hex, port] = local.split(":");
      const address = parse(hex ?? "");
      if (address !== undefined) out.push({ address, port: parseInt(port ?? "", 16) });
    }
  }
  return out;
}

/** The kernel prints each 32-bit word of an address in the host's byte order. */
function word(hex: string): number[] {
  const n = parseInt(hex, 16);
  const bytes = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return endianness() === "LE" ? bytes.reverse() : bytes;
}

export function parseV4(hex: string): string | undefined {
  return hex.length === 8 ? word(hex).join(".") : undefined;
}

/** "::" (every address), an IPv4-mapped address (::ffff:a.b.c.d) as a.b.c.d, else nothing of ours. */
export function parseV6(hex: string): string | undefined {
  if (hex.length !== 32) return undefined;
  const words = [0, 8, 16, 24].map((i) => word(hex.slice(i, i + 8)));
  const flat = words.flat();
  if (flat.every((b) => b === 0)) return "::";
  const mapped = flat.slice(0, 10).every((b) => b === 0) && flat[10] === 255 && flat[11] === 255;
  return mapped ? words[3]!.join(".") : undefined;
}

/**
 * Whether `port` can be bound on `address` now: false when something holds it (there, or on every
 * address). A bind the kernel refuses for another reason (a port below 1024 when not root) tells
 * nothing about other programs: true.
 */
export function canBind(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => resolve(err.code !== "EADDRINUSE"));
    probe.listen({ host: address, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
