import { CofferError } from "../../domain/index.js";

/**
 * The two texts of an instance's fault. Members read `message`: the cause in words they can act
 * on — the engine's own when it has some — but no path of the host (its layout is the operator's
 * business, and a member cannot open the files anyway). Admins also read `details`: the whole
 * error as it was raised, paths, log files and the engine's lines included.
 */

/**
 * An absolute path of two or more parts, not inside a URL, a CIDR ("127.0.0.0/8") or a relative
 * path: preceded by neither a word character nor one of `.~:/-`.
 */
const HOST_PATH = /(?<![\w.~:/-])\/(?:[^\s/'"`()<>,;]+\/)+[^\s/'"`()<>,;]*/g;

/**
 * Errors of the plumbing, in words a member can act on (wait, or ask the operator); the bus's own
 * words (topics, methods) stay in the details.
 */
const PLAIN: Readonly<Record<string, string>> = {
  BUS_NO_SERVER:
    "the compute host of this instance is not running (its operator can start it); try again later",
  BUS_TIMEOUT: "the compute host of this instance did not answer in time; try again later",
  BUS_DISCONNECTED: "the control plane lost its message bus; try again later",
};

/** What a member reads of an error: plain words for the plumbing's, the host's paths cut off. */
export function memberMessage(error: Error): string {
  const code = error instanceof CofferError ? error.code : undefined;
  return (code !== undefined ? PLAIN[code] : undefined) ?? withoutHostPaths(error.message);
}

/** `/var/lib/coffer/host/instances/x/volume/data` → `…/data`: the last part says what it is. */
export function withoutHostPaths(text: string): string {
  return text.replace(HOST_PATH, (path) => {
    const parts = path.split("/").filter(Boolean);
    return `…/${parts.at(-1) ?? ""}`;
  });
}

/** What an admin sees: the code and the full message, the error's facts, then where a bug came from. */
export function adminDetails(error: Error): string {
  if (!(error instanceof CofferError)) return error.stack ?? `${error.name}: ${error.message}`;
  const lines = [`${error.code}: ${error.message}`];
  for (const [key, value] of Object.entries(error.details ?? {})) {
    lines.push(`${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  // A plain error wrapped on its way (asCofferError): a bug, whose stack says where.
  const cause: unknown = error.cause;
  if (cause instanceof Error && !(cause instanceof CofferError) && cause.stack) lines.push(cause.stack);
  return lines.join("\n");
}
