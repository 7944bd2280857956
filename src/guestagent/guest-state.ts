import { open, readFile, rename, unlink } from "node:fs/promises";
import { InternalError, isManager, type Manager } from "../domain/index.js";
import type { ConfigOverrides, Credentials } from "./engines/index.js";

/**
 * What a guest agent must remember across restarts of Coffer, one JSON file per instance
 * (`<rootDir>/guests/<id>.json`, mode 0600). It holds the engine's admin credentials: it is never
 * logged, never sent over the bus, and written whole or not at all.
 */
export interface GuestState {
  instanceId: string;
  manager: Manager;
  /** The datastore version's image: for the local provider, the directory of the engine's binaries. */
  image: string;
  /** The datastore version's full version, as prepare gave it. */
  version: string;
  ramMb: number;
  vcpus: number;
  /** The configuration group's values the engine is configured with (rendered into its files). */
  overrides: ConfigOverrides;
  /**
   * The overrides the engine last started with successfully: what a failed start rolls back to.
   * Absent in state files older than configuration groups (then the overrides are taken as such).
   */
  lastWorking?: ConfigOverrides;
  /** Coffer's own superuser inside the engine (generated at the first prepare). */
  admin: Credentials;
  /** What the user asked for last: a stopped instance stays stopped, also across restarts of Coffer. */
  desired: "running" | "stopped";
  /** Set once prepare has finished: the engine was secured and its databases and users exist. */
  prepared: boolean;
  /**
   * Where the engine was last launched to listen (listenAddresses), when that was more than its
   * own address: update_access restarts an engine that listens elsewhere than its placement says.
   */
  listening?: string;
}

export async function readGuestState(path: string): Promise<GuestState | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const state = JSON.parse(text) as GuestState;
  if (!isGuestState(state)) {
    throw new InternalError("GUEST_STATE_CORRUPT", `the guest state file ${path} is not a guest state`);
  }
  return state;
}

/**
 * Written aside, flushed, then renamed into place: a crash leaves the old state or the new one,
 * never half of one (losing the admin password would leave the instance unmanageable).
 */
export async function writeGuestState(path: string, state: GuestState): Promise<void> {
  const aside = `${path}.${process.pid}.tmp`;
  const file = await open(aside, "w", 0o600);
  try {
    await file.writeFile(JSON.stringify(state, null, 2) + "\n");
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(aside, path);
}

export async function removeGuestState(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") throw err;
  });
}

function isGuestState(value: unknown): value is GuestState {
  const s = value as Partial<GuestState> | null;
  return (
    typeof s === "object" &&
    s !== null &&
    typeof s.instanceId === "string" &&
    typeof s.manager === "string" &&
    isManager(s.manager) &&
    typeof s.image === "string" &&
    typeof s.version === "string" &&
    typeof s.ramMb === "number" &&
    typeof s.vcpus === "number" &&
    typeof s.overrides === "object" &&
    (s.lastWorking === undefined || (typeof s.lastWorking === "object" && s.lastWorking !== null)) &&
    typeof s.admin?.username === "string" &&
    typeof s.admin.password === "string" &&
    (s.desired === "running" || s.desired === "stopped") &&
    typeof s.prepared === "boolean" &&
    (s.listening === undefined || typeof s.listening === "string")
  );
}
