import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { ValidationError } from "../domain/index.js";
import type { InstancePlacement } from "../compute/index.js";
import type { Engine, EngineLayout } from "./engines/index.js";

/** Socket files the engines put in a run dir: ".s.PGSQL.5432.lock" is the longest name. */
const LONGEST_SOCKET_NAME = 24;
const SOCKET_PATH_MAX = 107;
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Where the host agent keeps what is not on an instance's volume, under its root dir:
 *
 *   guests/<id>.json        the guest state (mode 0600: it holds the engine's admin password)
 *   templates/<key>/data    one prepared, never started data dir per engine installation
 *   run/<id>/               the engine's socket and lock files (short: socket paths < 108 bytes)
 *   logs/<id>/engine.log    the engine's log, off the volume so that a full volume cannot stop logging
 *   logs/<id>/console.log   the engine process's stdout and stderr
 *   wal/<id>/               a write-ahead log kept off the volume (PostgreSQL's pg_wal)
 */
export class GuestPaths {
  readonly root: string;
  readonly guestsDir: string;
  readonly templatesDir: string;
  readonly runRoot: string;
  readonly logsRoot: string;
  readonly walRoot: string;

  constructor(rootDir: string) {
    this.root = resolve(rootDir);
    this.guestsDir = join(this.root, "guests");
    this.templatesDir = join(this.root, "templates");
    this.runRoot = join(this.root, "run");
    this.logsRoot = join(this.root, "logs");
    this.walRoot = join(this.root, "wal");
  }

  stateFile(id: string): string {
    return join(this.guestsDir, `${checkId(id)}.json`);
  }

  /** The instance id when it fits; a short hash of it when a long id would push a socket past the limit. */
  runDir(id: string): string {
    const plain = join(this.runRoot, checkId(id));
    if (Buffer.byteLength(plain) + 1 + LONGEST_SOCKET_NAME <= SOCKET_PATH_MAX) return plain;
    return join(this.runRoot, `h-${createHash("sha256").update(id).digest("hex").slice(0, 16)}`);
  }

  walDir(id: string): string {
    return join(this.walRoot, checkId(id));
  }

  logDir(id: string): string {
    return join(this.logsRoot, checkId(id));
  }

  /** Whether run dirs here can hold a socket at all (a root dir too deep cannot). */
  socketRoomError(): ValidationError | undefined {
    const longest = join(this.runRoot, "h-0123456789abcdef", "x".repeat(LONGEST_SOCKET_NAME));
    if (Buffer.byteLength(longest) <= SOCKET_PATH_MAX) return undefined;
    return new ValidationError(
      "GUEST_ROOT_TOO_LONG",
      `the guest root dir ${this.root} is too long: engine socket paths under it would exceed ${SOCKET_PATH_MAX} bytes`,
    );
  }

  /** The engine's whole layout, from its placement: data on the volume, the standard port on the instance's address. */
  layout(engine: Engine, image: string, placement: InstancePlacement): EngineLayout {
    const id = placement.instanceId;
    return {
      binDir: image,
      dataDir: dataDirOn(placement),
      runDir: this.runDir(id),
      logFile: join(this.logDir(id), "engine.log"),
      address: placement.address,
      ...(placement.publicAddress !== undefined ? { publicAddress: placement.publicAddress } : {}),
      port: engine.capabilities.defaultPort,
      runAs: placement.runAs,
      walDir: this.walDir(id),
    };
  }

  consoleLog(id: string): string {
    return join(this.logDir(id), "console.log");
  }
}

/** A subdirectory of the volume: the root of an ext4 volume holds lost+found, and an engine wants an empty dir. */
export function dataDirOn(placement: Pick<InstancePlacement, "volumePath">): string {
  return join(placement.volumePath, "data");
}

/** Instance ids become file names here: refuse anything that is not a plain name. */
export function checkId(id: string): string {
  if (!INSTANCE_ID.test(id) || id.includes("..")) {
    throw new ValidationError(
      "INVALID_INSTANCE_ID",
      `instance id "${id}" is not usable as a name on this host`,
    );
  }
  return id;
}
