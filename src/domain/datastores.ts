/**
 * Datastores and their versions. A version names its manager (which engine driver runs it) and an
 * image (for the local provider: the directory holding the engine's binaries).
 */
export const MANAGERS = ["postgresql", "mysql", "mariadb"] as const;
export type Manager = (typeof MANAGERS)[number];

export function isManager(value: string): value is Manager {
  return (MANAGERS as readonly string[]).includes(value);
}

export interface Datastore {
  id: string;
  name: string;
  defaultVersionId: string | null;
}

export interface DatastoreVersion {
  id: string;
  datastoreId: string;
  /** The version's name as users pick it, e.g. "15" or "10.11". */
  name: string;
  /** The full engine version, e.g. "15.18" (Trove's `version` / `version_number`). */
  version: string;
  manager: Manager;
  image: string;
  packages: string[];
  active: boolean;
}
