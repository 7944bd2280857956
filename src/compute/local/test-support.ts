/** Shared by this folder's tests only: temp roots, unique pools and cgroup names, a tiny TCP writer. */
import { connect } from "node:net";
import { access, chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomInt } from "node:crypto";
import { waitFor } from "../../lib/index.js";
import type { ComputeProvider } from "../types.js";

/** A temp dir under /tmp that the run-as user can traverse (mkdtemp makes 0700). */
export async function tempRoot(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `coffer-compute-${label}-`));
  await chmod(dir, 0o755);
  return dir;
}

/** A /24 far from the default pool, so that tests running side by side rarely share addresses. */
export function randomPool(): string {
  return `127.${randomInt(200, 254)}.${randomInt(0, 256)}.0/24`;
}

export function uniqueCgroupParent(): string {
  return `coffer-test-${process.pid}-${randomInt(1e9)}`;
}

/**
 * A program for the engine's place: listens on the instance address and, per connection, appends
 * 8 MiB to a file it keeps open, then answers "ok" or the error code (ENOSPC when the volume is full).
 */
export const WRITER_SCRIPT = `
const net = require("node:net");
const fs = require("node:fs");
const [address, port, file] = process.argv.slice(2);
const fd = fs.openSync(file, "a");
const chunk = Buffer.alloc(8 * 1024 * 1024, 7);
net.createServer((socket) => {
  try {
    for (let off = 0; off < chunk.length; ) off += fs.writeSync(fd, chunk, off);
    fs.fsyncSync(fd);
    socket.end("ok");
  } catch (err) {
    socket.end(String(err.code));
  }
}).listen(Number(port), address);
`;

export async function writeScript(dir: string): Promise<string> {
  const path = join(dir, "writer.cjs");
  await writeFile(path, WRITER_SCRIPT, { mode: 0o644 });
  return path;
}

/** Connects, reads the whole answer. */
export function ask(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let data = "";
    socket.on("data", (d: Buffer) => (data += d.toString()));
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
}

export async function waitStopped(provider: ComputeProvider, id: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => ((await provider.processStatus(id)).running ? undefined : true), {
    timeoutMs,
    what: `the process of ${id} to end`,
  });
}

/** Whether xfsprogs is installed (scripts/setup.sh installs it): then the probe must choose XFS. */
export async function hasXfsTools(): Promise<boolean> {
  const found = await Promise.all(
    ["/usr/sbin/mkfs.xfs", "/usr/sbin/xfs_growfs"].map((f) =>
      access(f).then(
        () => true,
        () => false,
      ),
    ),
  );
  return found.every(Boolean);
}

/** The kernel's id of the mount at `path` (the first field of /proc/self/mountinfo): a new mount gets a new one. */
export async function mountIdOf(path: string): Promise<number | undefined> {
  const target = resolve(path);
  const lines = (await readFile("/proc/self/mountinfo", "utf8")).split("\n");
  const line = lines.filter((l) => l.split(" ")[4] === target).pop();
  return line === undefined ? undefined : Number(line.split(" ")[0]);
}
