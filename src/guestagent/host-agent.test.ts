// The host agent's start-up checks, without engines (the end-to-end suites are host-agent.*.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInProcessBus, type MessageBus } from "../bus/index.js";
import { createLocalProvider } from "../compute/index.js";
import { cleanupLocalRoot } from "../compute/testing.js";
import { CofferError, systemClock } from "../domain/index.js";
import { silentLogger } from "../lib/index.js";
import { createHostAgent, HostClient } from "./index.js";

const isRoot = process.getuid?.() === 0;
const code = (c: string) => (err: unknown) => err instanceof CofferError && err.code === c;

async function withHost(
  rootDirOf: (dir: string) => string,
  check: (start: () => Promise<void>, bus: MessageBus, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cf-gh-"));
  await chmod(dir, 0o755);
  const cgroupParent = `coffer-gtest-${process.pid}-${Date.now()}`;
  const bus = createInProcessBus({ logger: silentLogger() });
  const provider = createLocalProvider({
    rootDir: join(dir, "compute"),
    addressPool: "127.143.7.0/24",
    cgroupParent,
    volumeMode: "directory",
    logger: silentLogger(),
  });
  const host = createHostAgent({
    bus,
    provider,
    logger: silentLogger(),
    clock: systemClock,
    hostName: "h1",
    rootDir: rootDirOf(dir),
  });
  try {
    await check(() => host.start(), bus, dir);
  } finally {
    await host.stop();
    await bus.close();
    await cleanupLocalRoot(join(dir, "compute"), cgroupParent);
    await rm(dir, { recursive: true, force: true });
  }
}

test(
  "start refuses a root dir the engines' user cannot reach",
  { skip: !isRoot && "needs root" },
  async () => {
    await withHost(
      (dir) => join(dir, "private", "guests"),
      async (start, _bus, dir) => {
        await mkdir(join(dir, "private"), { mode: 0o700 }); // root's only: the engines' user cannot pass
        await assert.rejects(start(), code("GUEST_ROOT_UNREACHABLE"));
      },
    );
  },
);

test("start refuses a root dir too deep for engine sockets", async () => {
  await withHost(
    (dir) => join(dir, "x".repeat(80)),
    async (start) => {
      await assert.rejects(start(), code("GUEST_ROOT_TOO_LONG"));
    },
  );
});

test("the host topic checks its arguments; destroy of an unknown id is a no-op", async () => {
  await withHost(
    (dir) => join(dir, "g"),
    async (start, bus) => {
      await start();
      const client = new HostClient(bus, "h1");
      await assert.rejects(
        client.provision({ instanceId: "a", volumeSizeGb: 1.5, ramMb: 128, vcpus: 1, isPublic: false }),
        code("GUEST_ARGS_INVALID"),
      );
      await assert.rejects(client.destroy("../etc"), code("INVALID_INSTANCE_ID"));
      await client.destroy("never-here");
    },
  );
});
