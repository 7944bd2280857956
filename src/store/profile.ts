import type { ColumnDataType, Kysely } from "kysely";
import { ConflictError, CofferError, UnavailableError, UpstreamError } from "../domain/index.js";
import type { StoreDialect } from "./port.js";
import type { StoredBool, StoredJson, StoredTimestamp } from "./schema.js";

/**
 * Everything that differs between the dialects, as data (CONVENTIONS §11): the column types that
 * migrations use, how values are stored and read back, and which driver errors mean what.
 */
export interface DialectProfile {
  readonly name: StoreDialect;
  /** Column types for migrations: `.addColumn("created_at", t.timestamp)`. */
  readonly columns: ColumnTypes;
  readonly codec: Codec;
  /** What a driver error means; undefined for anything the driver did not throw. */
  classify(err: unknown): ErrorClass | undefined;
  /** Holds a lock shared by every process on the database while `fn` runs; absent: one process only. */
  lockAcrossProcesses?: <T>(db: Kysely<unknown>, name: string, fn: () => Promise<T>) => Promise<T>;
}

export interface ColumnTypes {
  readonly timestamp: ColumnDataType;
  readonly bool: ColumnDataType;
  readonly json: ColumnDataType;
}

export interface Codec {
  readonly timestamp: { encode(d: Date): StoredTimestamp; decode(v: StoredTimestamp): Date };
  readonly bool: { encode(b: boolean): StoredBool; decode(v: StoredBool): boolean };
  readonly json: { encode(v: unknown): string; decode(v: StoredJson): unknown };
}

export type ErrorClass =
  | "unique" // a unique or primary key already holds the value
  | "reference" // a foreign key points at nothing, or a row is still referenced
  | "busy" // a lock, deadlock or serialization failure: retry
  | "unavailable" // the database cannot be reached
  | "other";

/** What a repository calls a duplicate. */
export interface ConflictText {
  code: string;
  message: string;
}

const DUPLICATE: ConflictText = { code: "DUPLICATE", message: "The record already exists." };

/** Turns a driver error into a domain error; anything else (our own errors, bugs) passes unchanged. */
export function translateError(err: unknown, profile: DialectProfile, conflict = DUPLICATE): unknown {
  if (err instanceof CofferError) return err;
  const kind = profile.classify(err);
  if (kind === undefined) return err;
  const options = { cause: err, details: { dialect: profile.name } };
  const why = err instanceof Error ? err.message : String(err);
  switch (kind) {
    case "unique":
      return new ConflictError(conflict.code, conflict.message, options);
    case "reference":
      return new ConflictError(
        "REFERENCE_VIOLATION",
        "The record refers to one that does not exist, or is still referred to.",
        options,
      );
    case "busy":
      return new UnavailableError("STORE_BUSY", `The infrastructure database is busy: ${why}`, options);
    case "unavailable":
      return new UnavailableError(
        "STORE_UNAVAILABLE",
        `The infrastructure database is unavailable: ${why}`,
        options,
      );
    case "other":
      return new UpstreamError("STORE_ERROR", `The infrastructure database failed: ${why}`, options);
  }
}
