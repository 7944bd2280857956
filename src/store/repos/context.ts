import type { Kysely } from "kysely";
import type { ConflictText, DialectProfile } from "../profile.js";
import { translateError } from "../profile.js";
import type { Schema } from "../schema.js";

/** What every repository is built from: a handle (the pool's, or one transaction's) and the dialect. */
export interface RepoContext {
  readonly db: Kysely<Schema>;
  readonly profile: DialectProfile;
}

type AsyncMethod = (...args: unknown[]) => Promise<unknown>;

/**
 * Wraps each method so that driver errors leave the repository as domain errors, with the
 * repository's own code for duplicates.
 */
export function translated<T extends object>(repo: T, profile: DialectProfile, conflict?: ConflictText): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(repo) as [string, AsyncMethod][]) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await method(...args);
      } catch (err) {
        throw translateError(err, profile, conflict);
      }
    };
  }
  return wrapped as T;
}

/** Keeps only the keys whose value is not undefined (a patch's "leave unchanged"). */
export function defined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
