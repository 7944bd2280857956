import type { Clock } from "../domain/index.js";
import type { TokenInfo } from "./token-info.js";

/**
 * Verified tokens, kept briefly in this process so that validation on the request path does not
 * hit the database each time. An entry lives until `ttlMs` after it was verified or the token's
 * expiry, whichever comes first. Revocations, role changes and deletions made in this process
 * drop the affected entries at once; other processes see them within `ttlMs` (the documented
 * trade-off, docs/identity.md). `ttlMs` 0 disables caching.
 */
export class TokenCache {
  private readonly entries = new Map<string, { info: TokenInfo; until: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(idHash: string): TokenInfo | undefined {
    const entry = this.entries.get(idHash);
    if (!entry) return undefined;
    if (this.clock.now().getTime() >= entry.until) {
      this.entries.delete(idHash);
      return undefined;
    }
    return entry.info;
  }

  put(idHash: string, info: TokenInfo): void {
    if (this.ttlMs <= 0) return;
    const now = this.clock.now().getTime();
    if (this.entries.size >= this.maxEntries) this.evict(now);
    const until = Math.min(now + this.ttlMs, info.expiresAt.getTime());
    this.entries.set(idHash, { info, until });
  }

  delete(idHash: string): void {
    this.entries.delete(idHash);
  }

  /** Drops every entry for the user and/or the project (all given fields must match). */
  invalidate(match: { userId?: string; projectId?: string }): void {
    for (const [key, { info }] of this.entries) {
      if (match.userId !== undefined && info.user.id !== match.userId) continue;
      if (match.projectId !== undefined && info.project?.id !== match.projectId) continue;
      this.entries.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Expired entries first; if the cache is still full, the oldest insertions (Map keeps order). */
  private evict(now: number): void {
    for (const [key, entry] of this.entries) if (now >= entry.until) this.entries.delete(key);
    for (const key of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
