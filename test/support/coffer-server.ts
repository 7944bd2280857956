import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupLocalRoot } from "../../src/compute/testing.js";
import { freePort, run, runChecked, waitFor, type RunResult } from "../../src/lib/index.js";
import { onTerminal } from "./pty.js";

/**
 * A real Coffer server for end-to-end tests: `coffer server` as a child process on a free port
 * with its own data dir and its own instance address range (tests of several files run at once,
 * and every instance listens on its engine's standard port), plus the admin's OS_* variables
 * from the admin-openrc.sh it wrote. `kill()` + `start()` simulate a crash and a restart over the
 * same data.
 */
export interface CofferServer {
  dir: string;
  dataDir: string;
  /** The cgroup every instance's own cgroup is created under. */
  cgroupParent: string;
  /** The instances' address pool (null: Coffer's own default). */
  addressPool: string | null;
  url: string;
  /** OS_* variables of the admin (from admin-openrc.sh), on top of a clean environment. */
  env: NodeJS.ProcessEnv;
  output(): string;
  /** The server process's pid (while it runs). */
  pid(): number;
  /** Whether the server process is running (false once it exited, e.g. killed itself). */
  running(): boolean;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Stops the server and removes every instance it holds (engines are detached and outlive it):
   * through the API first, unless `direct` (then only from the host: quicker for many instances).
   */
  close(options?: { direct?: boolean }): Promise<void>;
}

const root = new URL("../../..", import.meta.url).pathname;
export const cofferBin = join(root, "dist/src/bin/coffer.js");

export interface StartOptions {
  roles?: string;
  extraArgs?: string[];
  /** Extra environment for the server (e.g. COFFER_ADMIN_PASSWORD shared by several processes). */
  env?: NodeJS.ProcessEnv;
  /** Arguments for node itself (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** How long to wait for the ready line (60 s): longer when the database or broker starts later. */
  readyTimeoutMs?: number;
  /** Called once the process is spawned, before it is ready (to watch its output meanwhile). */
  onSpawned?: (server: CofferServer) => void;
  /**
   * The instance address pool. Default: a random /16 of 127/8 for this server alone; null: none
   * given, so Coffer's own default applies (as for a user who sets no address option).
   */
  addressPool?: string | null;
  /** Runs the server on a terminal of its own (as started from a shell) instead of with pipes. */
  tty?: boolean;
  /** Another entry point than dist/src/bin/coffer.js (a test's variant of Coffer). */
  bin?: string;
  /**
   * Only the options that keep this server apart from other tests' — data dir, port, instance
   * address range, compute dir, cgroup parent — and every other one at its default (no faster
   * heartbeats): Coffer as a new user starts it.
   */
  defaults?: boolean;
}

export async function startCoffer(options: StartOptions = {}): Promise<CofferServer> {
  const dir = await mkdtemp(join(tmpdir(), "coffer-e2e-"));
  await chmod(dir, 0o711); // the engines' user must reach the compute dir inside it
  const dataDir = join(dir, "data");
  const port = await freePort();
  // A random /16 inside 127/8 that no other test file is likely to pick.
  const pool =
    options.addressPool === undefined
      ? `127.${20 + Math.floor(Math.random() * 200)}.0.0/16`
      : options.addressPool;
  const cgroupParent = `coffer-e2e-${Math.random().toString(36).slice(2, 8)}`;
  let child: ChildProcess | undefined;
  let output = "";
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OS_")) clean[k] = v;
  const server: CofferServer = {
    dir,
    dataDir,
    cgroupParent,
    addressPool: pool,
    url: `http://127.0.0.1:${port}`,
    env: { ...clean, HOME: dir },
    output: () => output,
    pid: () => child?.pid ?? -1,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async start() {
      const args = ["server", "--data-dir", dataDir, "--port", String(port)];
      if (pool !== null) args.push("--address-pool", pool);
      args.push("--cgroup-parent", cgroupParent, "--compute-dir", join(dir, "compute"));
      if (options.roles) args.push("--roles", options.roles);
      if (!options.defaults) args.push("--heartbeat-interval", "1", "--heartbeat-expiry", "10");
      args.push(...(options.extraArgs ?? []));
      const started = output.length;
      const command = {
        file: process.execPath,
        args: [...(options.nodeArgs ?? []), options.bin ?? cofferBin, ...args],
      };
      const { file, args: argv } = options.tty ? onTerminal(command.file, command.args) : command;
      child = spawn(file, argv, {
        env: { ...clean, HOME: dir, COFFER_LOG_LEVEL: "warn", ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
      options.onSpawned?.(server);
      const exited = new Promise<never>((_, reject) =>
        child?.once("exit", (code, sig) => reject(new Error(`coffer exited (${code ?? sig}):\n${output}`))),
      );
      exited.catch(() => undefined);
      await Promise.race([
        waitFor(async () => (output.slice(started).includes("Coffer is ready at") ? true : undefined), {
          timeoutMs: options.readyTimeoutMs ?? 60_000,
          what: "the server's ready line",
        }),
        exited,
      ]);
      // Of several API processes on one database, only the one that bootstrapped it wrote the file.
      const openrc = join(dataDir, "admin-openrc.sh");
      if ((options.roles === undefined || options.roles.includes("api")) && existsSync(openrc)) {
        server.env = { ...server.env, ...(await sourceOpenrc(openrc)) };
      }
    },
    async kill(signal = "SIGKILL") {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill(signal);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
    async close(closeOptions = {}) {
      try {
        if (!closeOptions.direct) await deleteAllInstances(server);
      } finally {
        await server.kill("SIGTERM");
        // Whatever the API could not delete (a failed test) is removed from the host directly.
        await cleanupLocalRoot(join(dir, "compute", "host"), cgroupParent);
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      }
    },
  };
  try {
    await server.start();
  } catch (err) {
    await server.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  return server;
}

/** Force-deletes whatever instances the admin project holds and waits until they are gone. */
async function deleteAllInstances(server: CofferServer): Promise<void> {
  if (!server.env.OS_PASSWORD) return;
  const list = await trove(server, ["--json", "list"]);
  if (list.code !== 0) return;
  const instances = JSON.parse(list.stdout) as { id: string }[];
  for (const i of instances) await trove(server, ["force-delete", i.id]);
  await waitFor(
    async () => {
      const now = await trove(server, ["--json", "list"]);
      return now.code === 0 && (JSON.parse(now.stdout) as unknown[]).length === 0 ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, what: "every instance to be deleted" },
  ).catch(() => undefined);
}

/** The real `trove` CLI with the server's admin credentials. */
export function trove(
  server: CofferServer,
  args: string[],
  env: NodeJS.ProcessEnv = server.env,
): Promise<RunResult> {
  return run("trove", args, { env, timeoutMs: 120_000 });
}

/** Sources the openrc with bash, as a user would, and returns the OS_* variables it exported. */
export async function sourceOpenrc(path: string): Promise<Record<string, string>> {
  const script = '. "$1" && for v in ${!OS_*}; do printf "%s=%s\\0" "$v" "${!v}"; done';
  const { stdout } = await runChecked("bash", ["-c", script, "-", path], { env: { PATH: process.env.PATH } });
  return Object.fromEntries(
    stdout
      .split("\0")
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
}

/** A project-scoped admin token and the database API's base URL, for tests that poll faster than a CLI can. */
export async function adminSession(server: CofferServer): Promise<{ token: string; base: string }> {
  const res = await fetch(`${server.url}/v3/auth/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { name: "admin", domain: { id: "default" }, password: server.env.OS_PASSWORD } },
        },
        scope: { project: { name: "admin", domain: { id: "default" } } },
      },
    }),
  });
  const token = res.headers.get("x-subject-token");
  const body = (await res.json()) as { token: { project: { id: string } } };
  if (!token) throw new Error(`login failed: ${res.status}`);
  return { token, base: `${server.url}/v1.0/${body.token.project.id}` };
}
