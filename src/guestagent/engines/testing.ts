/**
 * Test helpers for code that needs a real engine: a layout in a temp dir on its own loopback
 * address and free port, and a launcher that runs an engine's launch command as runAs the way the
 * compute provider will (foreground process, stop signal, then SIGKILL if it hangs).
 */
import { spawn } from "node:child_process";
import { chmod, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, runChecked } from "../../lib/index.js";
import { asUser } from "./host.js";
import type { Engine, EngineLayout, LaunchCommand, RunAs } from "./engine.js";

/** The system account each engine's package creates; tests run engines as it when they run as root. */
const PACKAGE_USER: Record<string, string> = { postgresql: "postgres", mariadb: "mysql" };

export async function testRunAs(engine: Engine): Promise<RunAs> {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? uid };
  const name = PACKAGE_USER[engine.capabilities.name];
  if (!name) throw new Error(`no system user known for ${engine.capabilities.name}`);
  const id = async (flag: string) => Number((await runChecked("id", [flag, name])).stdout.trim());
  return { uid: await id("-u"), gid: await id("-g") };
}

export interface TestSite {
  /** Temp directory holding everything; removed by cleanup. */
  root: string;
  binDir: string;
  runAs: RunAs;
  /** A layout under root on a fresh loopback address (127.0.0.2–254) and free port. */
  layout(name: string): Promise<EngineLayout>;
  cleanup(): Promise<void>;
}

export async function createTestSite(engine: Engine): Promise<TestSite> {
  let binDir: string | undefined;
  for (const dir of engine.capabilities.installDirs) {
    if (await engine.probe(dir)) {
      binDir = dir;
      break;
    }
  }
  if (!binDir) throw new Error(`${engine.capabilities.name} is not installed (looked in its installDirs)`);
  const runAs = await testRunAs(engine);
  // Short prefix: the engine's socket lives under it, and unix socket paths are limited to 107 bytes.
  const root = await mkdtemp(join(tmpdir(), `cf-${engine.capabilities.name.slice(0, 2)}-`));
  await chmod(root, 0o711); // runAs must traverse it
  return {
    root,
    binDir,
    runAs,
    async layout(name) {
      const address = `127.0.0.${2 + Math.floor(Math.random() * 253)}`;
      const base = join(root, name);
      return {
        binDir: binDir,
        dataDir: join(base, "data"),
        runDir: join(base, "run"),
        logFile: join(base, "log", "engine.log"),
        address,
        port: await freePort(address),
        runAs,
      };
    },
    cleanup: () => rm(root, { recursive: true, force: true, maxRetries: 3 }),
  };
}

export interface EngineProcess {
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends the stop signal and waits; SIGKILL after timeoutMs. Harmless when already stopped. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Starts a launch command as runAs, its stdout/stderr appended to `outputFile`. */
export async function launchEngine(
  command: LaunchCommand,
  runAs: RunAs,
  outputFile: string,
): Promise<EngineProcess> {
  const out = await open(outputFile, "a");
  const child = spawn(command.file, command.args, {
    env: command.env,
    cwd: "/",
    stdio: ["ignore", out.fd, out.fd],
    ...asUser(runAs),
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  }).finally(() => out.close());
  return {
    pid: child.pid ?? -1,
    exited,
    async stop(timeoutMs = 15_000) {
      if (done) return;
      child.kill(command.stopSignal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await exited.finally(() => clearTimeout(timer));
    },
  };
}
