import { NotFoundError, QuotaExceededError, ValidationError } from "../domain/index.js";
import type { Repositories, Store } from "../store/index.js";

/**
 * Per-project quotas, as Trove keeps them (trove-api.md §7.1): a default hard limit per resource
 * (configuration), overridable per project by an admin; usage moves reserve → commit (the
 * resource now exists) or release (it was not created); `free` gives back what a deleted resource
 * held. The store's conditional `reserve` makes racing requests unable to pass a limit together.
 */

export const QUOTA_RESOURCES = ["instances", "ram", "backups", "volumes"] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];
export type QuotaLimits = Record<QuotaResource, number>;
/** Changes of usage: positive to take, negative to give back (a smaller flavor, a deleted backup). */
export type QuotaDeltas = Partial<Record<QuotaResource, number>>;

export interface Reservation {
  readonly projectId: string;
  readonly deltas: Readonly<QuotaDeltas>;
}

export interface QuotaUsageView {
  resource: QuotaResource;
  inUse: number;
  reserved: number;
  limit: number;
}

export function isQuotaResource(name: string): name is QuotaResource {
  return (QUOTA_RESOURCES as readonly string[]).includes(name);
}

export class QuotaService {
  constructor(private readonly deps: { store: Store; defaults: Readonly<QuotaLimits> }) {}

  defaults(): QuotaLimits {
    return { ...this.deps.defaults };
  }

  /** The project's hard limits: its overrides over the defaults; -1 is unlimited. */
  async limits(projectId: string, repos: Repositories = this.deps.store): Promise<QuotaLimits> {
    const limits = this.defaults();
    for (const row of await repos.quotas.list(projectId)) {
      if (isQuotaResource(row.resource)) limits[row.resource] = row.hardLimit;
    }
    return limits;
  }

  async usage(projectId: string): Promise<QuotaUsageView[]> {
    const limits = await this.limits(projectId);
    const usages = await this.deps.store.quotaUsages.list(projectId);
    return QUOTA_RESOURCES.map((resource) => {
      const u = usages.find((x) => x.resource === resource);
      return { resource, inUse: u?.inUse ?? 0, reserved: u?.reserved ?? 0, limit: limits[resource] };
    });
  }

  /**
   * Sets hard limits from Trove's `{"quotas": {...}}` body: `null` values are skipped, an unknown
   * resource is 404, anything but an integer ≥ -1 is 400. Resolves the limits that were set.
   */
  async setLimits(projectId: string, changes: Record<string, unknown>): Promise<Partial<QuotaLimits>> {
    const set: Partial<QuotaLimits> = {};
    for (const [resource, value] of Object.entries(changes)) {
      if (value === null || value === undefined) continue;
      if (!isQuotaResource(resource)) {
        throw new NotFoundError("QUOTA_RESOURCE_UNKNOWN", `Unknown quota resources ['${resource}'].`);
      }
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < -1) {
        throw new ValidationError("QUOTA_INVALID", `Quota limit for ${resource} must be an integer >= -1.`);
      }
      set[resource] = value;
    }
    await this.deps.store.transaction(async (tx) => {
      for (const [resource, hardLimit] of Object.entries(set)) {
        await tx.quotas.set({ projectId, resource, hardLimit });
      }
    });
    return set;
  }

  /**
   * Reserves the positive deltas, all or none: 413 `overLimit` naming every resource that would
   * pass its limit. Pass `repos` to reserve inside the caller's transaction.
   */
  async reserve(projectId: string, deltas: QuotaDeltas, repos?: Repositories): Promise<Reservation> {
    const reservation: Reservation = { projectId, deltas: checkDeltas(deltas) };
    const take = positive(reservation.deltas);
    if (take.length === 0) return reservation;
    const work = async (tx: Repositories) => {
      const limits = await this.limits(projectId, tx);
      const over: QuotaResource[] = [];
      for (const [resource, delta] of take) {
        const limit = limits[resource];
        const used = await tx.quotaUsages.get(projectId, resource);
        if (limit >= 0 && used.inUse + used.reserved + delta > limit) over.push(resource);
      }
      if (over.length > 0) throw quotaExceeded(over);
      // The check above names every offender; the conditional reserve is what holds under races.
      for (const [resource, delta] of take)
        await tx.quotaUsages.reserve(projectId, resource, delta, limits[resource]);
    };
    await (repos ? work(repos) : this.deps.store.transaction(work));
    return reservation;
  }

  /** The reserved resources now exist: reserved → in use; negative deltas are given back. */
  async commit(reservation: Reservation, repos?: Repositories): Promise<void> {
    await this.apply(repos, async (tx) => {
      for (const [resource, delta] of entries(reservation.deltas)) {
        if (delta > 0) await tx.quotaUsages.commit(reservation.projectId, resource, delta);
        else if (delta < 0) await tx.quotaUsages.free(reservation.projectId, resource, -delta);
      }
    });
  }

  /** The reserved resources were not created: give the reservation back. */
  async release(reservation: Reservation, repos?: Repositories): Promise<void> {
    await this.apply(repos, async (tx) => {
      for (const [resource, delta] of positive(reservation.deltas)) {
        await tx.quotaUsages.release(reservation.projectId, resource, delta);
      }
    });
  }

  /** A resource was deleted: give back what it held (deltas as positive amounts). */
  async free(projectId: string, amounts: QuotaDeltas, repos?: Repositories): Promise<void> {
    const checked = checkDeltas(amounts);
    await this.apply(repos, async (tx) => {
      for (const [resource, amount] of positive(checked))
        await tx.quotaUsages.free(projectId, resource, amount);
    });
  }

  /** Trove's `run_with_quotas`: reserve, run, then commit — or release if `fn` throws. */
  async run<T>(projectId: string, deltas: QuotaDeltas, fn: () => Promise<T>): Promise<T> {
    const reservation = await this.reserve(projectId, deltas);
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      await this.release(reservation);
      throw err;
    }
    await this.commit(reservation);
    return result;
  }

  private async apply(
    repos: Repositories | undefined,
    fn: (tx: Repositories) => Promise<void>,
  ): Promise<void> {
    await (repos ? fn(repos) : this.deps.store.transaction(fn));
  }
}

export function quotaExceeded(resources: readonly string[]): QuotaExceededError {
  const list = resources.map((r) => `'${r}'`).join(", ");
  return new QuotaExceededError("QUOTA_EXCEEDED", `Quota exceeded for resources: [${list}].`, {
    details: { resources: [...resources] },
  });
}

function entries(deltas: Readonly<QuotaDeltas>): [QuotaResource, number][] {
  return QUOTA_RESOURCES.flatMap((r) =>
    deltas[r] === undefined ? [] : [[r, deltas[r]] as [QuotaResource, number]],
  );
}

function positive(deltas: Readonly<QuotaDeltas>): [QuotaResource, number][] {
  return entries(deltas).filter(([, d]) => d > 0);
}

function checkDeltas(deltas: QuotaDeltas): QuotaDeltas {
  for (const [resource, delta] of Object.entries(deltas)) {
    if (!isQuotaResource(resource)) {
      throw new ValidationError("INVALID_QUOTA_DELTA", `Unknown quota resource ${resource}.`);
    }
    if (!Number.isSafeInteger(delta)) {
      throw new ValidationError(
        "INVALID_QUOTA_DELTA",
        `A quota delta must be an integer, not ${String(delta)}.`,
      );
    }
  }
  return { ...deltas };
}
