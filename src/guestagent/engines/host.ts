import { accessSync, constants } from "node:fs";
import { access, chown, mkdir, readdir, rename, rmdir, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { run, runChecked, type RunOptions } from "../../lib/index.js";
import { layoutError } from "./errors.js";
import type { DataDirTarget, RunAs } from "./engine.js";

/** What the engine tools see as their environment: nothing of the control plane's (no secrets, no PG* variables). */
export function engineEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    LC_ALL: "C.UTF-8",
    ...extra,
  };
}

/**
 * Spawn options that make a child run as `runAs`. Only root can switch users; an unprivileged
 * control plane must run engines as itself, and then passing its own ids is harmless.
 */
export function asUser(runAs: RunAs): Pick<RunOptions, "uid" | "gid"> {
  if (runAs.uid === 0) throw layoutError("engines never run as root: give an unprivileged runAs");
  const myUid = process.getuid?.();
  if (myUid !== 0 && myUid !== runAs.uid) {
    throw layoutError(`cannot run the engine as uid ${runAs.uid} without being root (running as ${myUid})`);
  }
  return { uid: runAs.uid, gid: runAs.gid };
}

/** Runs an engine tool as runAs with a clean environment; throws with its output when it fails. */
export async function runAsEngineUser(
  file: string,
  args: readonly string[],
  runAs: RunAs,
  options: Omit<RunOptions, "uid" | "gid" | "env"> = {},
): Promise<void> {
  await runChecked(file, args, { cwd: "/", env: engineEnv(), ...asUser(runAs), ...options });
}

/** Creates `path` (and parents) if needed and gives it to runAs when we may. */
export async function ensureOwnedDir(path: string, runAs: RunAs, mode: number): Promise<void> {
  await mkdir(path, { recursive: true, mode });
  if (process.getuid?.() === 0) await chown(path, runAs.uid, runAs.gid);
}

/** A data directory must not exist yet, or be empty: an engine never initializes over data. */
export async function claimEmptyDataDir(target: DataDirTarget): Promise<void> {
  asUser(target.runAs); // refuse root (or an unreachable uid) before touching anything
  const entries = await readdir(target.dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
  if (entries.length > 0) throw layoutError(`data directory ${target.dataDir} is not empty`);
  await mkdir(dirname(target.dataDir), { recursive: true });
}

/**
 * Copies a template data directory to target.dataDir and hands the copy to target.runAs.
 * `cp -a` (one process, reflinks where the filesystem has them) is several times faster than
 * copying file by file from Node.
 */
export async function copyTemplate(
  templateDir: string,
  target: DataDirTarget,
  options: { exclude?: readonly string[] } = {},
): Promise<void> {
  await claimEmptyDataDir(target);
  if (options.exclude?.length) {
    // Everything but the excluded entries, into the (empty) data dir.
    await ensureOwnedDir(target.dataDir, target.runAs, 0o700);
    const entries = (await readdir(templateDir)).filter((e) => !options.exclude!.includes(e));
    const sources = entries.map((e) => join(templateDir, e));
    await runChecked("cp", ["-a", "--reflink=auto", "-t", target.dataDir, "--", ...sources], {
      env: engineEnv(),
    });
  } else {
    // cp -a onto an existing empty directory would nest the copy inside it.
    await rmdir(target.dataDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    await runChecked("cp", ["-a", "--reflink=auto", "--", templateDir, target.dataDir], { env: engineEnv() });
  }
  const owner = await stat(templateDir); // cp -a kept the template's owner
  if (owner.uid !== target.runAs.uid || owner.gid !== target.runAs.gid) {
    await runChecked("chown", ["-R", `${target.runAs.uid}:${target.runAs.gid}`, "--", target.dataDir], {
      env: engineEnv(),
    });
  }
}

/** Whether `path` exists. */
export async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Finds an engine program. A datastore version's image names one directory, but MariaDB splits its
 * programs between sbin (the server) and bin (the tools), so the sibling directories are tried too.
 * Synchronous because launchCommand is: a few stat calls.
 */
export function findProgram(binDir: string, name: string): string | undefined {
  for (const dir of [binDir, join(binDir, "..", "bin"), join(binDir, "..", "sbin")]) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

export function requireProgram(binDir: string, name: string): string {
  const file = findProgram(binDir, name);
  if (!file) throw layoutError(`${name} not found in ${binDir}`);
  return file;
}

/** Unix socket paths are limited to 107 bytes plus a NUL. */
export function checkSocketPath(path: string): string {
  if (Buffer.byteLength(path) > 107) {
    throw layoutError(`socket path ${path} is longer than 107 bytes: choose a shorter runDir`);
  }
  return path;
}

/**
 * Writes a config file readable only by runAs. Written aside and renamed into place, so an engine
 * that reloads its configuration never reads half a file.
 */
export async function writeOwnedFile(path: string, content: string, runAs: RunAs): Promise<void> {
  const aside = `${path}.coffer-new`;
  await writeFile(aside, content, { mode: 0o600 });
  if (process.getuid?.() === 0) await chown(aside, runAs.uid, runAs.gid);
  await rename(aside, path);
}

/** The first version number in a program's --version output. */
export async function programVersion(file: string): Promise<string | undefined> {
  const result = await run(file, ["--version"], { env: engineEnv(), timeoutMs: 10_000 }).catch(
    () => undefined,
  );
  return result?.code === 0 ? /\d+(?:\.\d+)+/.exec(result.stdout)?.[0] : undefined;
}
