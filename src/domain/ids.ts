import { randomUUID } from "node:crypto";

/** Generates resource ids (UUID strings, as Trove uses). Injected so tests can make them predictable. */
export type IdGenerator = () => string;

export const uuidGenerator: IdGenerator = () => randomUUID();

/** Ids `prefix-1`, `prefix-2`, … for tests. */
export function sequentialIds(prefix = "id"): IdGenerator {
  let n = 0;
  return () => `${prefix}-${++n}`;
}
