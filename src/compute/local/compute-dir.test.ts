import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CofferError } from "../../domain/index.js";
import { silentLogger } from "../../lib/index.js";
import { lockComputeDir } from "./compute-dir.js";

const base = await mkdtemp(join(tmpdir(), "coffer-compute-dir-"));
after(() => rm(base, { recursive: true, force: true }));
const log = silentLogger();
const refused = (code: string, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof CofferError && err.code === code, String(err));
  assert.match(err.message, message);
  return true;
};

/** Another process that takes the directory, says so, and holds it until killed. */
function holder(dir: string, dataDir: string) {
  const module = fileURLToPath(new URL("./compute-dir.js", import.meta.url));
  const script = `
const { lockComputeDir } = await import(${JSON.stringify(module)});
await lockComputeDir(${JSON.stringify(dir)}, { dataDir: ${JSON.stringify(dataDir)} }, { info() {} });
console.log("held");
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`the holder exited (${code})`)));
  });
  const killed = () => new Promise((resolve) => (child.once("exit", resolve), child.kill("SIGKILL")));
  return { child, ready, killed };
}

test("one Coffer per compute directory: a second one, in this process or another, is told who holds it", async () => {
  const dir = join(base, "a");
  const first = await lockComputeDir(dir, { dataDir: "/srv/one" }, log);
  const who = new RegExp(
    `in use by the Coffer with pid ${process.pid} and data directory /srv/one; .*--compute-dir`,
  );
  await assert.rejects(lockComputeDir(dir, { dataDir: "/srv/one" }, log), refused("COMPUTE_DIR_IN_USE", who));
  await first.release();

  const other = holder(dir, "/srv/one");
  try {
    await other.ready;
    await assert.rejects(
      lockComputeDir(dir, { dataDir: "/srv/one" }, log),
      refused("COMPUTE_DIR_IN_USE", new RegExp(`pid ${other.child.pid} `)),
    );
  } finally {
    await other.killed();
  }
  // Killed, not stopped: the kernel let go of its lock.
  const again = await lockComputeDir(dir, { dataDir: "/srv/one" }, log);
  await again.release();
});

test("the owner mark: the first data directory owns it; another is refused and takes nothing", async () => {
  const dir = join(base, "b");
  const first = await lockComputeDir(dir, { dataDir: "/srv/one" }, log);
  await first.release();
  assert.equal(JSON.parse(await readFile(join(dir, "owner.json"), "utf8")).dataDir, "/srv/one");
  await assert.rejects(
    lockComputeDir(dir, { dataDir: "/srv/two" }, log),
    refused("COMPUTE_DIR_OWNED", /belongs to the Coffer whose data directory is \/srv\/one .*--compute-dir/),
  );
  // The refused start let go of the lock: the owner starts as before.
  const owner = await lockComputeDir(dir, { dataDir: "/srv/one/" }, log);
  await owner.release();
});
