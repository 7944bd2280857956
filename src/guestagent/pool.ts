import { randomUUID } from "node:crypto";
import type { AdoptedInstance, ComputeProvider, InstancePlacement } from "../compute/index.js";
import type { Logger } from "../lib/index.js";
import type { GuestContext } from "./context.js";
import { GuestAgent } from "./guest-agent.js";
import { PoolRecords, type PoolMember } from "./pool-records.js";
import { prepare } from "./prepare.js";
import { poolKey, type PooledInstance, type PoolShape } from "./rpc.js";

/** A configured warm pool: its shape and how many unclaimed engines to keep started. */
export type PoolSpec = PoolShape & { size: number };

export interface WarmPoolDeps {
  provider: ComputeProvider;
  /** The guest context, with a conductor that reports nowhere (members have no instance row yet). */
  context: GuestContext;
  /** Where the members' records live (`<agent root>/pool`). */
  dir: string;
  hostName: string;
  specs: readonly PoolSpec[];
  /** Destroys an instance on this host (the host agent's destroy: engine, volume, files). */
  destroy(id: string): Promise<void>;
  logger: Logger;
  newId?: () => string;
  /** A claim that no provision confirms within this is destroyed. Default 10 minutes. */
  claimTtlMs?: number;
  /** After a failed warm-up, the pool tries again this much later. Default 30 s. */
  retryMs?: number;
  /**
   * How long after a claim the refill starts. Default 2 s: the claimed engine's databases and
   * users are made in the first few hundred ms, and a refill (a template copy and an engine start)
   * competing with them for the host's cores would slow down the very create the pool serves.
   */
  refillDelayMs?: number;
}

/**
 * Warm pools of one host: per shape (engine installation, flavor, volume size), `size` instances
 * provisioned, prepared and started exactly as a cold create makes them, but with no databases,
 * no users and no instance row. A create takes one (`claim`): the member's id becomes the
 * instance's id and its address the instance's address, and the create's usual provision and
 * prepare then find the placement made and the engine running, and only add the requested
 * databases and users. Nothing a member holds has been seen by anyone: its admin password was
 * generated for it alone, and it never served a user. The pool refills in the background, one
 * member at a time, so that refilling never competes much with the creates it serves.
 */
export class WarmPool {
  private readonly records: PoolRecords;
  private readonly members = new Map<string, PoolMember>();
  /** The members' placements (made at warm-up, or found at start), handed over at confirm. */
  private readonly placements = new Map<string, InstancePlacement>();
  private readonly specs: Map<string, PoolSpec>;
  private filling: Promise<void> | undefined;
  private fillAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly deps: WarmPoolDeps) {
    this.records = new PoolRecords(deps.dir);
    this.specs = new Map(deps.specs.filter((s) => s.size > 0).map((s) => [poolKey(s), s]));
    this.log = deps.logger.child({ component: "warmpool" });
  }

  /** Whether this id is a member (any state): the host agent does not adopt members as instances. */
  holds(id: string): boolean {
    return this.members.has(id);
  }

  /**
   * Takes the records back after a restart: ready members whose engine still runs stay ready,
   * claims stay claimed (their create may still confirm them), anything else is destroyed. Then
   * starts filling. Returns the ids the pool holds.
   */
  async start(found: readonly AdoptedInstance[]): Promise<Set<string>> {
    const running = new Map(found.map((f) => [f.placement.instanceId, f.process.running && !f.problem]));
    for (const f of found) this.placements.set(f.placement.instanceId, f.placement);
    for (const member of await this.records.all()) {
      this.members.set(member.id, member);
      const keep =
        member.state === "claimed" ||
        (member.state === "ready" && this.specs.has(member.key) && running.get(member.id) === true);
      if (!keep) await this.discard(member, "not usable after a restart");
    }
    this.timer = setInterval(() => void this.sweep(), 60_000);
    this.timer.unref();
    this.fill();
    return new Set(this.members.keys());
  }

  /** A ready member of this shape, now reserved for the caller; null when the pool has none. */
  async claim(shape: PoolShape): Promise<PooledInstance | null> {
    const key = poolKey(shape);
    const member = [...this.members.values()].find((m) => m.key === key && m.state === "ready");
    if (!member || this.stopped) return null;
    member.state = "claimed";
    member.claimedAt = Date.now();
    try {
      await this.records.save(member);
    } catch (err) {
      member.state = "ready";
      throw err;
    }
    this.log.info({ instanceId: member.id, key }, "instance claimed from the warm pool");
    setTimeout(() => this.fill(), this.deps.refillDelayMs ?? 2000).unref();
    return { instanceId: member.id, host: this.deps.hostName, address: member.address };
  }

  /**
   * The create's provision: a claimed member becomes an ordinary instance of this host. Returns
   * its placement (made and restored already), or undefined when `id` is not a claimed member.
   */
  async confirm(id: string): Promise<InstancePlacement | undefined> {
    const member = this.members.get(id);
    if (member?.state !== "claimed") return undefined;
    await this.records.remove(id);
    this.members.delete(id);
    const placement = this.placements.get(id);
    this.placements.delete(id);
    return placement;
  }

  /** The create that claimed it failed before using it: back to the pool, untouched. */
  async release(id: string): Promise<void> {
    const member = this.members.get(id);
    if (member?.state !== "claimed") return;
    member.state = "ready";
    delete member.claimedAt;
    await this.records.save(member);
  }

  /** The instance is being destroyed: forget it (the caller removes what it holds). */
  async forget(id: string): Promise<void> {
    this.placements.delete(id);
    if (!this.members.delete(id)) return;
    await this.records.remove(id);
    this.fill();
  }

  /**
   * A clean stop: no member is made any more, and the unclaimed ones — engines that never served
   * anyone — are destroyed, as the provider removes its spare volumes: a Coffer that is not started
   * again here would leave them running for good, and one that is refills the pool in the
   * background. Claimed members stay: a create holds each, and its task confirms it after the next
   * start (or the claim lapses and the member is destroyed then). A crash keeps every member; the
   * next start takes back the ready ones that still run.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.filling;
    for (const member of [...this.members.values()]) {
      if (member.state === "claimed") continue;
      await this.discard(member, "Coffer is stopping").catch((err: unknown) =>
        this.log.error({ err, instanceId: member.id }, "could not remove a pool member"),
      );
    }
  }

  /** Members per state, for logs and the benchmark. */
  counts(): Record<PoolMember["state"], number> {
    const counts = { warming: 0, ready: 0, claimed: 0 };
    for (const m of this.members.values()) counts[m.state]++;
    return counts;
  }

  /** Starts filling unless a fill runs (then it looks again when done). */
  private fill(): void {
    if (this.stopped) return;
    if (this.filling) {
      this.fillAgain = true;
      return;
    }
    this.filling = this.fillLoop()
      .catch((err: unknown) => {
        this.log.error({ err }, "warming a pool member failed; trying again later");
        setTimeout(() => this.fill(), this.deps.retryMs ?? 30_000).unref();
      })
      .finally(() => (this.filling = undefined));
  }

  private async fillLoop(): Promise<void> {
    do {
      this.fillAgain = false;
      for (;;) {
        if (this.stopped) return;
        const spec = [...this.specs.entries()].find(([key, s]) => this.unclaimed(key) < s.size);
        if (!spec) break;
        await this.warm(spec[0], spec[1]);
      }
    } while (this.fillAgain);
  }

  private unclaimed(key: string): number {
    return [...this.members.values()].filter((m) => m.key === key && m.state !== "claimed").length;
  }

  /** Provisions and prepares one member, exactly as a create would, with no databases or users. */
  private async warm(key: string, spec: PoolSpec): Promise<void> {
    const id = (this.deps.newId ?? randomUUID)();
    const { size: _size, ...shape } = spec;
    const member: PoolMember = { id, key, spec: shape, address: "", state: "warming" };
    this.members.set(id, member);
    await this.records.save(member);
    const began = performance.now();
    try {
      const placement = await this.deps.provider.provision({
        instanceId: id,
        volumeSizeGb: spec.volumeSizeGb,
        ramMb: spec.ramMb,
        vcpus: spec.vcpus,
        isPublic: false,
        // The engine's port: an address where it is taken is not leased.
        ports: [this.deps.context.engineFor(shape.manager).capabilities.defaultPort],
      });
      const agent = new GuestAgent(this.deps.context, placement, undefined);
      await prepare(agent, { instanceId: id, ...shape, databases: [], users: [], overrides: {} });
      member.address = placement.address;
      member.state = "ready";
      this.placements.set(id, placement);
      await this.records.save(member);
    } catch (err) {
      await this.discard(member, "warming failed");
      throw err;
    }
    this.log.info({ instanceId: id, key, ms: Math.round(performance.now() - began) }, "pool member ready");
  }

  private async discard(member: PoolMember, why: string): Promise<void> {
    this.log.info({ instanceId: member.id, state: member.state, why }, "removing a pool member");
    this.members.delete(member.id);
    this.placements.delete(member.id);
    await this.deps.destroy(member.id);
    await this.records.remove(member.id);
  }

  /** Claims that no create confirmed in time (its API process died, say) are destroyed. */
  private async sweep(): Promise<void> {
    const limit = Date.now() - (this.deps.claimTtlMs ?? 10 * 60_000);
    for (const member of [...this.members.values()]) {
      if (member.state !== "claimed" || (member.claimedAt ?? 0) > limit) continue;
      await this.discard(member, "claimed and never used").catch((err: unknown) =>
        this.log.error({ err, instanceId: member.id }, "could not remove a stale pool claim"),
      );
    }
    this.fill();
  }
}
