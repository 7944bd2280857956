import { join } from "node:path";
import { isIpv4Cidr, ValidationError } from "../../domain/index.js";
import type { Logger } from "../../lib/index.js";
import type { InstanceAccess } from "../types.js";
import type { AddressGuards } from "./address-guard.js";
import { AddressPool, parsePublicPool } from "./addresses.js";
import { hostCommand } from "./commands.js";

/**
 * Public addresses (`access.is_public`). An address from the operator's public pool is added to
 * the operator's interface as a /32, so the host answers for it (ARP included) and the engine can
 * listen on it beside its loopback address. Before the address appears, an nftables table of the
 * instance's own lets in, on that address, only the engine's ports from `allowed_cidrs` (anyone
 * when empty) and nothing else: services of the host that listen on every address stay out of
 * reach through it (`nft list table ip coffer_<id>` shows it). Both are kernel state: they
 * outlive Coffer like the engines do, and vanish with a reboot, after which `ensure` puts them back.
 */
export class PublicAddresses {
  readonly leases: AddressPool;

  constructor(
    rootDir: string,
    pool: string,
    private readonly iface: string,
    private readonly logger: Logger,
    guards: AddressGuards,
  ) {
    this.leases = new AddressPool(join(rootDir, "public-addresses"), parsePublicPool(pool), {
      guards,
      checkPorts: false,
    });
  }

  releaseClaims(): Promise<void> {
    return this.leases.releaseClaims();
  }

  /** The host-wide claims of the public addresses leased here (at start); see AddressPool.claimAll. */
  claimAll(): ReturnType<AddressPool["claimAll"]> {
    return this.leases.claimAll();
  }

  /** Whether the interface exists and nftables works; returns why not, or undefined. */
  async problem(): Promise<string | undefined> {
    try {
      await hostCommand("ip", ["-o", "link", "show", "dev", this.iface], 10_000);
    } catch {
      return `no network interface "${this.iface}"`;
    }
    const probe = `coffer_probe_${process.pid}`;
    try {
      await nft(`table ip ${probe} {\n}\n`);
      await nft(dropTableScript(probe));
    } catch (err) {
      return `nftables does not work here: ${err instanceof Error ? err.message : String(err)}`;
    }
    return undefined;
  }

  /** Leases the instance's public address (the one it has, if any) and makes it reachable as `access` says. */
  async ensure(id: string, access: InstanceAccess): Promise<string> {
    const address = await this.leases.lease(id);
    // The filter first: the address is never up without it.
    await nft(firewallScript(tableOf(id), address, access));
    await hostCommand("ip", ["-4", "addr", "replace", `${address}/32`, "dev", this.iface]);
    return address;
  }

  /** Takes the instance's public address away, its filter after it, and frees the lease. Idempotent. */
  async remove(id: string): Promise<void> {
    for (const [address, owner] of await this.leases.leases()) {
      if (owner === id) await this.detach(address);
    }
    await nft(dropTableScript(tableOf(id)));
    await this.leases.release(id);
  }

  private async detach(address: string): Promise<void> {
    try {
      await hostCommand("ip", ["-4", "addr", "del", `${address}/32`, "dev", this.iface]);
    } catch (err) {
      const held = await hostCommand("ip", ["-4", "-o", "addr", "show", "dev", this.iface]);
      if (held.stdout.includes(` ${address}/32 `)) throw err;
      this.logger.debug({ address }, "public address was not on the interface");
    }
  }
}

/** Values go into an nft script: only what is certainly a CIDR or a port number gets there. */
export function checkAccess(access: InstanceAccess): void {
  if (!access.allowedCidrs.every(isIpv4Cidr)) {
    throw new ValidationError("INVALID_CIDR", `not IPv4 CIDRs: ${JSON.stringify(access.allowedCidrs)}`);
  }
  if (!access.ports.every((p) => Number.isInteger(p) && p > 0 && p < 65536)) {
    throw new ValidationError("INVALID_PORT", `ports must be TCP port numbers: ${access.ports.join(", ")}`);
  }
}

/** One nftables table per instance: its name is the instance id in nft's identifier alphabet. */
export function tableOf(id: string): string {
  return `coffer_${id.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/**
 * The instance's filter as one nft script: declaring, deleting and declaring the table again
 * replaces it in one atomic transaction (no moment without a filter, none with two).
 */
export function firewallScript(table: string, address: string, access: InstanceAccess): string {
  checkAccess(access);
  const from = access.allowedCidrs.length > 0 ? ` ip saddr { ${access.allowedCidrs.join(", ")} }` : "";
  const ports = access.ports.length > 0 ? access.ports.join(", ") : "0";
  return [
    `table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    "  chain input {",
    "    type filter hook input priority 0; policy accept;",
    `    ip daddr ${address} ct state established,related accept`,
    `    ip daddr ${address} tcp dport { ${ports} }${from} accept`,
    `    ip daddr ${address} icmp type echo-request${from} accept`,
    `    ip daddr ${address} meta l4proto tcp reject with tcp reset`,
    `    ip daddr ${address} drop`,
    "  }",
    "}",
    "",
  ].join("\n");
}

function dropTableScript(table: string): string {
  return `table ip ${table}\ndelete table ip ${table}\n`;
}

/** Applies a script as one nft transaction (all of it or nothing). */
async function nft(script: string): Promise<void> {
  await hostCommand("nft", ["-f", "-"], 30_000, script);
}
