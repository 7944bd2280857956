/**
 * store: the infrastructure database behind one port. `openStore` gives a `Store` over SQLite
 * (embedded) or PostgreSQL (scaled out); both pass the same conformance suite. Repositories take
 * and return plain records (records.ts) and throw only domain errors: ConflictError for
 * duplicates, UnavailableError (retryable) when the database cannot be reached. `migrate()`
 * applies the numbered migrations in migrations/ and is safe to call at every start-up.
 */
export type * from "./records.js";
export type * from "./port.js";
export { openStore } from "./open.js";
export type * from "./instance-records.js";
export type * from "./instance-port.js";
export { TASK_STATES } from "./instance-records.js";
export type * from "./configuration-records.js";
export type * from "./configuration-port.js";
export type * from "./observability-records.js";
export type * from "./observability-port.js";
