import type { Page, PageRequest } from "./engine.js";

/** Code-unit order: the same on every engine, whatever its collation thinks of case or accents. */
export const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One page of `items` (sorted here by `key`): those after `page.marker`, at most `page.limit`.
 * Engines hold tens or hundreds of accounts, not millions, so the whole list is read and cut
 * here, which keeps the order identical on both engines.
 */
export function paginate<T>(items: readonly T[], key: (item: T) => string, page: PageRequest = {}): Page<T> {
  const sorted = [...items].sort((a, b) => byKey(key(a), key(b)));
  const { marker, limit } = page;
  const after = marker === undefined ? sorted : sorted.filter((item) => key(item) > marker);
  if (limit === undefined || after.length <= limit) return { items: after };
  const shown = after.slice(0, limit);
  return { items: shown, nextMarker: key(shown[shown.length - 1]!) };
}
