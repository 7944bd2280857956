import { spawn, type ChildProcess } from "node:child_process";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runChecked } from "../process.js";
import { freePort } from "../net.js";
import { sleep } from "../retry.js";

/** A throwaway PostgreSQL server for tests; never the system cluster. */
export interface TempPostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` (trust auth on loopback). */
  readonly url: string;
  readonly port: number;
  /** Stops the server (fast shutdown), keeping its data and port: an outage, ended by `start`. */
  halt(): Promise<void>;
  /** Starts the server again on the same data and port (after `halt`, or when created deferred). */
  start(): Promise<void>;
  /** Stops the server and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface TempPostgresOptions {
  /** Where initdb and postgres are; defaults to PostgreSQL 15's Debian location. */
  binDir?: string;
  /** Initialise and pick the port, but do not start the server until `start()`. */
  deferStart?: boolean;
}

const DEFAULT_BIN_DIR = "/usr/lib/postgresql/15/bin";

/**
 * initdb in a fresh temp dir, then postgres on 127.0.0.1 at a free port with its socket in that dir.
 * Durability is switched off (it is a test). PostgreSQL refuses to run as root, so as root both run as
 * the `postgres` system user; otherwise as the current user.
 */
export async function startTempPostgres(options: TempPostgresOptions = {}): Promise<TempPostgres> {
  const bin = options.binDir ?? DEFAULT_BIN_DIR;
  const dir = await mkdtemp(join(tmpdir(), "coffer-pg-"));
  try {
    const owner = process.getuid?.() === 0 ? await systemUser("postgres") : undefined;
    if (owner) await chown(dir, owner.uid, owner.gid);
    const data = join(dir, "data");
    const common = { cwd: dir, ...(owner ?? {}), env: { ...process.env, LC_ALL: "C", LANG: "C" } };
    await runChecked(
      join(bin, "initdb"),
      ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N", "--no-instructions"],
      { ...common, timeoutMs: 60_000 },
    );
    if (options.deferStart) {
      const port = await freePort();
      return handle(undefined, port, dir, () => startServer(join(bin, "postgres"), data, dir, port, common));
    }
    // Another process may take the free port before postgres binds it; then try another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        const launch = () => startServer(join(bin, "postgres"), data, dir, port, common);
        return handle(await launch(), port, dir, launch);
      } catch (err) {
        if (attempt >= 3 || !(err instanceof PortTaken)) throw err;
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

class PortTaken extends Error {}

async function startServer(
  postgres: string,
  data: string,
  dir: string,
  port: number,
  common: { cwd: string; uid?: number; gid?: number; env: NodeJS.ProcessEnv },
): Promise<ChildProcess> {
  const args = ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1"];
  for (const setting of [
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "shared_buffers=16MB",
    "max_connections=60",
  ])
    args.push("-c", setting);
  const child = spawn(postgres, args, { ...common, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let exited = false;
  child.once("exit", () => (exited = true));
  try {
    // postgres writes "ready" as the 8th line of postmaster.pid once it accepts connections.
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited) throw new Error("postgres exited");
      const pid = await readFile(join(data, "postmaster.pid"), "utf8").catch(() => "");
      if (pid.split("\n")[7]?.trim() === "ready") return child;
      if (Date.now() > deadline) throw new Error("timed out after 30 s");
      await sleep(20);
    }
  } catch (err) {
    await stopChild(child);
    if (/could not bind|Address already in use/.test(stderr)) throw new PortTaken(stderr);
    throw new Error(`temporary PostgreSQL did not start: ${stderr.trim()}`, { cause: err });
  }
}

function handle(
  first: ChildProcess | undefined,
  port: number,
  dir: string,
  launch: () => Promise<ChildProcess>,
): TempPostgres {
  let child = first;
  let stopped: Promise<void> | undefined;
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    async halt() {
      if (child) await stopChild(child);
      child = undefined;
    },
    async start() {
      if (stopped) throw new Error("temporary PostgreSQL was removed");
      if (!child || child.exitCode !== null || child.signalCode !== null) child = await launch();
    },
    stop: () =>
      (stopped ??= (async () => {
        if (child) await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}

/** SIGINT is PostgreSQL's fast shutdown; SIGKILL if that takes too long. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

async function systemUser(name: string): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile("/etc/passwd", "utf8");
  const fields = passwd
    .split("\n")
    .map((line) => line.split(":"))
    .find((f) => f[0] === name);
  if (!fields) throw new Error(`system user ${name} does not exist (PostgreSQL refuses to run as root)`);
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}
